// Temporary configuration trees for tests, removed when the test ends.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';

/** Writes `files` (relative path -> content) into a fresh directory. */
export function tempTree(t: TestContext, files: Record<string, string> = {}): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-config-')));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

/** Runs `fn`, expects a ConfigError and returns its problems as `file:line:col: message` with `dir/` removed. */
export function problemsOf(fn: () => unknown, dir = ''): string[] {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.code, 'ERR_SCRIPTLET_CONFIG');
  return caught.problems.map((p) => relativeTo(dir, `${p.file}:${p.line}:${p.col}: ${p.message}`));
}

/** `text` with `dir/` removed and any remaining `dir` written as `.`. */
export function relativeTo(dir: string, text: string): string {
  if (dir === '') return text;
  return text.split(`${dir}${path.sep}`).join('').split(dir).join('.');
}

/** A minimal valid configuration around `body`, the scriptlet scope's content. */
export function scriptletConf(body: string): string {
  return `alerting { }\nscriptlet "scriptlet" {\n${body}\n}\n`;
}
