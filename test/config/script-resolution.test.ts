// How `script "NAME" { source = "a.b" }` finds its file along the search path.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findPackageRoot, packageScriptletsDir } from '../../src/config/package-root.js';
import { loadScriptletConfig } from '../../src/config/scriptlet-config.js';
import { problemsOf, scriptletConf, tempTree } from './fixtures.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LUA = 'msys.registerModule("x", {})\n';

function confWithScripts(scripts: Record<string, string>, extra = ''): string {
  const stanzas = Object.entries(scripts).map(([name, source]) => `  script "${name}" { source = "${source}" }`);
  return scriptletConf([extra, ...stanzas].join('\n'));
}

function pathsOf(file: string, opts = {}): Record<string, string> {
  return Object.fromEntries(loadScriptletConfig(file, opts).scripts.map((s) => [s.name, s.path]));
}

describe('script resolution', () => {
  it("finds msys.boot in the package's own scriptlets/ directory", (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': confWithScripts({ boot: 'msys.boot' }) });
    assert.deepEqual(pathsOf(path.join(dir, 'ecelerity.conf')), { boot: path.join(REPO, 'scriptlets', 'msys', 'boot.lua') });
    assert.equal(packageScriptletsDir(), path.join(REPO, 'scriptlets'));
  });

  it('looks in global/, then default/, then the config directory, then the package', (t) => {
    const pkg = tempTree(t, { 'm/all.lua': LUA, 'm/pkg.lua': LUA });
    const dir = tempTree(t, {
      'ecelerity.conf': confWithScripts({ a: 'm.all', b: 'm.defconf', c: 'm.conf', d: 'm.pkg' }),
      'global/m/all.lua': LUA,
      'default/m/all.lua': LUA,
      'default/m/defconf.lua': LUA,
      'm/all.lua': LUA,
      'm/defconf.lua': LUA,
      'm/conf.lua': LUA,
    });
    assert.deepEqual(pathsOf(path.join(dir, 'ecelerity.conf'), { scriptletsDir: pkg }), {
      a: path.join(dir, 'global/m/all.lua'),
      b: path.join(dir, 'default/m/defconf.lua'),
      c: path.join(dir, 'm/conf.lua'),
      d: path.join(pkg, 'm/pkg.lua'),
    });
  });

  it('looks in search_path directories first, in order', (t) => {
    const dir = tempTree(t, {
      'ecelerity.conf': confWithScripts({ a: 'p' }, '  search_path = ( "first" "second" )'),
      'second/p.lua': LUA,
      'p.lua': LUA,
    });
    const config = loadScriptletConfig(path.join(dir, 'ecelerity.conf'));
    assert.equal(config.scripts[0]?.path, path.join(dir, 'second/p.lua'));
    assert.deepEqual(config.searchPath, [
      path.join(dir, 'first'), path.join(dir, 'second'), path.join(dir, 'global'), path.join(dir, 'default'), dir, path.join(REPO, 'scriptlets'),
    ]);
  });

  it("treats '.' and '/' in a source alike", (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': confWithScripts({ dotted: 'lib.policy.main', slashed: 'lib/policy/main', mixed: 'lib.policy/main' }), 'lib/policy/main.lua': LUA });
    const main = path.join(dir, 'lib/policy/main.lua');
    assert.deepEqual(pathsOf(path.join(dir, 'ecelerity.conf')), { dotted: main, slashed: main, mixed: main });
  });

  it('keeps scripts in configuration order, with their stanza position', (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': confWithScripts({ z: 'z', a: 'a', m: 'm' }), 'z.lua': LUA, 'a.lua': LUA, 'm.lua': LUA });
    const config = loadScriptletConfig(path.join(dir, 'ecelerity.conf'));
    assert.deepEqual(config.scripts.map((s) => [s.name, s.source, s.origin.line]), [['z', 'z', 4], ['a', 'a', 5], ['m', 'm', 6]]);
  });

  it('skips a directory that only looks like a script', (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': confWithScripts({ p: 'p' }), 'global/p.lua/.keep': '', 'p.lua': LUA });
    assert.deepEqual(pathsOf(path.join(dir, 'ecelerity.conf')), { p: path.join(dir, 'p.lua') });
  });

  it('reports a source found nowhere with every directory tried', (t) => {
    const pkg = tempTree(t);
    const dir = tempTree(t, { 'ecelerity.conf': confWithScripts({ policy: 'site.policy' }, '  search_path = "lua"') });
    const problems = problemsOf(() => loadScriptletConfig(path.join(dir, 'ecelerity.conf'), { scriptletsDir: pkg }));
    assert.deepEqual(problems, [
      `${dir}/ecelerity.conf:4:30: script 'policy': source 'site.policy' not found: no site/policy.lua in ` +
        [`${dir}/lua`, `${dir}/global`, `${dir}/default`, dir, pkg].join(', '),
    ]);
  });

  it('finds the package root from the compiled layout too (dist/src/config)', (t) => {
    const root = tempTree(t, { 'package.json': '{}', 'scriptlets/msys/boot.lua': LUA, 'dist/package.json': '{}', 'dist/src/config/index.js': '' });
    assert.equal(findPackageRoot(path.join(root, 'dist/src/config')), root);
    assert.equal(findPackageRoot(path.join(REPO, 'src/config')), REPO);
    assert.ok(fs.existsSync(path.join(packageScriptletsDir(), 'msys', 'boot.lua')));
  });
});
