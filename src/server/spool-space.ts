// The spool's free space, as `scriptlet serve` learns of it: a write that
// fails for want of space (ENOSPC, or EDQUOT on a quota) marks the spool
// full, with one warning in the log; the message in flight is answered
// `452 4.3.1` (never 250: the spool wrote nothing of it). Every other phase
// goes on, and each new message tries the spool again (one that fits is
// taken), so the server recovers by itself. The state ends, with a log
// line, once the free space (checked every second while full) is back
// above twice the largest write that failed plus 1 MiB: a margin, so that
// a spool on the edge does not flap between full and not in the log.

import * as fs from 'node:fs';

export type SpoolFailure = 'no_space' | 'other';

export const NO_SPACE_TEXT = '4.3.1 Insufficient system storage, try again later';
export const SPOOL_ERROR_TEXT = '4.3.0 Could not spool the message, try again later';
const CHECK_EVERY_MS = 1000;
const RECOVERY_MARGIN = 1024 * 1024;

/** Whether an error of a write means the file system has no room left. */
export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export class SpoolSpace {
  readonly dir: string;
  /** Writes that failed, by kind. */
  readonly failures: Record<SpoolFailure, number> = { no_space: 0, other: 0 };
  /** Times the spool became full. */
  fullEvents = 0;
  readonly #log: (line: string) => void;
  #full = false;
  /** The largest write that failed for want of space while full. */
  #needed = 0;
  #check: NodeJS.Timeout | undefined;

  constructor(dir: string, log: (line: string) => void) {
    this.dir = dir;
    this.#log = log;
  }

  /** Whether the last write failed for want of space and no space was seen since. */
  get full(): boolean {
    return this.#full;
  }

  /** Bytes free for this process in the spool's file system, or undefined if it cannot be read. */
  freeBytes(): number | undefined {
    try {
      const s = fs.statfsSync(this.dir);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  }

  /** A write of `bytes` failed with err; the kind of failure, for the reply. */
  failed(err: unknown, bytes: number): SpoolFailure {
    const kind: SpoolFailure = isNoSpace(err) ? 'no_space' : 'other';
    this.failures[kind]++;
    if (kind === 'no_space') {
      this.#needed = Math.max(this.#needed, bytes);
      if (!this.#full) {
        this.#full = true;
        this.fullEvents++;
        this.#log(`warning: spool ${this.dir} is full (${(err as Error).message}): messages are answered 452 4.3.1 until space returns`);
        this.#checkLater();
      }
    }
    return kind;
  }

  /** A write succeeded: when the free space cannot be read, that is the only sign that space is back. */
  succeeded(): void {
    if (this.#full && this.freeBytes() === undefined) this.#recovered('a message was spooled');
  }

  close(): void {
    clearTimeout(this.#check);
  }

  #recovered(why: string): void {
    this.#full = false;
    this.#needed = 0;
    clearTimeout(this.#check);
    this.#log(`spool ${this.dir} has space again (${why}): accepting messages`);
  }

  #checkLater(): void {
    this.#check = setTimeout(() => {
      if (!this.#full) return;
      const free = this.freeBytes();
      if (free !== undefined && free >= 2 * this.#needed + RECOVERY_MARGIN) this.#recovered(`${free} bytes free`);
      else this.#checkLater();
    }, CHECK_EVERY_MS);
    this.#check.unref();
  }
}
