// SIGKILL of `scriptlet serve` (a real process) at random moments while
// several SMTP clients (nodemailer) send distinct messages, then a restart on
// the same spool, three times. Every message answered 250 must be in the
// spool once and whole (its body's hash, its envelope); nothing half-written
// may be visible as spooled; what a kill left under tmp/ (or a lone envelope
// in new/) is gone once the restarted server listens. A message the kill cut
// before its 250 may be spooled or not, but whole if it is.

import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import nodemailer from 'nodemailer';
import { startScriptlet, type Started } from '../helpers/scriptlet-process.js';
import { Spool } from '../../src/server/spool.js';
import { tempTree } from '../config/fixtures.js';
import { policyDir } from './helpers.js';

const KILLS = 3;
const WORKERS = 6;
/** Load before each kill: a random time in this range (ms). */
const KILL_AFTER_MS: [number, number] = [1500, 3500];
/** Load on the last restart before the clients stop. */
const FINAL_LOAD_MS = 1000;

interface Sent {
  key: string;
  from: string;
  to: string[];
  bodyHash: string;
  /** The queue id of the 250; absent when no 250 came. */
  id?: string;
  /** The reply or the error, when no 250 came. */
  failure?: string;
  /** Whether the connection was taken (a refused connection cut nothing). */
  connected: boolean;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A body that carries its key, random text of 1 to 300 KB in 76-column lines (so a kill can land mid-write). */
function makeBody(key: string): string {
  const text = randomBytes(1024 + Math.floor(Math.random() * 300 * 1024)).toString('base64');
  const lines = [`message ${key}`];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join('\r\n') + '\r\n';
}

function rawMail(m: Sent, body: string): string {
  return [`From: <${m.from}>`, `To: ${m.to.map((r) => `<${r}>`).join(', ')}`, `Subject: ${m.key}`, `X-Key: ${m.key}`, `X-Body-Sha256: ${m.bodyHash}`, '', body].join('\r\n');
}

function startServe(t: TestContext, conf: string): Started {
  return startScriptlet(t, ['serve', conf, '--listen', '127.0.0.1:0', '--drain-deadline', '1']);
}

async function listeningPort(s: Started): Promise<number> {
  return Number((await s.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
}

/** An id prefix as the spool makes it (start time, pid, random), for files planted as if a writer had left them. */
function prefixOf(pid: number): string {
  return `${Date.now().toString(36).padStart(9, '0')}${pid.toString(36)}abcdef`.toUpperCase();
}

/** Plants what a kill in the middle of a write leaves: a pair under tmp/ (the message cut short) and a lone envelope in new/. */
function plant(spoolDir: string, prefix: string): string[] {
  const files = [`tmp/${prefix}-ZZZZ01.json`, `tmp/${prefix}-ZZZZ01.eml`, `new/${prefix}-ZZZZ02.json`];
  fs.writeFileSync(path.join(spoolDir, files[0]!), '{"id":');
  fs.writeFileSync(path.join(spoolDir, files[1]!), 'From: <cut@example.org>\r\nSubj');
  fs.writeFileSync(path.join(spoolDir, files[2]!), JSON.stringify({ id: `${prefix}-ZZZZ02`, mailfrom: 'cut@example.org', rcptto: ['x@example.net'] }) + '\n');
  return files;
}

/** What a kill can leave: files under tmp/, and in new/ one half of a pair. */
function leftovers(spoolDir: string): { tmp: string[]; lone: string[] } {
  const tmp = fs.readdirSync(path.join(spoolDir, 'tmp'));
  const names = new Set(fs.readdirSync(path.join(spoolDir, 'new')));
  const lone = [...names].filter((n) => {
    const m = /^(.*)\.(eml|json)$/.exec(n);
    return !m || !names.has(`${m[1]}.${m[2] === 'eml' ? 'json' : 'eml'}`);
  });
  return { tmp, lone };
}

describe('scriptlet serve killed with SIGKILL under load', () => {
  it('keeps every message answered 250, once and whole, and recovers what the kills left at restart', { timeout: 60_000 }, async (t) => {
    const dir = policyDir(t);
    const conf = path.join(dir, 'ecelerity.conf');
    const spoolDir = path.join(dir, 'spool');
    let serve = startServe(t, conf);
    // The clients send to the current server; while it is down they wait for the next one.
    let port: Promise<number> = listeningPort(serve);
    let stop = false;
    const sent: Sent[] = [];
    const recovered = { tmp: 0, lone: 0 };
    /** The last queue id answered: the running server's prefix. */
    let lastId = '';

    const worker = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const key = `w${w}-${n}-${randomBytes(4).toString('hex')}`;
        const body = makeBody(key);
        const m: Sent = { key, from: `${key}@sender.example`, to: [`rcpt-${key}@example.net`, 'carol@example.net'], bodyHash: sha256(body), connected: false };
        sent.push(m);
        const transport = nodemailer.createTransport({ host: '127.0.0.1', port: await port, ignoreTLS: true, name: `client${w}.test`, connectionTimeout: 5000, socketTimeout: 5000 });
        transport.on('error', () => undefined);
        try {
          const info = await transport.sendMail({ envelope: { from: m.from, to: m.to }, raw: rawMail(m, body) });
          m.connected = true;
          const id = /^250 .*queued as ([A-Z0-9-]+)/.exec(info.response)?.[1];
          if (id) m.id = lastId = id;
          else m.failure = info.response;
        } catch (err) {
          const e = err as { code?: string; message: string };
          m.connected = e.code !== 'ECONNREFUSED' && !/ECONNREFUSED/.test(e.message);
          m.failure = e.message;
        } finally {
          transport.close();
        }
      }
    };
    const workers = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    // Should a check below fail, the workers stop and their rejection (the same failure) is not reported twice.
    workers.catch(() => undefined);
    t.after(() => void (stop = true));

    for (let k = 0; k < KILLS; k++) {
      await port;
      await new Promise((r) => setTimeout(r, KILL_AFTER_MS[0] + Math.random() * (KILL_AFTER_MS[1] - KILL_AFTER_MS[0])));
      serve.child.kill('SIGKILL');
      await serve.exited;
      const left = leftovers(spoolDir);
      recovered.tmp += left.tmp.length;
      recovered.lone += left.lone.length;
      // As the kill could have left them (it rarely lands in the short write): files of the dead server, which the restart removes,
      // and the same of a writer still alive (this test's process, as a server sharing the spool), which it must keep.
      const killedPrefix = lastId.split('-')[0]!;
      assert.ok(killedPrefix, 'the killed server answered 250 before the kill');
      plant(spoolDir, killedPrefix);
      const live = plant(spoolDir, prefixOf(process.pid));
      serve = startServe(t, conf);
      const next = listeningPort(serve);
      // Clients learn the new port only after this check: nothing of the kill is left once it listens.
      port = next.then((p) => {
        for (const f of live) assert.ok(fs.existsSync(path.join(spoolDir, f)), `${f}, of a live writer, is kept`);
        for (const f of live) fs.rmSync(path.join(spoolDir, f));
        assert.deepEqual(leftovers(spoolDir), { tmp: [], lone: [] }, `after restart ${k + 1}`);
        assert.match(serve.stderr() + serve.stdout(), /removed (\d+) temporary and (\d+) incomplete files/);
        return p;
      });
      await port;
    }
    await new Promise((r) => setTimeout(r, FINAL_LOAD_MS));
    stop = true;
    await workers;
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0, serve.stderr());

    // The spool, read back: every .eml with its envelope, whole.
    assert.deepEqual(leftovers(spoolDir), { tmp: [], lone: [] }, 'nothing half-written is visible');
    const byKey = new Map<string, string[]>();
    for (const f of fs.readdirSync(path.join(spoolDir, 'new')).filter((n) => n.endsWith('.eml'))) {
      const id = f.slice(0, -4);
      const eml = fs.readFileSync(path.join(spoolDir, 'new', f), 'latin1');
      const split = eml.indexOf('\r\n\r\n');
      assert.ok(split > 0, `${f} has a header and a body`);
      const key = /\r\nX-Key: (\S+)\r\n/.exec(eml)?.[1];
      assert.ok(key, `${f} carries its key`);
      assert.equal(sha256(Buffer.from(eml.slice(split + 4), 'latin1')), /\r\nX-Body-Sha256: (\S+)\r\n/.exec(eml)?.[1], `${f}: the body is whole`);
      const envelope = JSON.parse(fs.readFileSync(path.join(spoolDir, 'new', `${id}.json`), 'utf8')) as { id: string; mailfrom: string; rcptto: string[] };
      assert.equal(envelope.id, id);
      assert.equal(envelope.mailfrom, `${key}@sender.example`);
      assert.deepEqual(envelope.rcptto, [`rcpt-${key}@example.net`, 'carol@example.net']);
      byKey.set(key, [...(byKey.get(key) ?? []), id]);
    }

    const accepted = sent.filter((m) => m.id);
    for (const m of accepted) {
      assert.deepEqual(byKey.get(m.key), [m.id], `message ${m.key} answered 250 as ${m.id} is in the spool once, under that id`);
    }
    const cut = sent.filter((m) => !m.id && m.connected);
    const cutSpooled = cut.filter((m) => byKey.has(m.key));
    for (const m of cutSpooled) assert.equal(byKey.get(m.key)!.length, 1, `message ${m.key} is spooled once`);
    // Every spooled message was sent by a client: a 250 or a transaction the kill cut.
    assert.equal(byKey.size, accepted.length + cutSpooled.length, 'the spool holds the 250s and only some cut messages');
    const notAccepted = sent.filter((m) => !m.id && !m.connected).length;
    assert.ok(accepted.length > 0 && cut.length > 0, `${accepted.length} accepted, ${cut.length} cut`);
    t.diagnostic(
      `${KILLS} kills survived; ${accepted.length} messages answered 250, all in the spool once and whole; ` +
        `${cut.length} cut by a kill without a 250, ${cutSpooled.length} of them spooled (whole); ${notAccepted} refused a connection; ` +
        `left by the kills themselves and recovered at restart: ${recovered.tmp} temporary files, ${recovered.lone} lone envelopes (besides 3 planted files a restart)`,
    );
  });
});

describe('the spool at start', () => {
  it('removes what a writer that is gone left, and keeps what a spool this process has open is writing', async (t) => {
    const dir = path.join(tempTree(t, { 'keep.txt': '' }), 'spool');
    const first = await Spool.open(dir);
    const inFlight = plant(dir, first.newId().split('-')[0]!);
    const gone = plant(dir, prefixOf(2 ** 22 + 1)); // above Linux's pid_max: no such process
    fs.writeFileSync(path.join(dir, 'tmp', 'notes.txt'), 'not a spool file');
    const second = await Spool.open(dir);
    assert.deepEqual(second.recovered, { temporary: 2, incomplete: 1 });
    for (const f of gone) assert.ok(!fs.existsSync(path.join(dir, f)), `${f} is removed`);
    for (const f of [...inFlight, 'tmp/notes.txt']) assert.ok(fs.existsSync(path.join(dir, f)), `${f} is kept`);
  });
});
