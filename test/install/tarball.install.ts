// The packed tarball installed as an MTA would depend on it, in a fresh
// project, under every Node version under test (scripts/test-package.sh):
// once with its prebuilds (nothing compiled), once without them (the addons
// built from the shipped sources, as on any platform without a prebuild).
// In that project: the README's "Using it from Node" example as an ES
// module and, typed, under the strictest compiler options; require(); the
// CLI's check and run on the shipped example.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { consumerProject, mustRun, nodeEnv, npmInstall, packedTarball, REPO, run, testNodes, withoutPrebuilds, type TestNode } from './consumer.js';

const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const timings: string[] = [];

/** The first fenced js block after the heading "## Using it from Node": the example, as the README shows it. */
function readmeExample(): string {
  const section = README.slice(README.indexOf('## Using it from Node'));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  assert.ok(block?.[1], 'README.md: no ```js block under "## Using it from Node"');
  return block[1];
}

/** What the README example expects beside it: the shipped example policy and a clean message. */
function placeExampleFiles(dir: string): void {
  const shipped = path.join(dir, 'node_modules', 'scriptlet', 'examples');
  fs.copyFileSync(path.join(shipped, 'policy.lua'), path.join(dir, 'policy.lua'));
  fs.copyFileSync(path.join(shipped, 'messages', 'clean.eml'), path.join(dir, 'message.eml'));
}

function runsReadmeExample(dir: string, node: TestNode): void {
  placeExampleFiles(dir);
  // The example's own last line prints the data verdict's code and the batch's length; the test adds what it checks.
  const program = `${readmeExample()}\nconsole.log(JSON.stringify({ edits: verdict.headerEdits, mess: verdict.context.mess, errors: verdict.errors.length, batch: verdicts.map((v) => v.disposition) }));\n`;
  fs.writeFileSync(path.join(dir, 'example.mjs'), program);
  const out = mustRun('node', ['example.mjs'], dir, nodeEnv(node)).stdout.trim().split('\n');
  assert.equal(out[0], '250 2', 'the example policy accepts the clean message, and the batch has two verdicts');
  const seen = JSON.parse(out[1] ?? '') as { edits: unknown[]; mess: Record<string, string>; errors: number; batch: unknown[] };
  assert.deepEqual(seen.edits, [{ op: 'replace', name: 'X-Policy', value: 'checked' }]);
  assert.equal(seen.mess.checked, 'yes');
  assert.equal(seen.errors, 0);
  assert.deepEqual(seen.batch, [null, null]);
}

function requireWorks(dir: string, node: TestNode): void {
  const env = nodeEnv(node);
  const loaded = mustRun('node', ['-e', "const s = require('scriptlet'); console.log(typeof s.openPolicy, typeof s.openEngine)"], dir, env);
  assert.equal(loaded.stdout.trim(), 'function function');
  const refused = run('node', ['--no-experimental-require-module', '-e', "require('scriptlet')"], dir, env);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /scriptlet is an ES module package, and this Node \(v[\d.]+\) cannot require\(\) ES modules: use import/);
}

function cliChecksAndRuns(dir: string, node: TestNode): void {
  const env = nodeEnv(node);
  const examples = path.join('node_modules', 'scriptlet', 'examples');
  const conf = path.join(examples, 'ecelerity.conf');
  mustRun('npx', ['--no-install', 'scriptlet', 'check', conf], dir, env);
  const messages = ['clean.eml', 'rejected.eml'].map((m) => path.join(examples, 'messages', m));
  const ran = mustRun('npx', ['--no-install', 'scriptlet', 'run', conf, ...messages, '--mailfrom', 'alice@example.org', '--rcpt', 'bob@example.net'], dir, env);
  const verdicts = ran.stdout.trim().split('\n').map((line) => JSON.parse(line) as { disposition: { code: number; text: string; phase: string | null } });
  assert.deepEqual(verdicts.map((v) => v.disposition.code), [250, 550]);
  assert.equal(verdicts[1]?.disposition.phase, 'data');
}

/** The README example as TypeScript, checked against the installed types under the strictest options a consumer might use. */
function typesCheck(dir: string, node: TestNode): void {
  npmInstall(dir, node, [`typescript@${devVersion('typescript')}`, `@types/node@${devVersion('@types/node')}`]);
  fs.writeFileSync(path.join(dir, 'example.ts'), readmeExample());
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true,
      exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: false, noEmit: true, types: ['node'],
    },
    files: ['example.ts'],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  mustRun('npx', ['--no-install', 'tsc', '-p', '.'], dir, nodeEnv(node));
}

function devVersion(name: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  const range = pkg.devDependencies[name];
  assert.ok(range, `${name} is not a devDependency`);
  return range;
}

const installed = (dir: string, ...p: string[]) => fs.existsSync(path.join(dir, 'node_modules', 'scriptlet', ...p));

describe('the packed tarball, installed into a fresh project', () => {
  const tarball = packedTarball();
  const nodes = testNodes();

  after(() => {
    if (timings.length) console.log(`# install times (tarball ${(fs.statSync(tarball).size / 1e6).toFixed(2)} MB):\n# ${timings.join('\n# ')}`);
  });

  it('ships prebuilds for both engines, to be tested', () => {
    const listing = mustRun('tar', ['tzf', tarball], REPO).stdout.split('\n');
    assert.ok(listing.some((f) => /^package\/prebuilds\/linux-x64\/[^/]+\.node$/.test(f)), 'no prebuilds/linux-x64/*.node in the tarball: run npm run prebuilds before packing');
    assert.ok(listing.some((f) => /^package\/engines\/lua51\/prebuilds\/linux-x64\/[^/]+\.node$/.test(f)), 'no Lua 5.1 prebuild in the tarball');
  });

  for (const node of nodes) {
    describe(`on Node ${node.version}`, () => {
      it('with prebuilds: installs without compiling, runs the README example, require() and the CLI', () => {
        const dir = consumerProject('prebuilt');
        const seconds = npmInstall(dir, node, [tarball]);
        timings.push(`Node ${node.version}, with prebuilds: ${seconds.toFixed(1)} s`);
        assert.ok(!installed(dir, 'build'), 'a prebuild was there: nothing should have been compiled');
        runsReadmeExample(dir, node);
        requireWorks(dir, node);
        cliChecksAndRuns(dir, node);
        if (node === nodes[0]) typesCheck(dir, node);
      });

      it('without prebuilds: builds both engines from the shipped sources, then runs the README example and the CLI', () => {
        const dir = consumerProject('source');
        const seconds = npmInstall(dir, node, [withoutPrebuilds(tarball)], { npm_config_jobs: 'max' });
        timings.push(`Node ${node.version}, from source: ${seconds.toFixed(1)} s`);
        assert.ok(installed(dir, 'build', 'Release', 'scriptlet.node'), 'the LuaJIT addon was not built');
        assert.ok(installed(dir, 'engines', 'lua51', 'build', 'Release', 'scriptlet.node'), 'the Lua 5.1 addon was not built');
        assert.ok(!installed(dir, 'build', 'Release', 'c_driver'), "the benchmark's C driver is a checkout-only target");
        runsReadmeExample(dir, node);
        cliChecksAndRuns(dir, node);
        const lua51 = mustRun('node', ['-e', "import('scriptlet').then((s) => console.log(s.loadAddon('lua51').engine))"], dir, nodeEnv(node));
        assert.equal(lua51.stdout.trim(), 'lua51');
      });

      // Once: it is about npm and the message, not about the Node.
      if (node === nodes[0]) it('without prebuilds and with install scripts skipped: loading says how to build, and the build it names works', () => {
        const dir = consumerProject('skipped');
        npmInstall(dir, node, ['--ignore-scripts', withoutPrebuilds(tarball)]);
        const env = nodeEnv(node);
        const load = "import('scriptlet').then((s) => console.log(s.loadAddon().engine))";
        const refused = run('node', ['-e', load], dir, env);
        assert.notEqual(refused.status, 0);
        assert.match(refused.stderr, /the default engine is not built: no prebuild fits this platform and the install script did not build one: run 'npm rebuild scriptlet' in your project/);
        mustRun('npm', ['rebuild', 'scriptlet'], dir, nodeEnv(node, { npm_config_jobs: 'max' }));
        assert.equal(mustRun('node', ['-e', load], dir, env).stdout.trim(), 'luajit');
      });
    });
  }
});
