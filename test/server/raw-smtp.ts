// A bare SMTP client over a socket, for the tests that misbehave on purpose
// (slow, silent, over the limits): it sends exactly what it is told, when it
// is told, and hands back the server's replies one at a time.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { testConf, TEST_POLICY } from './helpers.js';
import { tempTree } from '../config/fixtures.js';

export class RawSmtp {
  readonly socket: net.Socket;
  /** Settles when the server has closed the connection (or it broke). */
  readonly closed: Promise<void>;
  #buffer = '';
  readonly #replies: string[] = [];
  readonly #waiting: ((reply: string) => void)[] = [];
  #ended = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.#take(d));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => {
      this.#ended = true;
      for (const w of this.#waiting.splice(0)) w('');
    });
    socket.on('error', () => undefined);
  }

  /** Connects (from localAddress when given); resolves once the socket is open. */
  static connect(port: number, localAddress?: string): Promise<RawSmtp> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) }, () => resolve(new RawSmtp(socket)));
      socket.once('error', reject);
    });
  }

  /** The next whole reply ("250-a\r\n250 b" as one string), or '' when the connection closed first. */
  reply(): Promise<string> {
    const r = this.#replies.shift();
    if (r !== undefined) return Promise.resolve(r);
    if (this.#ended) return Promise.resolve('');
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Sends a command line and waits for its reply. */
  async command(line: string): Promise<string> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** The greeting, EHLO, MAIL FROM, RCPT TO and DATA, each checked; the 354. */
  async openTransaction(from = 'alice@example.org', to = 'bob@example.net'): Promise<void> {
    for (const [line, code] of [['', '220'], ['EHLO client.test', '250'], [`MAIL FROM:<${from}>`, '250'], [`RCPT TO:<${to}>`, '250'], ['DATA', '354']] as const) {
      const reply = line === '' ? await this.reply() : await this.command(line);
      if (!reply.startsWith(code)) throw new Error(`expected ${code} to ${line || 'the connection'}, got ${JSON.stringify(reply)}`);
    }
  }

  close(): void {
    this.socket.destroy();
  }

  /** Reads nothing more: what the server sends from now on piles up in the sockets' buffers. */
  stopReading(): void {
    this.socket.pause();
    this.socket.removeAllListeners('data');
  }

  /**
   * Writes chunk again and again, as fast as the connection takes it (waiting
   * only while it is full), until the server closes the connection or ms
   * have passed: whether it closed, after how long, and the bytes that went.
   */
  async flood(chunk: Buffer, ms: number): Promise<{ closed: boolean; took: number; sentBytes: number }> {
    let closed = false;
    void this.closed.then(() => (closed = true));
    const started = Date.now();
    while (!closed && Date.now() - started < ms) {
      if (this.socket.write(chunk)) continue;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((r) => (timer = setTimeout(r, started + ms - Date.now())));
      await Promise.race([new Promise((r) => this.socket.once('drain', r)), this.closed, deadline]);
      clearTimeout(timer);
    }
    return { closed, took: Date.now() - started, sentBytes: this.socket.bytesWritten };
  }

  #take(data: string): void {
    this.#buffer += data;
    let end: number;
    let start = 0;
    // A reply ends with a line "NNN text" (a space after the code); "NNN-" lines continue it.
    const reply = /^\d{3} .*\r\n/gm;
    while ((end = this.#next(reply)) !== -1) {
      const text = this.#buffer.slice(start, end).replace(/\r\n$/, '');
      start = end;
      const w = this.#waiting.shift();
      if (w) w(text);
      else this.#replies.push(text);
    }
    this.#buffer = this.#buffer.slice(start);
  }

  #next(pattern: RegExp): number {
    const m = pattern.exec(this.#buffer);
    return m ? m.index + m[0].length : -1;
  }
}

/** A directory with the test policy and a configuration whose ESMTP_Listener also holds `listenerLines`. */
export function limitsDir(t: TestContext, listenerLines: string, policy = TEST_POLICY): string {
  const conf = testConf().replace('hostname = "mx.test"', `hostname = "mx.test"\n  ${listenerLines.trim().split('\n').join('\n  ')}`);
  return tempTree(t, { 'ecelerity.conf': conf, 'policy.lua': policy });
}

/** A message of `bytes` bytes of 76-column lines, with its headers. */
export function bodyOf(bytes: number, subject = 'test'): string {
  const line = 'x'.repeat(76) + '\r\n';
  return `From: <alice@example.org>\r\nTo: <bob@example.net>\r\nSubject: ${subject}\r\n\r\n` + line.repeat(Math.max(1, Math.ceil(bytes / line.length)));
}

/** The .eml files in a spool. */
export function spooledFiles(spoolDir: string): string[] {
  const dir = path.join(spoolDir, 'new');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
}

/** Resolves after ms. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves once ok() holds, checking every 10 ms; rejects naming what after ms. */
export async function until(ok: () => boolean, what: string, ms = 2000): Promise<void> {
  for (const deadline = Date.now() + ms; !ok(); await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`${what}: still not so after ${ms} ms`);
  }
}
