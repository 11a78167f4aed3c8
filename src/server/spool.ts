// The spool: one accepted message per file, written so that a crash at any
// moment leaves either the whole message or nothing. As in a maildir, a
// message is written under tmp/, flushed to disk, then renamed into new/ (a
// rename within one file system is atomic), and new/ itself is flushed so
// the rename survives a power cut. Only then may the server answer 250.
//
//   new/ID.json   the envelope (written first)
//   new/ID.eml    the message as accepted, headers added: its presence is
//                 what makes the message spooled
//
// A crash (kill -9, power cut) can leave files under tmp/ and, between the
// two renames, an ID.json without its ID.eml: neither was answered 250.
// Opening the spool removes them, but only those of a writer that is gone
// (the id names its process), so that servers sharing a spool do not
// remove each other's messages in flight.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { loadAddon } from '../native/addon.js';
import type { NativeAddon } from '../native/types.js';

export interface SpoolEnvelope {
  id: string;
  mailfrom: string;
  rcptto: string[];
  remoteAddr: string;
  helo: string;
  receivedAt: string;
  /** The hash of the scripts the policy ran under. */
  version: string;
  /** For a message msg:inject or msg:forward made: the id of the message (or connection) whose policy made it. */
  injectedBy?: string;
  /** The binding validate_set_binding chose, by recipient; absent when it chose none (the default binding). */
  bindings?: Record<string, string>;
  /** The routing domain msg:routing_domain set, by recipient; absent when none was (route by the recipient's domain). */
  routingDomains?: Record<string, string>;
}

export class Spool {
  readonly dir: string;
  readonly #tmp: string;
  readonly #new: string;
  readonly #prefix: string;
  /** writeDurably and syncDirectory: a message's files in one threadpool job, not ten, new/'s flush in one, not three (native/napi/durable_write.cpp). */
  readonly #addon: NativeAddon = loadAddon();
  #sequence = 0;
  #written = 0;
  #runningSync: Promise<void> | undefined;
  #queuedSync: Promise<void> | undefined;
  /** What opening the spool removed, left by a crash. */
  recovered: Recovered = { temporary: 0, incomplete: 0 };

  private constructor(dir: string) {
    this.dir = dir;
    this.#tmp = path.join(dir, 'tmp');
    this.#new = path.join(dir, 'new');
    this.#prefix = idPrefix(process.pid);
  }

  /** Creates the spool's directories if needed, and removes what a crashed writer left. */
  static async open(dir: string): Promise<Spool> {
    const spool = new Spool(path.resolve(dir));
    await fs.mkdir(spool.#tmp, { recursive: true });
    await fs.mkdir(spool.#new, { recursive: true });
    spool.recovered = await spool.#recover();
    return spool;
  }

  /** A fresh message id, unique to this spool. */
  newId(): string {
    return `${this.#prefix}-${(++this.#sequence).toString(36).toUpperCase().padStart(6, '0')}`;
  }

  /** Messages stored by this process. */
  get written(): number {
    return this.#written;
  }

  /** The path of a spooled message's file. */
  messagePath(id: string): string {
    return path.join(this.#new, `${id}.eml`);
  }

  /** Writes a message and its envelope durably; resolves when both are on disk under new/. */
  async store(envelope: SpoolEnvelope, message: Buffer): Promise<void> {
    const id = envelope.id;
    if (!/^[A-Z0-9-]+$/.test(id)) throw new Error(`bad spool id ${JSON.stringify(id)}`);
    const json = `${id}.json`;
    const eml = `${id}.eml`;
    try {
      // Both written and flushed under tmp/, then renamed into new/, the message last (the commit point): one threadpool job.
      await this.#addon.writeDurably([
        [path.join(this.#tmp, json), path.join(this.#new, json), Buffer.from(JSON.stringify(envelope) + '\n')],
        [path.join(this.#tmp, eml), path.join(this.#new, eml), message],
      ]);
    } catch (err) {
      // Not spooled (the caller answers 451): leave no half of it behind.
      await Promise.all([path.join(this.#tmp, json), path.join(this.#tmp, eml), path.join(this.#new, json)].map((f) => fs.rm(f, { force: true }).catch(() => undefined)));
      throw err;
    }
    await this.#syncNew();
    this.#written++;
  }

  /**
   * Removes every file under tmp/ and every lone half of a pair in new/
   * (ID.json without ID.eml, or the reverse) whose writer is gone. None was
   * answered 250: the 250 follows both renames and the flush of new/.
   */
  async #recover(): Promise<Recovered> {
    const recovered: Recovered = { temporary: 0, incomplete: 0 };
    for (const name of await fs.readdir(this.#tmp)) {
      if (!writerGone(name)) continue;
      await fs.rm(path.join(this.#tmp, name), { force: true, recursive: true });
      recovered.temporary++;
    }
    const names = new Set(await fs.readdir(this.#new));
    for (const name of names) {
      const pair = /^([A-Z0-9-]+)\.(eml|json)$/.exec(name);
      if (!pair || names.has(`${pair[1]}.${pair[2] === 'eml' ? 'json' : 'eml'}`) || !writerGone(name)) continue;
      await fs.rm(path.join(this.#new, name), { force: true });
      recovered.incomplete++;
    }
    if (recovered.incomplete > 0) await this.#addon.syncDirectory(this.#new);
    return recovered;
  }

  /**
   * Flushes new/ so that the renames in it are durable. Group commit: one
   * fsync serves every rename done before it started, so a caller that
   * arrives while one runs waits for the next, which all such callers share.
   */
  #syncNew(): Promise<void> {
    if (this.#queuedSync) return this.#queuedSync;
    if (!this.#runningSync) {
      this.#runningSync = this.#addon.syncDirectory(this.#new).finally(() => (this.#runningSync = undefined));
      return this.#runningSync;
    }
    this.#queuedSync = this.#runningSync
      .catch(() => undefined)
      .then(() => {
        this.#queuedSync = undefined;
        return this.#syncNew();
      });
    return this.#queuedSync;
  }
}

export interface Recovered {
  /** Files under tmp/: messages being written when the writer died. */
  temporary: number;
  /** Lone envelopes (or messages) in new/: the writer died between the two renames. */
  incomplete: number;
}

// An id is PREFIX-SEQUENCE, PREFIX being the start time (9 base-36 digits),
// the pid (base 36) and 6 random hex digits: unique across restarts and
// processes sharing the directory, and naming the process that writes it.
const TIME_DIGITS = 9;
const RANDOM_DIGITS = 6;

/** The prefixes of the spools this process opened: their files are in flight, not left by a crash. */
const ownPrefixes = new Set<string>();

function idPrefix(pid: number): string {
  const time = Date.now().toString(36).padStart(TIME_DIGITS, '0');
  const prefix = `${time}${pid.toString(36)}${randomBytes(RANDOM_DIGITS / 2).toString('hex')}`.toUpperCase();
  ownPrefixes.add(prefix);
  return prefix;
}

/** The pid in a spool file's name; undefined when the name is not a spool id's, or is one of this process's spools. */
function writerPid(name: string): number | undefined {
  const prefix = /^([0-9A-Z]+)-[0-9A-Z]+\./.exec(name)?.[1];
  if (!prefix || prefix.length <= TIME_DIGITS + RANDOM_DIGITS || ownPrefixes.has(prefix)) return undefined;
  const pid = parseInt(prefix.slice(TIME_DIGITS, -RANDOM_DIGITS), 36);
  return Number.isSafeInteger(pid) ? pid : undefined;
}

/**
 * Whether the process that wrote the file is gone. This process's own pid
 * counts as gone unless the file is of a spool it opened: such a file is a
 * previous life's (in a container, the server is often pid 1 each time). A
 * name that is not a spool id's is left alone.
 */
function writerGone(name: string): boolean {
  const pid = writerPid(name);
  if (pid === undefined) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
