// Loads the native addon for an engine with node-gyp-build: the default
// build (LuaJIT unless built with SCRIPTLET_LUA=lua51) from the package root,
// the other engine from engines/<engine>/ when it was built there too.

import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../config/package-root.js';
import { UsageError } from '../engine/errors.js';
import type { NativeAddon } from './types.js';

export type EngineName = 'luajit' | 'lua51';
export const ENGINES: readonly EngineName[] = ['luajit', 'lua51'];

const require = createRequire(import.meta.url);
const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeAddon;
const loaded = new Map<string, NativeAddon>();

function packageRoot(): string {
  return findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
}

function load(dir: string): NativeAddon | undefined {
  const cached = loaded.get(dir);
  if (cached) return cached;
  // SCRIPTLET_BUILD=Debug picks the build with Lua's API checks and asserts.
  const debug = path.join(dir, 'build', 'Debug', 'scriptlet.node');
  let addon: NativeAddon;
  try {
    addon = process.env.SCRIPTLET_BUILD === 'Debug' ? (require(debug) as NativeAddon) : nodeGypBuild(dir);
  } catch {
    return undefined;
  }
  loaded.set(dir, addon);
  return addon;
}

/**
 * The addon for engine, or the default one. The default is SCRIPTLET_ENGINE
 * when set (the test suite runs once per engine), else the root build.
 */
export function loadAddon(engine?: EngineName): NativeAddon {
  const wanted = engine ?? (process.env.SCRIPTLET_ENGINE as EngineName | undefined);
  if (wanted !== undefined && !ENGINES.includes(wanted)) {
    throw new UsageError(`unknown engine '${String(wanted)}': expected one of ${ENGINES.join(', ')}`);
  }
  const root = packageRoot();
  const main = load(root);
  if (main && (wanted === undefined || main.engine === wanted)) return main;
  const other = wanted !== undefined && fs.existsSync(path.join(root, 'engines', wanted)) ? load(path.join(root, 'engines', wanted)) : undefined;
  if (other && other.engine === wanted) return other;
  throw new UsageError(`the ${wanted ?? 'default'} engine is not built: ${howToBuild(root, wanted)}`, 'ERR_SCRIPTLET_NO_ENGINE');
}

/**
 * Installed as a dependency, the addon is built by the package's install
 * script, which npm may have skipped (no prebuild for this platform, and
 * npm's allowScripts not approving it); in a checkout, by npm run build.
 */
export function howToBuild(root: string, engine?: EngineName): string {
  if (root.split(path.sep).includes('node_modules')) {
    return "no prebuild fits this platform and the install script did not build one: run 'npm rebuild scriptlet' in your project (where npm asks for it, approve the script first: 'npm install-scripts approve scriptlet'); building needs make, g++ and python3";
  }
  return `run '${engine === 'lua51' ? 'npm run build:lua51' : 'npm run build'}' in ${root}`;
}
