// What vendor/README.md says is vendored, as the engine is expected to name
// itself (msys.engine, engineVersion, the metrics' engine_version): the
// table there is where a refresh of vendor/ records the version.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineName } from '../../src/native/addon.js';
import { REPO } from './scriptlet-process.js';

/** The version column of vendor/README.md's row for `dir/`. */
function vendoredVersion(dir: string): string {
  const table = fs.readFileSync(path.join(REPO, 'vendor', 'README.md'), 'utf8');
  const row = table.split('\n').find((line) => line.startsWith(`| \`${dir}/\` |`));
  const version = row?.split('|')[3]?.trim();
  if (!version) throw new Error(`vendor/README.md has no version for ${dir}/`);
  return version;
}

export function vendoredEngineVersion(engine: EngineName): string {
  return engine === 'luajit' ? `LuaJIT ${vendoredVersion('luajit')} (OpenResty luajit2)` : `Lua ${vendoredVersion('lua51')}`;
}
