// Drives hostile sessions (sessions.ts) against a running SMTP server over
// raw sockets, several at once, and checks after each what must always
// hold: every reply line is a well-formed SMTP reply, no reply carries
// another session's marker, every "queued as ID" is a complete pair in the
// spool, nothing is half-written, no spooled message mixes two sessions, and a normal client still gets its
// message through between rounds. (A message spooled whose 250 the client
// did not wait for is counted, not an error: the client left.)

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { makeSession, Random, type Session } from './sessions.js';

export interface FuzzOptions {
  port: number;
  spoolDir: string;
  seed: number;
  sessions: number;
  /** Sessions at once. */
  concurrency: number;
  /** Between rounds (one per `concurrency` sessions): a normal client's send, its 250 checked by the caller. */
  normalClient: () => Promise<string>;
  /** Every this many rounds the normal client runs (1: every round). */
  checkEvery?: number;
}

export interface FuzzReport {
  sessions: number;
  bytesSent: number;
  replyCodes: Record<string, number>;
  queued: number;
  /** Spooled, but the session had gone before its 250 arrived. */
  spooledUnanswered: number;
  normalSends: number;
  closedByServer: number;
  /** Sessions whose replies echoed their own marker: the leak check has something to see. */
  echoedOwnMarker: number;
  ms: number;
}

const REPLY_LINE = /^[2-5]\d\d(?:[ -].*)?$/s;
const MARKER = /fz[0-9a-z]{10}/g;
const SESSION_DEADLINE_MS = 10_000;
// How long a step waits for its reply, and the silence that ends a session: a
// slow reply then only makes the session shallower, never a failure.
const REPLY_WAIT_MS = 400;

interface Outcome {
  received: string;
  closedByServer: boolean;
  bytesSent: number;
}

/** Plays one session's steps; resolves with everything the server said. */
function play(port: number, session: Session): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = '';
    let closedByServer = false;
    let bytesSent = 0;
    let replies = 0; // complete final reply lines seen
    let waiter: (() => void) | null = null;
    const finish = () => {
      clearTimeout(deadline);
      socket.destroy();
      resolve({ received, closedByServer, bytesSent });
    };
    const deadline = setTimeout(finish, SESSION_DEADLINE_MS);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      replies = received.split('\r\n').filter((l) => /^\d{3} /.test(l)).length;
      waiter?.();
    });
    socket.on('error', () => undefined); // a reset is the server's right
    socket.on('close', () => {
      closedByServer = true;
      waiter?.();
      finish();
    });
    // Waits until the server has sent more than `seen` final reply lines, or closed, or a while passed.
    const nextReply = (seen: number) =>
      new Promise<void>((ok) => {
        if (replies > seen || socket.destroyed) return ok();
        const t = setTimeout(() => ((waiter = null), ok()), REPLY_WAIT_MS);
        waiter = () => {
          if (replies > seen || socket.destroyed) {
            clearTimeout(t);
            waiter = null;
            ok();
          }
        };
      });
    // Resolves once the server has said nothing for REPLY_WAIT_MS (or closed).
    const quiet = async () => {
      for (let last = -1; last !== received.length && !socket.destroyed; ) {
        last = received.length;
        await new Promise((ok) => setTimeout(ok, REPLY_WAIT_MS));
      }
    };
    (async () => {
      if (!session.early) await nextReply(0); // the greeting
      for (const [i, step] of session.steps.entries()) {
        if (i === session.vanishAt) return finish(); // gone without a word
        if (socket.destroyed) break;
        const seen = replies;
        bytesSent += step.data.length;
        socket.write(step.data);
        if (step.wait) await nextReply(seen);
      }
      await quiet(); // what the last steps still get
      socket.end();
    })().catch(finish);
  });
}

/** Problems with one session's replies: malformed lines, and other sessions' markers. */
export function replyProblems(session: Session, received: string): string[] {
  const problems: string[] = [];
  const lines = received.split('\r\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) if (!REPLY_LINE.test(line)) problems.push(`malformed reply line ${JSON.stringify(line.slice(0, 120))}`);
  for (const m of received.match(MARKER) ?? []) if (m !== session.marker) problems.push(`reply holds another session's marker ${m}`);
  return problems;
}

/** The spool's new/: IDs with both halves, and any half alone. */
function spoolPairs(spoolDir: string): { complete: Set<string>; lone: string[] } {
  const dir = path.join(spoolDir, 'new');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  const emls = new Set(files.filter((f) => f.endsWith('.eml')).map((f) => f.slice(0, -4)));
  const jsons = new Set(files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)));
  const complete = new Set([...emls].filter((id) => jsons.has(id)));
  const lone = [...emls, ...jsons].filter((id) => !complete.has(id));
  return { complete, lone };
}

export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const r = new Random(o.seed);
  const before = spoolPairs(o.spoolDir).complete;
  const queued = new Set<string>();
  const report: FuzzReport = { sessions: 0, bytesSent: 0, replyCodes: {}, queued: 0, spooledUnanswered: 0, normalSends: 0, closedByServer: 0, echoedOwnMarker: 0, ms: 0 };
  const fail = (session: Session, index: number, why: string[]) => {
    const steps = session.steps.map((s) => JSON.stringify(s.data.toString('latin1').slice(0, 200)) + (s.wait ? ' (wait)' : ''));
    if (session.early) steps.unshift('(before the greeting)');
    if (session.vanishAt >= 0) steps.splice(session.vanishAt + (session.early ? 1 : 0), 0, '(vanishes here)');
    throw new Error(`seed ${o.seed}, session ${index}: ${why.join('; ')}\nsteps:\n  ${steps.join('\n  ')}`);
  };
  let round = 0;
  for (let start = 0; start < o.sessions; start += o.concurrency) {
    const batch: [number, Session][] = [];
    for (let i = start; i < Math.min(o.sessions, start + o.concurrency); i++) batch.push([i, makeSession(r, i)]);
    const outcomes = await Promise.all(batch.map(([, s]) => play(o.port, s)));
    batch.forEach(([index, session], k) => {
      const out = outcomes[k]!;
      const problems = replyProblems(session, out.received);
      if (problems.length > 0) fail(session, index, problems);
      for (const line of out.received.split('\r\n')) if (/^\d{3} /.test(line)) report.replyCodes[line.slice(0, 3)] = (report.replyCodes[line.slice(0, 3)] ?? 0) + 1;
      for (const m of out.received.matchAll(/queued as ([A-Z0-9-]+)/g)) queued.add(m[1]!);
      report.sessions++;
      report.bytesSent += out.bytesSent;
      if (out.closedByServer) report.closedByServer++;
      if (out.received.includes(session.marker)) report.echoedOwnMarker++;
    });
    if (++round % (o.checkEvery ?? 1) === 0) {
      queued.add(await o.normalClient());
      report.normalSends++;
    }
  }
  // Spooling ends before the 250: by now every queued message is a complete pair.
  const { complete, lone } = spoolPairs(o.spoolDir);
  const added = [...complete].filter((id) => !before.has(id));
  const missing = [...queued].filter((id) => !complete.has(id));
  const unanswered = added.filter((id) => !queued.has(id));
  if (missing.length > 0 || lone.length > 0) {
    throw new Error(`seed ${o.seed}: spool disagrees with the 250s: answered but not spooled ${missing.join(',') || '-'}; half-written ${lone.join(',') || '-'}`);
  }
  // A spooled message holds one session's data at most (no mixing of sessions' bytes).
  for (const id of added) {
    const markers = new Set(fs.readFileSync(path.join(o.spoolDir, 'new', `${id}.eml`), 'latin1').match(MARKER) ?? []);
    if (markers.size > 1) throw new Error(`seed ${o.seed}: spooled message ${id} mixes sessions ${[...markers].join(', ')}`);
  }
  report.queued = queued.size;
  report.spooledUnanswered = unanswered.length;
  report.ms = Date.now() - started;
  return report;
}
