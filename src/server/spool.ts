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
// An ID.json without its ID.eml is the trace of a crash between the two
// renames, and stands for nothing.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

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
  #sequence = 0;
  #written = 0;
  #runningSync: Promise<void> | undefined;
  #queuedSync: Promise<void> | undefined;

  private constructor(dir: string) {
    this.dir = dir;
    this.#tmp = path.join(dir, 'tmp');
    this.#new = path.join(dir, 'new');
    // Unique across restarts and processes sharing the directory: start time, pid, random.
    this.#prefix = `${Date.now().toString(36)}${process.pid.toString(36)}${randomBytes(3).toString('hex')}`.toUpperCase();
  }

  /** Creates the spool's directories if needed. */
  static async open(dir: string): Promise<Spool> {
    const spool = new Spool(path.resolve(dir));
    await fs.mkdir(spool.#tmp, { recursive: true });
    await fs.mkdir(spool.#new, { recursive: true });
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
    await Promise.all([this.#writeSynced(json, Buffer.from(JSON.stringify(envelope) + '\n')), this.#writeSynced(eml, message)]);
    await fs.rename(path.join(this.#tmp, json), path.join(this.#new, json));
    // The commit point: from here the message is in the spool.
    await fs.rename(path.join(this.#tmp, eml), path.join(this.#new, eml));
    await this.#syncNew();
    this.#written++;
  }

  /** tmp/NAME written and flushed to disk. */
  async #writeSynced(name: string, data: Buffer): Promise<void> {
    const file = await fs.open(path.join(this.#tmp, name), 'wx', 0o640);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  /**
   * Flushes new/ so that the renames in it are durable. Group commit: one
   * fsync serves every rename done before it started, so a caller that
   * arrives while one runs waits for the next, which all such callers share.
   */
  #syncNew(): Promise<void> {
    if (this.#queuedSync) return this.#queuedSync;
    if (!this.#runningSync) {
      this.#runningSync = fsyncDirectory(this.#new).finally(() => (this.#runningSync = undefined));
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

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
