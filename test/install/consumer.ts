// What the install tests share: the packed tarball (made once per run), the
// Node versions to install it under, and a fresh consumer project that
// depends on it the way an MTA would, with npm run by the Node under test.

import * as assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A Node to install and run the package under: its `node` binary and, when it has them, its own headers. */
export interface TestNode {
  readonly version: string;
  readonly binDir: string;
  readonly nodedir?: string;
}

/**
 * The Node versions under test: SCRIPTLET_TEST_NODES (set by
 * scripts/test-package.sh: `DIR[,DIR...]`, each a Node distribution with
 * bin/node and include/node), else the Node running the tests.
 */
export function testNodes(): TestNode[] {
  const dirs = (process.env.SCRIPTLET_TEST_NODES ?? '').split(',').filter(Boolean);
  if (dirs.length === 0) return [{ version: process.version, binDir: path.dirname(process.execPath) }];
  return dirs.map((dir) => {
    const node = path.join(dir, 'bin', 'node');
    const version = run(node, ['--version'], dir).stdout.trim();
    return { version, binDir: path.dirname(node), nodedir: dir };
  });
}

/** The environment that runs npm, npx and node as that Node: first on PATH, its headers for node-gyp. */
export function nodeEnv(node: TestNode, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${node.binDir}${path.delimiter}${process.env.PATH ?? ''}`, ...extra };
  // What the repo's own test run set must not leak into the consumer.
  delete env.SCRIPTLET_ENGINE;
  delete env.SCRIPTLET_BUILD;
  delete env.NODE_OPTIONS;
  for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
  if (node.nodedir) env.npm_config_nodedir = node.nodedir;
  return env;
}

export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, input?: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 });
}

/** Runs cmd and fails the test, with its output, unless it exits 0. */
export function mustRun(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const r = run(cmd, args, cwd, env);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

let packed: string | undefined;

/**
 * The tarball under test: SCRIPTLET_TARBALL when the runner packed it once
 * for every Node version, else `npm pack` of this checkout (prebuilds/ goes
 * in when `npm run prebuilds` made it).
 */
export function packedTarball(): string {
  if (process.env.SCRIPTLET_TARBALL) return process.env.SCRIPTLET_TARBALL;
  if (packed) return packed;
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-pack-'));
  const r = mustRun('npm', ['pack', '--json', '--pack-destination', dest], REPO);
  const [report] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as Array<{ filename: string }>;
  assert.ok(report, 'npm pack reported no tarball');
  packed = path.join(dest, report.filename);
  return packed;
}

/** The same tarball without its prebuilds, as a platform without one gets it: installing it builds from source. */
export function withoutPrebuilds(tarball: string): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-noprebuilds-'));
  mustRun('tar', ['xzf', tarball, '-C', work], work);
  fs.rmSync(path.join(work, 'package', 'prebuilds'), { recursive: true, force: true });
  fs.rmSync(path.join(work, 'package', 'engines', 'lua51', 'prebuilds'), { recursive: true, force: true });
  const out = path.join(work, 'scriptlet-source-only.tgz');
  mustRun('tar', ['czf', out, 'package'], work);
  return out;
}

/** A new, empty ES-module project in a temporary directory. */
export function consumerProject(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `scriptlet-${name}-`));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }, null, 2));
  return dir;
}

/** `npm install` of packages into dir, run by that Node; returns the seconds it took. */
export function npmInstall(dir: string, node: TestNode, packages: string[], extraEnv: Record<string, string> = {}): number {
  const started = process.hrtime.bigint();
  mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packages], dir, nodeEnv(node, extraEnv));
  return Number(process.hrtime.bigint() - started) / 1e9;
}
