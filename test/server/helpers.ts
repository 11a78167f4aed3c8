// Shared by the server tests: a policy that refuses at every phase on cue, a
// configuration around it, `scriptlet serve` started in-process on a free
// loopback port, and a real SMTP client (nodemailer) that reports the reply.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import nodemailer from 'nodemailer';
import { serve, type RunningServer } from '../../src/server/serve.js';
import { tempTree } from '../config/fixtures.js';

/**
 * Refuses: connect when the conn context says so (never, here); ehlo named
 * bad.example; MAIL FROM reject@ (550) or soft@ (451); RCPT TO nobody@; a
 * message whose X-Reject-At header names the phase; errors on Subject boom.
 * Otherwise adds X-Policy (with what the connection context kept since
 * connect and ehlo) and X-Spool (what data left in the message context).
 */
export const TEST_POLICY = `
local core = require("msys.core")
local mod = {}

function mod:validate_connect(accept, vctx)
  vctx:set(core.VCTX_CONN, "client", tostring(accept.remote_addr))
  return core.VALIDATE_CONT
end

function mod:validate_ehlo(str, accept, vctx)
  if str == "bad.example" then vctx:set_code(550, "5.7.1 bad helo " .. str) return core.VALIDATE_DONE end
  vctx:set(core.VCTX_CONN, "helo", str)
  return core.VALIDATE_CONT
end

function mod:validate_mailfrom(str, accept, vctx)
  if string.find(str, "reject@", 1, true) then vctx:set_code(550, "5.7.1 sender refused") return core.VALIDATE_DONE end
  if string.find(str, "soft@", 1, true) then vctx:set_code(451, "4.7.1 sender later") return core.VALIDATE_DONE end
  if string.find(str, "bye@", 1, true) then vctx:disconnect(554, "5.7.0 go away") return core.VALIDATE_DONE end
  return core.VALIDATE_CONT
end

function mod:validate_rcptto(msg, str, accept, vctx)
  if string.find(str, "nobody@", 1, true) then vctx:set_code(550, "5.1.1 no such user") return core.VALIDATE_DONE end
  return core.VALIDATE_CONT
end

local function refuse_at(phase, msg, vctx)
  if msg:header("X-Reject-At")[1] == phase then
    if vctx then vctx:set_code(554, "5.7.1 refused at " .. phase) else msg:code(554, "5.7.1 refused at " .. phase) end
    return true
  end
  return false
end

function mod:validate_data(msg, accept, vctx)
  if refuse_at("data", msg, vctx) then return core.VALIDATE_DONE end
  if msg:header("Subject")[1] == "boom" then error("boom at data") end
  msg:header("X-Policy", "checked " .. tostring(vctx:get(core.VCTX_CONN, "client")) .. " " .. tostring(vctx:get(core.VCTX_CONN, "helo")))
  vctx:set(core.VCTX_MESS, "seen", "data")
  return core.VALIDATE_CONT
end

function mod:validate_data_spool(msg, accept, vctx)
  if refuse_at("data_spool", msg, vctx) then return core.VALIDATE_DONE end
  msg:header("X-Spool", tostring(vctx:get(core.VCTX_MESS, "seen")))
  return core.VALIDATE_CONT
end

function mod:validate_data_spool_each_rcpt(msg, accept, vctx)
  if refuse_at("data_spool_each_rcpt", msg, vctx) then return core.VALIDATE_DONE end
  return core.VALIDATE_CONT
end

function mod:validate_set_binding(msg)
  if refuse_at("set_binding", msg) then return core.VALIDATE_DONE end
  return core.VALIDATE_CONT
end

msys.registerModule("policy", mod)
`;

export function testConf(extra = ''): string {
  return `alerting { }
ESMTP_Listener {
  Listen "127.0.0.1:0" { }
  spool_dir = "spool"
  hostname = "mx.test"
}
scriptlet "scriptlet" {
  threads = 2
  on_error = tempfail
  ${extra}
  script "boot" { source = "msys.boot" }
  script "policy" { source = "policy" }
}
`;
}

/** A directory holding ecelerity.conf and policy.lua. */
export function policyDir(t: TestContext, policy = TEST_POLICY, extra = ''): string {
  return tempTree(t, { 'ecelerity.conf': testConf(extra), 'policy.lua': policy });
}

export interface TestServer {
  server: RunningServer;
  port: number;
  dir: string;
  logs: string[];
}

/** `scriptlet serve` in-process, stopped when the test ends. */
export async function startServer(t: TestContext, dir = policyDir(t)): Promise<TestServer> {
  const logs: string[] = [];
  const server = await serve({ conf: path.join(dir, 'ecelerity.conf'), log: (l) => logs.push(l), drainDeadlineMs: 2000 });
  t.after(() => server.shutdown());
  return { server, port: server.addresses[0]!.port, dir, logs };
}

export interface Reply {
  code: number;
  response: string;
  /** The SMTP command answered (nodemailer's name for it), on a refusal. */
  command?: string;
}

export interface Mail {
  from: string;
  to: string[];
  headers?: Record<string, string>;
  subject?: string;
  helo?: string;
}

export function rawMessage(m: Mail, body = 'Hello.\r\n'): Buffer {
  const lines = [`From: <${m.from}>`, `To: ${m.to.map((r) => `<${r}>`).join(', ')}`, `Subject: ${m.subject ?? 'test'}`];
  for (const [k, v] of Object.entries(m.headers ?? {})) lines.push(`${k}: ${v}`);
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body);
}

/** Sends one message over a fresh connection; the final reply, or the refusal. */
export async function send(port: number, m: Mail): Promise<Reply> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: m.helo ?? 'client.test', connectionTimeout: 10_000 });
  try {
    const info = await transport.sendMail({ envelope: { from: m.from, to: m.to }, raw: rawMessage(m) });
    return { code: Number(info.response.slice(0, 3)), response: info.response };
  } catch (err) {
    const e = err as { responseCode?: number; response?: string; command?: string; message: string };
    return { code: e.responseCode ?? 0, response: e.response ?? e.message, ...(e.command ? { command: e.command } : {}) };
  } finally {
    transport.close();
  }
}

/** The queue id in "250 2.0.0 OK queued as ID". */
export function queueId(reply: Reply): string | undefined {
  return /queued as ([A-Z0-9-]+)/.exec(reply.response)?.[1];
}

/** Names of the spooled messages (ID.eml) in a spool directory. */
export function spooled(spoolDir: string): string[] {
  const dir = path.join(spoolDir, 'new');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
}
