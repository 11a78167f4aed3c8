// `npm run example`: starts `scriptlet serve examples/ecelerity.conf`, sends
// the example messages through it with a real SMTP client (nodemailer),
// prints each reply, asks the console for the figures, and shuts the server
// down with the console's `shutdown`. Needs `npm run build:ts` (npm install
// does it).

import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');
const conf = path.join('examples', 'ecelerity.conf');

// Port 0: a free port, so that the example runs beside anything on 2525.
const server = spawn(process.execPath, [cli, 'serve', conf, '--listen', '127.0.0.1:0'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
const exited = new Promise((resolve) => server.on('exit', resolve));
let banner = '';
const port = await new Promise((resolve, reject) => {
  server.stdout.on('data', (d) => {
    banner += d;
    const m = /listening on 127\.0\.0\.1:(\d+)\n[^]*control socket (.*)\n/.exec(banner);
    if (m) resolve(Number(m[1]));
  });
  exited.then((code) => reject(new Error(`scriptlet serve exited with ${code}`)));
});
process.stdout.write(`$ scriptlet serve ${conf} --listen 127.0.0.1:0\n${banner}\n`);

const sends = [
  ['examples/messages/clean.eml', 'alice@example.org'],
  ['examples/messages/rejected.eml', 'alice@example.org'],
  ['examples/messages/encoded-folded.eml', 'alice@example.org'],
  ['examples/messages/clean.eml', 'tempfail@example.test'],
];
const transport = nodemailer.createTransport({ host: '127.0.0.1', port, ignoreTLS: true, name: 'client.example.org' });
for (const [file, from] of sends) {
  let reply;
  try {
    reply = (await transport.sendMail({ envelope: { from, to: ['bob@example.net'] }, raw: fs.readFileSync(path.join(root, file)) })).response;
  } catch (err) {
    reply = `${err.response ?? err.message} (at ${err.command ?? 'connect'})`;
  }
  const id = /queued as (\S+)/.exec(reply)?.[1];
  const added = id ? fs.readFileSync(path.join(root, 'examples', 'spool', 'new', `${id}.eml`), 'latin1').match(/^X-Policy: .*$/m)?.[0] : undefined;
  process.stdout.write(`${file} from <${from}>: ${reply}${id ? `\n  spooled as examples/spool/new/${id}.eml, with ${added}` : ''}\n`);
}
transport.close();

const console_ = (...command) => execFileSync(process.execPath, [cli, 'console', conf, ...command], { cwd: root, encoding: 'utf8' });
process.stdout.write(`\n$ scriptlet console ${conf} scriptlet stats\n${console_('scriptlet', 'stats')}`);
process.stdout.write(`\n$ scriptlet console ${conf} shutdown\n${console_('shutdown')}`);
const code = await exited;
process.stdout.write(`scriptlet serve exited with status ${code}\n`);
process.exitCode = code;
