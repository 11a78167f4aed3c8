// The clients of the serve soak, each one loop of one behaviour against the
// server until told to stop: good senders (one or several messages a
// connection), senders that trip the policy's guard rails, hostile input,
// and slow or silent clients. Every reply to an end of data is recorded, so
// that each 250 can be found in the spool afterwards.

import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { RawSmtp, sleep } from '../../test/server/raw-smtp.js';

export interface Tally {
  /** Queue ids answered 250. */
  accepted: string[];
  /** Replies to end of data and refusals, by code ("250", "451", "552", "421"...). */
  replies: Map<string, number>;
  /** Connections the server cut (timeouts, limits) or that broke. */
  cut: number;
  errors: string[];
}

/** When the soak ends: a flag to poll and a promise to wait on. */
export interface Stop {
  readonly stopped: boolean;
  readonly promise: Promise<void>;
}

export const newTally = (): Tally => ({ accepted: [], replies: new Map(), cut: 0, errors: [] });

function count(t: Tally, reply: string): void {
  const code = reply.slice(0, 3) || 'closed';
  t.replies.set(code, (t.replies.get(code) ?? 0) + 1);
  const id = /^250 .*queued as ([A-Z0-9-]+)/.exec(reply)?.[1];
  if (id) t.accepted.push(id);
}

function message(subject: string, kb: number): string {
  const text = randomBytes(Math.ceil((kb * 1024 * 3) / 4)).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return `From: <soak@example.org>\r\nTo: <bob@example.net>\r\nSubject: ${subject}\r\nX-Key: ${randomBytes(6).toString('hex')}\r\n\r\n${lines.join('\r\n')}\r\n`;
}

/** One connection, `messages` transactions on it; every reply to an end of data tallied. */
async function transactions(port: number, t: Tally, messages: { from: string; subject: string; kb: number }[]): Promise<void> {
  const c = await RawSmtp.connect(port);
  try {
    if (!(await c.reply()).startsWith('220')) return void t.cut++;
    if (!(await c.command('EHLO soak.example')).startsWith('250')) return void t.cut++;
    for (const m of messages) {
      const mail = await c.command(`MAIL FROM:<${m.from}>`);
      if (!mail.startsWith('250')) {
        count(t, mail);
        if (mail.startsWith('421') || mail === '') return;
        continue;
      }
      if (!(await c.command('RCPT TO:<bob@example.net>')).startsWith('250')) return void t.cut++;
      if (!(await c.command('DATA')).startsWith('354')) return void t.cut++;
      count(t, await c.command(message(m.subject, m.kb) + '.'));
    }
    await c.command('QUIT');
  } finally {
    c.close();
  }
}

const SUBJECTS = ['hello', 'hello', 'hello', 'hello', 'hello', 'hello', 'loop', 'memory', 'error'];

/** Good mail, some of it tripping the guard rails (an endless loop, a memory bomb, an error) or refused (reject@). */
export async function goodSender(port: number, t: Tally, stop: Stop): Promise<void> {
  while (!stop.stopped) {
    const n = 1 + Math.floor(Math.random() * 4);
    const batch = Array.from({ length: n }, () => ({
      from: Math.random() < 0.05 ? 'reject@example.org' : 'alice@example.org',
      subject: SUBJECTS[Math.floor(Math.random() * SUBJECTS.length)]!,
      kb: 1 + Math.floor(Math.random() * 64),
    }));
    await transactions(port, t, batch).catch((err: Error) => t.errors.push(`good: ${err.message}`));
  }
}

/** Raw bytes on a fresh connection, then QUIT; the server may answer anything but must not fall. */
async function blurt(port: number, data: Buffer | string, t: Tally): Promise<void> {
  const c = await RawSmtp.connect(port);
  await c.reply();
  // What it says back, raw: a message that got through (a 250 with an id) must be found in the spool too.
  let heard = '';
  c.socket.on('data', (d: string) => (heard += d));
  // Then QUIT, and every reply up to the close: a message accepted after a client hung up would be spooled
  // without the client seeing its 250 (it would send it again, as after any cut transaction).
  c.write(data);
  c.write('\r\nQUIT\r\n');
  await Promise.race([c.closed, sleep(15_000)]);
  for (const m of heard.matchAll(/^250 .*queued as [A-Z0-9-]+/gm)) count(t, m[0]);
  if (c.socket.destroyed) t.cut++;
  c.close();
}

const HOSTILE: ((port: number, t: Tally) => Promise<void>)[] = [
  (p, t) => blurt(p, 'EHLO x\r\n' + 'NOOP\r\n'.repeat(500) + 'RSET\r\nMAIL FROM:<>\r\nRCPT TO:<a@b>\r\nDATA\r\n.\r\n', t),
  (p, t) => blurt(p, Buffer.concat([Buffer.from('EHLO a\0b\r\nMAIL FROM:<a\0@b>\r\n'), randomBytes(2000)]), t),
  (p, t) => blurt(p, 'EHLO ' + 'h'.repeat(20_000) + '\r\n', t),
  (p, t) => blurt(p, 'EHLO bare.lf\nMAIL FROM:<a@b>\nRCPT TO:<c@d>\nDATA\nSubject: x\n\nbody\n.\n', t),
  (p, t) => blurt(p, 'DATA\r\nRCPT TO:<x@y>\r\nMAIL FROM:<x@y>\r\nBDAT 10 LAST\r\n0123456789\r\n', t),
  (p, t) => blurt(p, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', t),
  (p, t) => blurt(p, 'FOO\r\n'.repeat(20), t),
  // Over max_message_size (1 MB here): 552 after the final dot.
  async (p, t) => transactions(p, t, [{ from: 'big@example.org', subject: 'big', kb: 1500 }]),
  // An early talker: before the greeting.
  async (p, t) => {
    const s = net.connect(p, '127.0.0.1');
    s.on('error', () => undefined);
    s.write('EHLO early\r\nMAIL FROM:<a@b>\r\n');
    await sleep(300);
    s.destroy();
    t.cut++;
  },
];

export async function hostileClient(port: number, t: Tally, stop: Stop): Promise<void> {
  while (!stop.stopped) {
    await HOSTILE[Math.floor(Math.random() * HOSTILE.length)]!(port, t).catch((err: Error) => t.errors.push(`hostile: ${err.message}`));
    await sleep(20);
  }
}

/** Slowloris (a byte a second), a silent connection, and one that never reads: each cut by the server's timeouts. */
export async function slowClient(port: number, t: Tally, stop: Stop): Promise<void> {
  for (let kind = 0; !stop.stopped; kind = (kind + 1) % 3) {
    const c = await RawSmtp.connect(port).catch(() => undefined);
    if (!c) continue;
    await c.reply();
    if (kind === 0) {
      for (const ch of 'EHLO slowloris.example\r\nMAIL FROM:<slow@example.org>\r\n') {
        if (c.socket.destroyed || stop.stopped) break;
        c.write(ch);
        await Promise.race([c.closed, sleep(1000)]);
      }
    } else if (kind === 2) {
      c.socket.pause();
      c.socket.removeAllListeners('data');
      const chunk = Buffer.from('HELP\r\n'.repeat(5000));
      while (!c.socket.destroyed && !stop.stopped) if (!c.socket.write(chunk)) await Promise.race([new Promise((r) => c.socket.once('drain', r)), c.closed, stop.promise]);
    }
    await Promise.race([c.closed, stop.promise]);
    if (c.socket.destroyed) t.cut++;
    c.close();
  }
}
