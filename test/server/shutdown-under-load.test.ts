// SIGTERM while several SMTP clients (nodemailer, each with a pool of
// connections) push a few thousand messages at `scriptlet serve`, run as a
// real process: it stops taking mail, drains, answers 421 to what is left,
// and exits 0. Then the count: every message answered 250 is in the spool,
// once; nothing else is.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { startScriptlet } from '../helpers/scriptlet-process.js';
import { policyDir, rawMessage, spooled } from './helpers.js';

const CLIENTS = 6;
const PER_CLIENT = 500;
/** Messages each client keeps in flight. */
const IN_FLIGHT = 3;
/** SIGTERM once this many messages are accepted. */
const TERM_AFTER = 1000;

interface Outcome {
  seq: string;
  code: number;
  id?: string;
}

describe('scriptlet serve shut down under load', () => {
  it('loses no message answered 250 and spools none twice', { timeout: 60_000 }, async (t) => {
    const dir = policyDir(t);
    const serve = startScriptlet(t, ['serve', path.join(dir, 'ecelerity.conf'), '--listen', '127.0.0.1:0', '--drain-deadline', '3']);
    const port = Number((await serve.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);

    const outcomes: Outcome[] = [];
    let accepted = 0;
    let termAt = -1;
    const client = async (c: number) => {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, pool: true, maxConnections: IN_FLIGHT, maxMessages: Infinity, name: `client${c}.test` });
      let next = 0;
      const worker = async () => {
        while (next < PER_CLIENT) {
          const seq = `${c}-${next++}`;
          try {
            const info = await transport.sendMail({ envelope: { from: `c${c}@example.org`, to: ['bob@example.net', 'carol@example.net'] }, raw: rawMessage({ from: `c${c}@example.org`, to: ['bob@example.net'], headers: { 'X-Seq': seq } }) });
            const id = /queued as ([A-Z0-9-]+)/.exec(info.response)?.[1];
            outcomes.push({ seq, code: Number(info.response.slice(0, 3)), ...(id ? { id } : {}) });
            if (++accepted === TERM_AFTER) {
              termAt = outcomes.length;
              serve.child.kill('SIGTERM');
            }
          } catch (err) {
            outcomes.push({ seq, code: (err as { responseCode?: number }).responseCode ?? 0 });
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      transport.close();
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    assert.equal(await serve.exited, 0, serve.stderr());

    assert.ok(termAt > 0, 'SIGTERM was sent while the clients were sending');
    const ok = outcomes.filter((o) => o.code === 250);
    const refused = outcomes.filter((o) => o.code !== 250);
    assert.equal(outcomes.length, CLIENTS * PER_CLIENT);
    assert.ok(ok.length >= TERM_AFTER, `${ok.length} accepted`);
    assert.ok(refused.length > 0, 'the shutdown left messages unaccepted');
    // What was refused was refused for the shutdown: 421 (or 451 from the policy deadline), or no connection at all.
    for (const o of refused) assert.ok([0, 421, 451].includes(o.code), `message ${o.seq}: ${o.code}`);

    const spoolDir = path.join(dir, 'spool');
    const files = spooled(spoolDir);
    const ids = new Set(files.map((f) => f.replace(/\.eml$/, '')));
    for (const o of ok) assert.ok(o.id && ids.has(o.id), `message ${o.seq} answered 250 (${o.id}) is not in the spool`);
    assert.equal(files.length, ok.length, 'the spool holds exactly the messages answered 250');
    const seqs = files.map((f) => /\r\nX-Seq: (\S+)\r\n/.exec(fs.readFileSync(path.join(spoolDir, 'new', f), 'latin1'))?.[1]);
    assert.deepEqual(new Set(seqs).size, files.length, 'no message is spooled twice');
    assert.deepEqual(new Set(seqs), new Set(ok.map((o) => o.seq)));
    assert.deepEqual(fs.readdirSync(path.join(spoolDir, 'tmp')), [], 'no temporary file is left');
    t.diagnostic(`${ok.length} accepted and spooled, ${refused.length} refused after SIGTERM (codes ${[...new Set(refused.map((o) => o.code))].join(', ')})`);
  });
});
