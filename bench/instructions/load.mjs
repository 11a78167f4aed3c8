// The load bench/instructions/run.ts counts under callgrind: after 300
// batches of warm-up, BATCHES more batches of 64 messages through one path,
// on dist/ (plain JS, nothing transpiled while counted).
//   node load.mjs POLICY BATCHES batch|single|pool
//   batch:  policy.runBatch('data', 64 inputs)
//   single: policy.run('data', input), 64 times
//   pool:   await engine.runBatch('data', 64 inputs), one worker, one batch out at a time
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const [name, batches, mode] = process.argv.slice(2);
const WARM = 300;
const message = fs.readFileSync(path.join(root, 'bench/messages/gen-2k.eml'));
const scripts = [{ name, path: path.join(root, `bench/policies/${name}.lua`) }];
const input = { message, mailfrom: 'alice@example.net', rcptto: ['bob@example.com'] };
const batch = Array.from({ length: 64 }, () => input);
let sink = 0;

if (mode === 'pool') {
  const { openEngine } = await import(path.join(root, 'dist/src/pool/index.js'));
  const engine = openEngine({ engine: 'luajit', scripts, threads: 1, maxBatch: 4096, log: () => {} });
  for (let i = 0; i < WARM + Number(batches); i++) for (const v of await engine.runBatch('data', batch)) sink += v.callouts;
  await engine.close();
} else {
  const { openPolicy } = await import(path.join(root, 'dist/src/index.js'));
  const policy = openPolicy({ engine: 'luajit', scripts });
  const once = mode === 'single'
    ? () => { for (let j = 0; j < 64; j++) sink += policy.run('data', input).callouts; }
    : () => { for (const v of policy.runBatch('data', batch)) sink += v.callouts; };
  for (let i = 0; i < WARM + Number(batches); i++) once();
  policy.close();
}
console.log(sink);
