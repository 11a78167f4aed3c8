// 1 000 concurrent idle SMTP connections held by a real `scriptlet serve`
// process: each greeted and past EHLO, all still answering once every one
// is open, with the server's memory per connection measured (VmRSS from
// /proc, before and after) and reported; the next connection over
// `concurrency` is refused 421 4.7.0.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { startScriptlet } from '../helpers/scriptlet-process.js';
import { send } from './helpers.js';
import { limitsDir, RawSmtp, sleep } from './raw-smtp.js';

const CONNECTIONS = 1000;
/** Descriptors this test needs: a client and a server end per connection, and some slack. */
const FDS_NEEDED = 2 * CONNECTIONS + 200;

function status(pid: number, field: string): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** The soft limit on open files, of this process (the server inherits it). */
function openFileLimit(): number {
  const line = /Max open files\s+(\d+|unlimited)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
  return line?.[1] === 'unlimited' ? Infinity : Number(line?.[1] ?? 0);
}

describe('scriptlet serve holding idle connections', () => {
  const fdLimit = openFileLimit();
  // Node raises its soft limit to the hard one at start; below that, raising it needs root (ulimit -n in the job).
  const skip = fdLimit < FDS_NEEDED && !process.env.CI ? `the open-file limit is ${fdLimit}, under the ${FDS_NEEDED} this needs (raise it with ulimit -n)` : false;

  it(`holds ${CONNECTIONS} concurrent idle connections with bounded memory, and refuses the one over concurrency`, { timeout: 120_000, skip }, async (t) => {
    assert.ok(fdLimit >= FDS_NEEDED, `the open-file limit is ${fdLimit}, under the ${FDS_NEEDED} this needs`);
    const dir = limitsDir(t, `concurrency = ${CONNECTIONS}\ntimeout = 120`);
    const serve = startScriptlet(t, ['serve', path.join(dir, 'ecelerity.conf'), '--listen', '127.0.0.1:0']);
    const port = Number((await serve.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const pid = serve.child.pid!;
    // Warm: a message through every phase, so that what a first session loads is not counted per connection.
    for (let i = 0; i < 3; i++) assert.equal((await send(port, { from: 'alice@example.org', to: ['bob@example.net'] })).code, 250);
    await sleep(500);
    const before = status(pid, 'VmRSS');

    const clients: RawSmtp[] = [];
    t.after(() => clients.forEach((c) => c.close()));
    // In waves, as a flood of clients would come; each greeted and past EHLO (its policy phase run), then silent.
    for (let wave = 0; wave < CONNECTIONS / 100; wave++) {
      const opened = await Promise.all(
        Array.from({ length: 100 }, async () => {
          const c = await RawSmtp.connect(port);
          assert.match(await c.reply(), /^220 /);
          assert.match(await c.command('EHLO idle.example'), /^250/);
          return c;
        }),
      );
      clients.push(...opened);
    }
    await sleep(1000);
    const held = status(pid, 'VmRSS');
    const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
    const perConnection = ((held - before) * 1024) / CONNECTIONS;

    const over = await RawSmtp.connect(port);
    assert.match(await over.reply(), /^421 4\.7\.0 Too many connections/);
    // Every one of them is still open and answers.
    const answers = await Promise.all(clients.map((c) => c.command('NOOP')));
    assert.equal(answers.filter((a) => a.startsWith('250')).length, CONNECTIONS);
    t.diagnostic(
      `${CONNECTIONS} idle connections held: server RSS ${(before / 1024).toFixed(1)} MB before, ${(held / 1024).toFixed(1)} MB with them ` +
        `(${(perConnection / 1024).toFixed(1)} KB per connection); ${fds} file descriptors open in the server`,
    );
    assert.ok(fds >= CONNECTIONS, `${fds} descriptors: the connections are open`);
    assert.ok(perConnection < 64 * 1024, `${(perConnection / 1024).toFixed(1)} KB per idle connection`);

    for (const c of clients) c.write('QUIT\r\n');
    await Promise.all(clients.map((c) => c.closed));
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0, serve.stderr());
  });
});
