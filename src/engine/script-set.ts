// A set of scripts as one version of a policy: names, paths and the source
// text read once, with a hash of it all. A pool sends the text itself to
// its workers, so every call of a version runs the very same scripts even
// if a file changes on disk meanwhile.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoadError, UsageError } from './errors.js';

/** A script stanza: module NAME from a file, or from source text. */
export type ScriptSpec = { name: string; path: string; source?: string } | { name: string; source: string; path?: string };

export interface LoadedScript {
  name: string;
  /** Absolute path, or "=NAME" for a script given as text. */
  path: string;
  source: string;
}

/** Checks the specs and reads every file now. */
export function readScripts(specs: unknown): LoadedScript[] {
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new UsageError('options.scripts must be a non-empty array of { name, path } or { name, source }');
  }
  const seen = new Set<string>();
  return specs.map((spec: Partial<ScriptSpec>, i) => {
    const where = `options.scripts[${i}]`;
    if (typeof spec?.name !== 'string' || spec.name === '') throw new UsageError(`${where}.name must be a non-empty string`);
    if (seen.has(spec.name)) throw new UsageError(`${where}.name '${spec.name}' is used twice`);
    seen.add(spec.name);
    if (typeof spec.source === 'string') {
      return { name: spec.name, path: spec.path === undefined ? `=${spec.name}` : path.resolve(spec.path), source: spec.source };
    }
    if (typeof spec.path !== 'string') throw new UsageError(`${where} needs a path or a source`);
    try {
      return { name: spec.name, path: path.resolve(spec.path), source: fs.readFileSync(spec.path, 'utf8') };
    } catch (err) {
      throw new LoadError({ script: spec.name, message: `cannot read ${spec.path}: ${(err as Error).message}`, location: '', traceback: '' });
    }
  });
}

/** The version of a set of scripts: a hash of their names and sources. */
export function scriptsVersion(scripts: { name: string; source: string }[]): string {
  const hash = createHash('sha256');
  for (const s of scripts) hash.update(s.name).update('\0').update(s.source).update('\0');
  return hash.digest('hex').slice(0, 16);
}

