// docs/haraka.md followed as written, under every Node version under test:
// its shell blocks (```sh haraka-setup, -start, -send, -forward) run in a new
// directory, with `haraka` the Haraka from npm and `npm install scriptlet`
// the packed tarball. Only the listening port and the next hop's address
// are changed, to free loopback ports. The two example messages of step 7
// are sent with the envelopes of its curl lines by nodemailer; then step 8
// sends the mail on to a small SMTP server of the test's own.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { freePort, HARAKA_BIN, startHaraka, type HarakaProcess } from '../haraka/haraka-process.js';
import { consumerProject, mustRun, nodeEnv, npmInstall, packedTarball, REPO, testNodes, type TestNode } from './consumer.js';

const DOC = fs.readFileSync(path.join(REPO, 'docs', 'haraka.md'), 'utf8');
const DOC_LISTEN = '127.0.0.1:2525';
const DOC_NEXT_HOP = ['host=192.0.2.25', 'port=25'] as const;
const INSTALL = 'npm install scriptlet';
/** The example policy's refusal of examples/messages/rejected.eml, as docs/haraka.md quotes it. */
const REFUSAL = '550 5.7.1 message refused by local policy';
const timings: string[] = [];

/** The blocks of docs/haraka.md marked `name` (```sh name), in order, joined. */
function docBlocks(name: string): string {
  const blocks = [...DOC.matchAll(/^```\w+ ([\w-]+)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === name).map((m) => m[2] ?? '');
  assert.ok(blocks.length > 0, `docs/haraka.md: no block marked ${name}`);
  return blocks.join('');
}

/** text with every `from` replaced, failing when the doc no longer has it (the test would test something else). */
function replacing(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `docs/haraka.md: expected ${from} in\n${text}`);
  return text.replaceAll(from, to);
}

/**
 * Runs a shell script as the reader would type it, from dir; `npm install
 * scriptlet` installs the tarball instead (npmInstall). Returns the
 * directory the script ends in.
 */
function runSteps(script: string, dir: string, node: TestNode, env: NodeJS.ProcessEnv): string {
  const chunks = script.split(new RegExp(`^${INSTALL}$`, 'm'));
  let cwd = dir;
  chunks.forEach((chunk, i) => {
    if (i > 0) timings.push(`${node.version}: npm install of the tarball in ${npmInstall(cwd, node, [packedTarball()]).toFixed(1)} s`);
    const out = mustRun('sh', ['-ec', `${chunk}\npwd`], cwd, env).stdout.trim().split('\n');
    cwd = out[out.length - 1] ?? cwd;
  });
  return cwd;
}

/** The environment of the reader's shell: the Node under test, and `haraka` on PATH as `npm install -g Haraka` puts it. */
function shellEnv(node: TestNode, home: string): NodeJS.ProcessEnv {
  const bin = path.join(home, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(HARAKA_BIN, path.join(bin, 'haraka'));
  const env = nodeEnv(node);
  env.PATH = `${bin}${path.delimiter}${env.PATH ?? ''}`;
  return env;
}

interface Envelope {
  from: string;
  to: string;
  file: string;
}

/** The envelopes and files of step 7's curl lines. */
function docEnvelopes(): Envelope[] {
  return docBlocks('haraka-send')
    .trim()
    .split('\n')
    .map((line) => {
      const m = /^curl -sS smtp:\/\/127\.0\.0\.1:2525 --mail-from (\S+) --mail-rcpt (\S+) --upload-file (\S+)$/.exec(line);
      assert.ok(m, `docs/haraka.md: a haraka-send line the test cannot read: ${line}`);
      return { from: m[1]!, to: m[2]!, file: m[3]! };
    });
}

/** Sends the file as it is, over a fresh connection; the final reply, or the refusal. */
async function sendFile(port: number, dir: string, e: Envelope): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 10_000 });
  try {
    return (await transport.sendMail({ envelope: { from: e.from, to: [e.to] }, raw: fs.readFileSync(path.join(dir, e.file)) })).response;
  } catch (err) {
    const failed = err as { response?: string; message: string };
    return failed.response ?? failed.message;
  } finally {
    transport.close();
  }
}

/** Haraka started by step 7's command in dir, ready once the plugin logged its policy ready. */
function startDocHaraka(t: TestContext, dir: string, env: NodeJS.ProcessEnv, port: number): Promise<HarakaProcess> {
  return startHaraka(t, { command: 'sh', args: ['-ec', docBlocks('haraka-start')], cwd: dir, env, port, ready: /scriptlet: policy ready/ });
}

/** The log line step 7 shows, "..." standing for any text. */
function docLogLine(): RegExp {
  const line = docBlocks('haraka-log').trim();
  return new RegExp(line.split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*?'));
}

/** An SMTP server on a free loopback port that keeps what it is sent: the next hop of step 8. */
async function nextHop(t: TestContext): Promise<{ port: number; messages: string[] }> {
  const messages: string[] = [];
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push(Buffer.concat(chunks).toString('latin1'));
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, messages };
}

function logOf(haraka: HarakaProcess): string {
  return `\nHaraka's log:\n${haraka.output()}`;
}

describe('docs/haraka.md, followed in a new haraka -i directory', () => {
  after(() => timings.forEach((line) => console.log(line)));

  it("starts from what haraka -i writes: mail_from.is_resolvable and queue/smtp_forward enabled", () => {
    const plugins = fs.readFileSync(path.join(path.dirname(HARAKA_BIN), '..', 'config', 'plugins'), 'utf8').split('\n');
    for (const name of ['mail_from.is_resolvable', 'rcpt_to.in_host_list', 'queue/smtp_forward']) assert.ok(plugins.includes(name), name);
  });

  for (const node of testNodes()) {
    it(`accepts the clean example, refuses the other with the policy's reply, and sends mail on (Node ${node.version})`, { timeout: 20 * 60_000 }, async (t) => {
      const started = process.hrtime.bigint();
      const home = consumerProject('haraka-docs');
      t.after(() => fs.rmSync(home, { recursive: true, force: true }));
      const env = shellEnv(node, home);
      const port = await freePort();
      const mx = runSteps(replacing(docBlocks('haraka-setup'), DOC_LISTEN, `127.0.0.1:${port}`), home, node, env);
      const [clean, rejected] = docEnvelopes();
      assert.ok(clean && rejected, 'docs/haraka.md: step 7 sends two messages');

      // Step 7, queue/test writing to the temporary directory.
      const tmp = path.join(home, 'tmp');
      fs.mkdirSync(tmp);
      const haraka = await startDocHaraka(t, mx, { ...env, TMPDIR: tmp }, port);
      assert.match(await sendFile(port, mx, clean), /^250 /, logOf(haraka));
      const written = fs.readdirSync(tmp).filter((f) => /^mail_.*\.eml$/.test(f));
      assert.equal(written.length, 1, `one message in ${tmp}: ${written.join(' ')}${logOf(haraka)}`);
      const queued = fs.readFileSync(path.join(tmp, written[0]!), 'latin1');
      assert.match(queued, /\r\nX-Policy: checked\r\n/);
      assert.match(queued, /\r\nMessage-ID: <20251104101500\.1234@mail\.example\.org>\r\n/);
      assert.ok(DOC.includes(`\`${REFUSAL}\``), `docs/haraka.md: step 7 quotes the refusal ${REFUSAL}`);
      assert.equal(await sendFile(port, mx, rejected), REFUSAL, logOf(haraka));
      await haraka.logged(docLogLine());
      assert.doesNotMatch(haraka.output(), /\[object Object\]/);
      await haraka.stop();

      // Step 8, queue/smtp_forward to the next hop.
      const hop = await nextHop(t);
      const forward = replacing(replacing(docBlocks('haraka-forward'), DOC_NEXT_HOP[0], 'host=127.0.0.1'), DOC_NEXT_HOP[1], `port=${hop.port}`);
      runSteps(forward, mx, node, env);
      const forwarding = await startDocHaraka(t, mx, env, port);
      assert.match(await sendFile(port, mx, clean), /^250 /, logOf(forwarding));
      assert.equal(await sendFile(port, mx, rejected), REFUSAL, logOf(forwarding));
      assert.equal(hop.messages.length, 1, `the next hop got the accepted message only${logOf(forwarding)}`);
      assert.match(hop.messages[0]!, /\r\nX-Policy: checked\r\n/);
      assert.match(hop.messages[0]!, /\r\nMessage-ID: <20251104101500\.1234@mail\.example\.org>\r\n/);
      timings.push(`${node.version}: the whole walk through docs/haraka.md in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
    });
  }
});
