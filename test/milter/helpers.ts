// Shared by the milter tests: a policy that acts at every phase on cue, a
// configuration around it, `scriptlet milter` started in-process on a free
// loopback port, an SMTP sink that records what Postfix delivers, and swaks
// (a real SMTP client) with its transcript read back.

import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { milter, type RunningMilter } from '../../src/milter/milter.js';
import { tempTree } from '../config/fixtures.js';
import { TEST_POLICY, testConf } from '../server/helpers.js';

/** Replaces one piece of a policy's source, which must be there. */
function edit(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`the policy has no ${JSON.stringify(from)}`);
  return source.replace(from, to);
}

/**
 * serve's test policy (ehlo bad.example, MAIL FROM reject@ soft@ bye@,
 * RCPT TO nobody@, X-Reject-At, Subject boom, X-Policy with the connection
 * context), and for the milter: a refusal at connect on the smtpd port
 * REJECT_PORT (the {daemon_port} macro), MAIL FROM slow@ sleeps 6 s first,
 * X-Discard discards, X-Quarantine holds, X-Chgfrom changes the sender,
 * X-Edit edits headers, each carol@ recipient becomes dave@, and X-Macros
 * shows what the macros gave the contexts.
 */
export const MILTER_POLICY = [
  [
    'function mod:validate_connect(accept, vctx)\n',
    `function mod:validate_connect(accept, vctx)
  if tostring(vctx:get(core.VCTX_CONN, "milter.daemon_port")) == "REJECT_PORT" then
    vctx:set_code(554, "5.7.1 no service for " .. tostring(accept.remote_addr))
    return core.VALIDATE_DONE
  end
`,
  ],
  ['function mod:validate_mailfrom(str, accept, vctx)\n', 'function mod:validate_mailfrom(str, accept, vctx)\n  if string.find(str, "slow@", 1, true) then msys.sleep(6) end\n'],
  [
    '  vctx:set(core.VCTX_MESS, "seen", "data")\n',
    `  vctx:set(core.VCTX_MESS, "seen", "data")
  if msg:header("X-Discard")[1] then msg:discard() return core.VALIDATE_DONE end
  if msg:header("X-Quarantine")[1] then msg:context_set(core.ECMESS_CTX_MESS, "milter_quarantine", "held by policy") end
  if msg:header("X-Chgfrom")[1] then msg:mailfrom("bounces@example.org") end
  if msg:header("X-Edit")[1] then
    msg:header("X-Added", "appended")
    msg:header("X-Top", "prepended", "prepend")
    msg:header("X-Change", "changed", "replace")
    msg:header("X-Remove", "")
  end
  msg:header("X-Macros", "j=" .. tostring(vctx:get(core.VCTX_CONN, "milter.j")) .. " from=" .. tostring(vctx:get(core.VCTX_MESS, "mailfrom_domain")))
`,
  ],
  [
    'if refuse_at("data_spool_each_rcpt", msg, vctx) then return core.VALIDATE_DONE end\n',
    'if refuse_at("data_spool_each_rcpt", msg, vctx) then return core.VALIDATE_DONE end\n  if msg:rcptto() == "carol@example.net" then msg:rcptto("dave@example.net") end\n',
  ],
  [
    'msys.registerModule("policy", mod)\n',
    `function mod:core_final_validation(msg, accept, vctx)
  if msg:header("X-Reject-At")[1] == "core_final_validation" then
    vctx:set_code(554, msys.expandMacro("5.7.1 refused at final validation by %{vctx_conn:milter.j} for %{vctx_mess:mailfrom_domain} from [%{i}] queue %{vctx_mess:queue_id}"))
    return core.VALIDATE_DONE
  end
  return core.VALIDATE_CONT
end
msys.registerModule("policy", mod)
`,
  ],
].reduce((source, [from, to]) => edit(source, from!, to!), TEST_POLICY);

/** serve's test configuration, with a Milter_Listener for its ESMTP_Listener. */
export function milterConf(extra = ''): string {
  return testConf(extra).replace(/ESMTP_Listener \{\n(?: {2}.*\n)*\}\n/, 'Milter_Listener {\n  Listen "inet:127.0.0.1:0" { }\n  max_message_size = 64K\n}\n');
}

export function milterDir(t: TestContext, policy = MILTER_POLICY, extra = ''): string {
  return tempTree(t, { 'ecelerity.conf': milterConf(extra), 'policy.lua': policy });
}

export interface TestMilter {
  milter: RunningMilter;
  port: number;
  dir: string;
  logs: string[];
}

export async function startMilter(t: TestContext, dir: string, drainDeadlineMs = 2000): Promise<TestMilter> {
  const logs: string[] = [];
  const m = await milter({ conf: path.join(dir, 'ecelerity.conf'), controlSocket: path.join(dir, 'control.sock'), log: (l) => logs.push(l), drainDeadlineMs });
  t.after(() => m.shutdown());
  const a = m.addresses[0]!;
  if (a.kind !== 'inet') throw new Error('expected a TCP milter address');
  return { milter: m, port: a.port, dir, logs };
}

export interface Delivered {
  mailfrom: string;
  rcptto: string[];
  message: string;
}

/** An SMTP server on loopback that keeps what it is sent. */
export async function startSink(t: TestContext): Promise<{ port: number; delivered: Delivered[]; waitFor: (n: number, ms?: number) => Promise<Delivered[]> }> {
  const delivered: Delivered[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        delivered.push({ mailfrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcptto: session.envelope.rcptTo.map((r) => r.address), message: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.server.address() as { port: number }).port;
  const waitFor = async (n: number, ms = 15_000) => {
    const until = Date.now() + ms;
    while (delivered.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    return delivered;
  };
  return { port, delivered, waitFor };
}

export type Sink = Awaited<ReturnType<typeof startSink>>;

/** The message the sink got whose Subject is subject (waits for it); what the MTA shows goes into the error when none comes. */
export async function delivered(sink: Sink, subject: string, mtaState: () => string): Promise<Delivered> {
  const until = Date.now() + 15_000;
  for (;;) {
    const found = sink.delivered.find((d) => d.message.includes(`\r\nSubject: ${subject}\r\n`) || d.message.startsWith(`Subject: ${subject}\r\n`));
    if (found) return found;
    if (Date.now() > until) throw new Error(`no delivered message with Subject ${subject}; ${mtaState()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Nothing with that Subject reached the sink (after waiting ms for a delivery that should not come). */
export async function notDelivered(sink: Sink, subject: string, ms = 500): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  assert.equal(sink.delivered.filter((d) => d.message.includes(`Subject: ${subject}`)).length, 0);
}

/** A delivered message's header block, its last CRLF kept. */
export const headerBlock = (d: Delivered) => d.message.slice(0, d.message.indexOf('\r\n\r\n') + 2);

/** A raw SMTP session: the server's lines until it closes (or 10 s); each command after the previous reply. */
export function rawSession(port: number, commands: string[]): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let next = 0;
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (/(^|\r\n)\d{3} [^\r\n]*\r\n$/.test(text) && next < commands.length) socket.write(`${commands[next++]}\r\n`);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text.split('\r\n').filter((l) => l !== ''));
    });
    socket.on('error', () => undefined);
  });
}

export interface SwaksResult {
  /** The server's replies, in order ("250 2.1.0 Ok", ...). */
  replies: string[];
  /** The last reply: the verdict the client saw. */
  last: string;
  transcript: string;
}

export interface SwaksMail {
  from: string;
  to: string[];
  helo?: string;
  headers?: Record<string, string>;
  /** Headers added as they are, repeated names kept (swaks --add-header). */
  added?: [string, string][];
  subject?: string;
  body?: string;
}

/** One message through swaks; the replies it got, whatever the exit status. */
export function swaks(port: number, m: SwaksMail, timeoutSeconds = 20): Promise<SwaksResult> {
  const args = ['--server', `127.0.0.1:${port}`, '--from', m.from, '--to', m.to.join(','), '--helo', m.helo ?? 'client.test', '--timeout', String(timeoutSeconds), '--header', `Subject: ${m.subject ?? 'test'}`];
  for (const [k, v] of Object.entries(m.headers ?? {})) args.push('--header', `${k}: ${v}`);
  for (const [k, v] of m.added ?? []) args.push('--add-header', `${k}: ${v}`);
  if (m.body !== undefined) args.push('--body', m.body);
  return new Promise((resolve) => {
    execFile('swaks', args, { timeout: (timeoutSeconds + 10) * 1000 }, (_err, stdout, stderr) => {
      const transcript = `${stdout}${stderr}`;
      const replies = transcript
        .split('\n')
        .filter((l) => /^<[-*~]+ +\d{3}[ -]/.test(l))
        .map((l) => l.replace(/^<[-*~]+ +/, ''));
      resolve({ replies, last: replies.filter((r) => !r.startsWith('221')).at(-1) ?? '', transcript });
    });
  });
}

export function swaksMissing(): string | undefined {
  return fs.existsSync('/usr/bin/swaks') ? undefined : 'swaks is not installed (Debian package swaks; scripts/install-test-tools.sh installs it)';
}
