// Tests that load the compiled package (dist/, which `npm install` builds)
// compile it again first when src/ is newer, so that a change is tested,
// not the build before it.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function ensureCompiled(): void {
  const compiled = path.join(REPO, 'dist', 'src', 'index.js');
  const built = fs.existsSync(compiled) ? fs.statSync(compiled).mtimeMs : 0;
  const sources = fs.readdirSync(path.join(REPO, 'src'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  if (sources.every((e) => fs.statSync(path.join(e.parentPath, e.name)).mtimeMs <= built)) return;
  const tsc = spawnSync(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(tsc.status, 0, `tsc -p tsconfig.build.json failed:\n${tsc.stdout}${tsc.stderr}`);
}
