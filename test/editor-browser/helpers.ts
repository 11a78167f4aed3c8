// Shared by the browser tests: Debian's Chromium (skipped, naming the
// package, where it is missing; failing under CI=true), the compiled package
// (dist/, the editor's bundle included) and `scriptlet serve` run from it as a
// real process with an SMTP listener and the editor's admin listener.

import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCompiled } from '../helpers/compiled.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Debian's Chromium; SCRIPTLET_CHROMIUM names another build (or a missing one, to see the skip). */
export const CHROMIUM = process.env.SCRIPTLET_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(REPO, 'docs', 'images');

/** Why the browser tests cannot run here, or undefined; under CI=true a missing browser is an error. */
export function chromiumMissing(): string | undefined {
  if (fs.existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} is not installed (Debian package chromium; scripts/install-test-tools.sh installs it)`;
  if (process.env.CI === 'true') throw new Error(reason);
  return reason;
}

/** The newest modification time under `dir`. */
function newest(dir: string): number {
  return Math.max(...fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => fs.statSync(path.join(e.parentPath, e.name)).mtimeMs));
}

/** dist/ as `npm run build:ts` leaves it, rebuilt first when the sources are newer. */
export function ensureBuilt(): void {
  ensureCompiled();
  const bundle = path.join(REPO, 'dist', 'editor', 'editor.js');
  if (fs.existsSync(bundle) && fs.statSync(bundle).mtimeMs >= newest(path.join(REPO, 'editor-ui'))) return;
  const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'build-editor.mjs')], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, `scripts/build-editor.mjs failed:\n${r.stdout}${r.stderr}`);
}

export interface EditorServer {
  child: ChildProcessWithoutNullStreams;
  smtpPort: number;
  /** The editor's page, e.g. http://127.0.0.1:PORT/ */
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/** `scriptlet serve <dir>/ecelerity.conf` from dist/, once it printed its SMTP and admin addresses. */
export async function startServe(dir: string): Promise<EditorServer> {
  const args = [path.join(REPO, 'dist', 'src', 'cli', 'main.js'), 'serve', path.join(dir, 'ecelerity.conf')];
  if (process.env.SCRIPTLET_ENGINE) args.push('--engine', process.env.SCRIPTLET_ENGINE);
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const ready = await new Promise<{ smtp: number; url: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`scriptlet serve did not start in 20 s:\n${out}`)), 20_000);
    const look = () => {
      const smtp = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      const url = /^editor (http:\/\/\S+)$/m.exec(out);
      if (!smtp || !url) return;
      clearTimeout(timer);
      child.stdout.off('data', look);
      resolve({ smtp: Number(smtp[1]), url: url[1]! });
    };
    child.stdout.on('data', look);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`scriptlet serve exited before serving:\n${out}`));
    });
  });
  return {
    child,
    smtpPort: ready.smtp,
    url: ready.url,
    output: () => out,
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      child.kill('SIGKILL');
    },
  };
}
