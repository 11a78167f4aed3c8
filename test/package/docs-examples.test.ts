// Every TypeScript and JavaScript example in README.md and docs/ is code a
// user will paste: each is type-checked against the built package, through
// its public entry points only ('scriptlet', never a path into the repo),
// under the strictest options a consumer might use.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureCompiled } from '../helpers/compiled.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOCS = ['README.md', ...fs.readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/**
 * What the examples leave to the reader, declared once: the names they use
 * without defining them (a message, an input, the host's own functions).
 */
const PLACEHOLDERS = `
import type { CallInput, Context, ScriptSpec } from 'scriptlet';
declare global {
  const input: CallInput;
  const message: Buffer;
  const mailfrom: string;
  const rcptto: string[];
  const context: { conn: Context; mess: Context };
  const scripts: ScriptSpec[];
  function notify(message: string): void;
  function page(message: string): void;
}
export {};
`;

interface Example {
  readonly doc: string;
  readonly line: number;
  readonly code: string;
}

function examples(): Example[] {
  const found: Example[] = [];
  for (const doc of DOCS) {
    const text = fs.readFileSync(path.join(REPO, doc), 'utf8');
    for (const m of text.matchAll(/^```(?:ts|js|typescript|javascript)\n([\s\S]*?)^```/gm)) {
      found.push({ doc, line: text.slice(0, m.index).split('\n').length, code: m[1] ?? '' });
    }
  }
  return found;
}

describe('the examples in README.md and docs/', () => {
  const all = examples();
  // Inside the checkout, so that 'scriptlet' resolves by the package's own name and exports (self-reference), as a dependency would.
  const dir = path.join(REPO, '.cache', 'docs-examples');

  before(() => {
    ensureCompiled();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
  });

  it('are found: one in the README at least, and the metrics, threads and configuration docs', () => {
    const docs = new Set(all.map((e) => e.doc));
    for (const doc of ['README.md', 'docs/metrics.md', 'docs/threads.md', 'docs/configuration.md']) assert.ok(docs.has(doc), `no example found in ${doc}`);
  });

  it('import only the package by its name, never a path into the repo', () => {
    for (const e of all) {
      for (const m of e.code.matchAll(/from\s+'([^']+)'/g)) {
        assert.ok(!m[1]?.startsWith('.'), `${e.doc}:${e.line}: imports '${m[1]}': use the package's entry points ('scriptlet')`);
      }
    }
  });

  it('type-check against the built package under strict, exactOptionalPropertyTypes and skipLibCheck: false', () => {
    fs.writeFileSync(path.join(dir, 'placeholders.mts'), PLACEHOLDERS);
    const files = all.map((e) => {
      const name = `${path.basename(e.doc, '.md')}-${e.line}.mts`;
      fs.writeFileSync(path.join(dir, name), `// ${e.doc}:${e.line}\n${e.code}\nexport {};\n`);
      return name;
    });
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: false, types: ['node'],
      },
      files: ['placeholders.mts', ...files],
    };
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const tsc = spawnSync(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
    // tsc names each example's file: the file's first line says where it comes from.
    assert.equal(tsc.status, 0, `an example does not type-check (files in ${dir}):\n${tsc.stdout}${tsc.stderr}`);
  });
});
