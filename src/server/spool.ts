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
}

export class Spool {
  readonly dir: string;
  readonly #tmp: string;
  readonly #new: string;
  readonly #prefix: string;
  #sequence = 0;
  #written = 0;

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
    await this.#durable(`${id}.json`, Buffer.from(JSON.stringify(envelope) + '\n'));
    await this.#durable(`${id}.eml`, message);
    const dir = await fs.open(this.#new, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.#written++;
  }

  /** tmp/NAME written and flushed, then renamed to new/NAME. */
  async #durable(name: string, data: Buffer): Promise<void> {
    const tmp = path.join(this.#tmp, name);
    const file = await fs.open(tmp, 'wx', 0o640);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.rename(tmp, path.join(this.#new, name));
  }
}
