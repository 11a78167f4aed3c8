// What `npm pack` puts in the tarball: sources, prebuilds, docs and
// examples, checked against an allow-list so that build output (objects, a
// stale addon that node-gyp-build would load before building) can never
// ship again. Installing the tarball for real is `npm run test:package`.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Every path the tarball may hold, and nothing else. */
const ALLOWED: readonly RegExp[] = [
  /^(package\.json|README\.md|LICENSE|binding\.gyp)$/,
  /^dist\/src\/.+\.(js|cjs|d\.ts|d\.cts|js\.map|cjs\.map)$/,
  /^dist\/editor\/(index\.html|editor\.js|editor\.css)$/,
  /^native\/.+\.(cpp|hpp|gypi|inc)$/,
  /^native\/pcre\/config\/(config\.h|pcre2\.h|pcre2_chartables\.c)$/,
  /^scriptlets\/.+\.lua$/,
  /^haraka\/[^/]+\.(js|cjs)$/,
  /^scripts\/build-luajit\.sh$/,
  /^engines\/lua51\/(binding\.gyp|package\.json)$/,
  /^(engines\/lua51\/)?prebuilds\/[a-z0-9]+-[a-z0-9]+\/[^/]+\.node$/,
  /^vendor\/README\.md$/,
  /^vendor\/luajit\/(COPYRIGHT|README|README\.md|Makefile)$/,
  /^vendor\/luajit\/(src|dynasm)\/.+$/,
  /^vendor\/lua51\/(COPYRIGHT|README)$/,
  /^vendor\/lua51\/src\/.+$/,
  /^vendor\/pcre2\/(LICENCE|AUTHORS)$/,
  /^vendor\/pcre2\/src\/.+$/,
  /^docs\/[^/]+\.(md|json)$/,
  /^docs\/images\/policy-editor-[a-z-]+\.png$/,
  /^examples\/(README\.md|ecelerity\.conf|policy\.lua|messages\/[^/]+\.eml)$/,
];

/** What may never ship, even where a pattern above would let it: build output. */
const BUILD_OUTPUT = /(^|\/)(build|obj\.target|\.deps)\/|\.(o|a|so|lib|obj)$/;

function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [report] = JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>;
  assert.ok(report);
  return report.files.map((f) => f.path);
}

describe('the tarball npm pack makes', () => {
  const files = packedFiles();

  it('holds only what the allow-list names', () => {
    const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
    assert.deepEqual(stray, [], 'files outside the allow-list: ship them on purpose (add a pattern) or leave them out of "files"');
  });

  it('holds no build output, wherever it sits', () => {
    assert.deepEqual(files.filter((f) => BUILD_OUTPUT.test(f)), []);
  });

  it('holds what building from source needs: the gyp files, the native sources, both vendored engines, PCRE2 and the LuaJIT build script', () => {
    for (const f of ['binding.gyp', 'native/addon.gypi', 'engines/lua51/binding.gyp', 'scripts/build-luajit.sh', 'native/napi/addon.cpp', 'vendor/luajit/src/Makefile', 'vendor/luajit/dynasm/dynasm.lua', 'vendor/lua51/src/lua.h', 'vendor/pcre2/src/pcre2.h.generic', 'vendor/pcre2/src/pcre2_jit_compile.c', 'vendor/pcre2/src/sljit/sljitLir.c', 'native/pcre/config/config.h', 'native/pcre/config/pcre2_chartables.c']) {
      assert.ok(files.includes(f), `${f} is not in the tarball`);
    }
  });

  it("holds the compiled entry points, the CommonJS one included, and the vendored engines' and PCRE2's licences", () => {
    for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/require.cjs', 'dist/src/cli/main.js', 'haraka/load.cjs', 'scriptlets/msys/boot.lua', 'LICENSE', 'vendor/luajit/COPYRIGHT', 'vendor/lua51/COPYRIGHT', 'vendor/pcre2/LICENCE']) {
      assert.ok(files.includes(f), `${f} is not in the tarball`);
    }
  });

  it("holds the policy editor's browser bundle, built by npm run build:ts, so nothing is fetched at run time", () => {
    for (const f of ['dist/editor/index.html', 'dist/editor/editor.js', 'dist/editor/editor.css']) assert.ok(files.includes(f), `${f} is not in the tarball`);
  });

  it('holds nothing of the benchmark or the tests', () => {
    assert.deepEqual(files.filter((f) => /^(bench|test)\//.test(f)), []);
  });
});
