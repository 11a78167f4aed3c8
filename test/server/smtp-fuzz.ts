// A fuzzer for `scriptlet serve`'s SMTP side: hostile sessions (malformed,
// over-long, pipelined, NUL-laden, bare-LF/CR, out-of-order commands and
// DATA, random bytes, cut connections), several at once, then a normal
// client that must still get its message accepted and spooled whole.
// Every session writes its own token (in HELO, addresses and the body), so
// a reply or a spooled message carrying another session's token is a leak.
// Seeded: a failure prints the seed and the iteration that reproduce it.
//
// Used by `npm run fuzz:smtp` (test/server/smtp-fuzz-main.ts, a real serve process)
// and by smtp-fuzz.test.ts (a short run).

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface FuzzOptions {
  port: number;
  /** The spool's directory, to check what the normal client's message became. */
  spoolDir: string;
  iterations: number;
  seed: number;
  /** Hostile sessions run at once (default 4). */
  concurrency?: number;
  /** The server's max_message_size, to send messages past it. */
  maxMessageSize: number;
  log?: (line: string) => void;
  /** False while the server process is gone (a crash is a failure). */
  alive?: () => boolean;
}

export interface FuzzReport {
  iterations: number;
  sessions: number;
  replies: number;
  normalMessages: number;
  failures: string[];
}

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKEN = /FZ[0-9a-z]+Q/g;

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/** A hostile session's bytes: a list of writes (a write may hold many pipelined commands). */
function hostileSession(r: Rand, token: string, maxSize: number): Buffer[] {
  const eols = ['\r\n', '\n', '\r', '\r\r\n', '\n\r'];
  const eol = (): string => (r() < 0.7 ? '\r\n' : pick(r, eols));
  const addr = (): string =>
    pick(r, [`<${token}@example.org>`, `${token}@example.org`, `<${token}@@example.org>`, `<${'a'.repeat(int(r, 1, 3000))}${token}@x.org>`, `<"${token} q"@example.org>`, `<${token}\u00e9@exämple.org>`, `<<${token}>>`, '<>', `<${token}@[127.0.0.1]>`, `<@relay.example:${token}@example.org>`, `:${token}`]);
  const params = (): string => pick(r, ['', ' SIZE=100', ` SIZE=${maxSize * 4}`, ' BODY=8BITMIME', ' SMTPUTF8', ' SIZE=abc', ' FOO=bar', ` RET=FULL ENVID=${token}`, ' SIZE=' + '9'.repeat(40)]);
  const body = (): string => {
    const parts = [`Subject: ${token}`, `X-Token: ${token}`, '', `body of ${token}`];
    const extra = pick(r, ['', '.', '..', '.\r\n.', 'line\0with NUL', 'x'.repeat(int(r, 900, 5000)), '\r\n.\r', '.\n', 'bare\nlf', 'A'.repeat(int(r, 1, 200)) + '\r\n.']);
    return parts.join(eol()) + eol() + extra + eol();
  };
  const commands: string[] = [];
  const n = int(r, 1, 12);
  for (let i = 0; i < n; i++) {
    commands.push(
      pick(r, [
        `EHLO ${token}.example`,
        `HELO ${token}.example`,
        `EHLO ${token}\0.example`,
        `EHLO`,
        `EHLO ${token} extra args`,
        `MAIL FROM:${addr()}${params()}`,
        `MAIL FROM: ${addr()}`,
        `RCPT TO:${addr()}${params()}`,
        `RCPT TO:<nobody@example.net>`,
        `RCPT TO:<bob@example.net>`,
        'DATA',
        'BDAT 10 LAST',
        'RSET',
        'NOOP ' + token,
        'VRFY ' + token,
        'EXPN ' + token,
        'HELP',
        'STARTTLS',
        'AUTH PLAIN ' + Buffer.from(`\0${token}\0pw`).toString('base64'),
        'AUTH LOGIN',
        'XCLIENT ADDR=10.0.0.1',
        'mail from:' + addr(),
        `${token}`.repeat(int(r, 1, 4000)),
        'MAIL FROM:<' + token + '@x>' + ' '.repeat(int(r, 100, 3000)),
        String.fromCharCode(...Array.from({ length: int(r, 1, 64) }, () => int(r, 0, 255))),
        '\0\0\0' + token,
        'QUIT',
      ]),
    );
  }
  // Often a whole transaction, pipelined or not, with a body that may be hostile, truncated or too big.
  if (r() < 0.6) {
    const big = r() < 0.1;
    const data = big ? `Subject: ${token}\r\n\r\n` + `${token} `.repeat(Math.ceil((maxSize * 1.5) / (token.length + 1))) + '\r\n.\r\n' : body() + pick(r, ['.\r\n', '.\n', '\r\n.\r\n', '', '.\r\nQUIT\r\n']);
    commands.push(`EHLO ${token}.example`, `MAIL FROM:<${token}@example.org>`, `RCPT TO:<bob@example.net>`, 'DATA', data);
  }
  const text = commands.map((c) => c + eol()).join('');
  const bytes = Buffer.from(text, 'latin1');
  // Writes: all at once (pipelined), line by line, or cut in random chunks.
  const mode = r();
  if (mode < 0.4) return [bytes];
  const writes: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = mode < 0.7 ? int(r, 1, 64) : int(r, 64, 8192);
    writes.push(bytes.subarray(at, at + size));
    at += size;
  }
  return writes;
}

interface SessionResult {
  replies: string;
  error?: string;
}

/** Plays the writes (a tick apart, sometimes cut off early) and collects what the server answered until it closes or goes quiet. */
function playSession(port: number, writes: Buffer[], r: Rand): Promise<SessionResult> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(quiet);
      socket.destroy();
      resolve({ replies: Buffer.concat(chunks).toString('latin1'), ...(error ? { error } : {}) });
    };
    let quiet = setTimeout(() => finish(), 3000);
    socket.on('data', (d) => {
      chunks.push(d);
      clearTimeout(quiet);
      quiet = setTimeout(() => finish(), 600);
    });
    socket.on('error', (e) => finish((e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as NodeJS.ErrnoException).code === 'EPIPE' ? undefined : e.message));
    socket.on('close', () => finish());
    const cutAt = r() < 0.15 ? int(r, 0, writes.length) : writes.length;
    let i = 0;
    const next = (): void => {
      if (done) return;
      if (i >= cutAt) {
        if (cutAt < writes.length) socket.destroy(); // the client vanishes mid-session
        return;
      }
      socket.write(writes[i++]!, () => setTimeout(next, r() < 0.2 ? int(r, 1, 30) : 0));
    };
    // Mostly after the greeting: smtp-server answers a client that talks first 421 "You talk too soon" (tried too, now and then).
    if (r() < 0.05) socket.once('connect', next);
    else socket.once('data', next);
  });
}

/** Checks a session's replies: SMTP reply lines only, and no other session's token. */
function checkReplies(replies: string, own: string): string | undefined {
  const lines = replies.split('\r\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    if (!/^[2-5]\d\d[ -]/.test(line) && line !== '') return `not an SMTP reply line: ${JSON.stringify(line.slice(0, 120))}`;
  }
  for (const m of replies.matchAll(TOKEN)) if (m[0] !== own) return `reply carries another session's token ${m[0]} (own ${own})`;
  return undefined;
}

/** A well-behaved client, one line at a time: its message must be answered 250 and spooled whole, with nothing of the others. */
async function normalClient(port: number, spoolDir: string, token: string): Promise<string | undefined> {
  const body = `From: <good@example.org>\r\nTo: <bob@example.net>\r\nSubject: ${token}\r\n\r\nbody ${token}\r\n`;
  const steps = ['EHLO good.example', `MAIL FROM:<${token}@example.org>`, 'RCPT TO:<bob@example.net>', 'DATA', body + '.', 'QUIT'];
  const expect = [220, 250, 250, 250, 354, 250, 221];
  const replies: string[] = [];
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = '';
    let step = 0;
    socket.setTimeout(15_000, () => socket.destroy());
    socket.on('data', (d) => {
      buffer += d.toString('latin1');
      let end: number;
      // One whole reply: up to a line "ddd text".
      while ((end = buffer.search(/^\d{3} [^\r\n]*\r\n/m)) !== -1) {
        const stop = buffer.indexOf('\r\n', end) + 2;
        replies.push(buffer.slice(0, stop));
        buffer = buffer.slice(stop);
        if (step < steps.length) socket.write(steps[step++] + '\r\n');
      }
    });
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
  });
  const codes = replies.map((r) => Number(/^(\d{3}) [^\r\n]*\r\n$/m.exec(r)?.[1]));
  if (codes.join(',') !== expect.join(',')) return `normal client: replies ${JSON.stringify(replies.map((r) => r.trim()))}, expected codes ${expect.join(',')}`;
  for (const reply of replies) for (const m of reply.matchAll(TOKEN)) if (m[0] !== token) return `normal client: a reply carries ${m[0]}`;
  const id = /queued as ([A-Z0-9-]+)/.exec(replies[5]!)?.[1];
  const file = id ? path.join(spoolDir, 'new', `${id}.eml`) : '';
  if (!id || !fs.existsSync(file)) return `normal client: message ${id} not in the spool`;
  const spooled = fs.readFileSync(file, 'latin1');
  if (!spooled.endsWith(`body ${token}\r\n`)) return `normal client: spooled message ${id} is not whole`;
  for (const m of spooled.matchAll(TOKEN)) if (m[0] !== token) return `normal client: spooled message ${id} carries ${m[0]}`;
  return undefined;
}

export async function runSmtpFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { iterations: 0, sessions: 0, replies: 0, normalMessages: 0, failures: [] };
  const concurrency = o.concurrency ?? 4;
  for (let iteration = 0; iteration < o.iterations; iteration++) {
    const r = prng(o.seed * 1_000_003 + iteration);
    const sessions = Array.from({ length: concurrency }, (_, k) => {
      const token = `FZ${iteration.toString(36)}z${k}z${Math.floor(r() * 36 ** 4).toString(36)}Q`;
      return { token, writes: hostileSession(r, token, o.maxMessageSize) };
    });
    const results = await Promise.all(sessions.map((s) => playSession(o.port, s.writes, r)));
    results.forEach((res, k) => {
      report.sessions++;
      report.replies += (res.replies.match(/^\d{3} /gm) ?? []).length;
      const bad = res.error ?? checkReplies(res.replies, sessions[k]!.token);
      if (bad) report.failures.push(`seed ${o.seed} iteration ${iteration} session ${k}: ${bad}`);
    });
    if (o.alive && !o.alive()) {
      report.failures.push(`seed ${o.seed} iteration ${iteration}: the server process is gone`);
      break;
    }
    const bad = await normalClient(o.port, o.spoolDir, `FZ${iteration.toString(36)}zgoodQ`);
    if (bad) report.failures.push(`seed ${o.seed} iteration ${iteration}: ${bad}`);
    else report.normalMessages++;
    report.iterations++;
    if (report.failures.length >= 5) break;
    if (o.log && (iteration + 1) % 50 === 0) o.log(`${iteration + 1} iterations, ${report.sessions} hostile sessions, ${report.failures.length} failures`);
  }
  report.failures.push(...checkSpool(o.spoolDir));
  return report;
}

/** Every spooled message carries one session's token at most (a fuzz message accepted whole is fine). */
function checkSpool(spoolDir: string): string[] {
  const dir = path.join(spoolDir, 'new');
  const out: string[] = [];
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (!f.endsWith('.eml')) continue;
    const tokens = new Set([...fs.readFileSync(path.join(dir, f), 'latin1').matchAll(TOKEN)].map((m) => m[0]));
    if (tokens.size > 1) out.push(`spooled ${f} mixes sessions: ${[...tokens].join(', ')}`);
  }
  return out;
}
