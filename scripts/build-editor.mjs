// Bundles the policy editor's browser code (editor-ui/) into dist/editor/:
// index.html, editor.js (CodeMirror included) and editor.css. Nothing is
// fetched at run time; the back end serves these files (see docs/policy-editor.md).
// Usage: node scripts/build-editor.mjs [--dev]   (--dev: no minifying, inline source map)

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(REPO, 'editor-ui');
const OUT = path.join(REPO, 'dist', 'editor');
const dev = process.argv.includes('--dev');

fs.mkdirSync(OUT, { recursive: true });
await build({
  entryPoints: [path.join(SRC, 'src', 'main.ts')],
  outfile: path.join(OUT, 'editor.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: !dev,
  sourcemap: dev ? 'inline' : false,
  legalComments: 'eof',
  logLevel: 'warning',
});
fs.copyFileSync(path.join(SRC, 'index.html'), path.join(OUT, 'index.html'));
fs.copyFileSync(path.join(SRC, 'editor.css'), path.join(OUT, 'editor.css'));
const size = (f) => `${f} ${Math.round(fs.statSync(path.join(OUT, f)).size / 1024)} KiB`;
console.log(`dist/editor: ${['index.html', 'editor.js', 'editor.css'].map(size).join(', ')}`);
