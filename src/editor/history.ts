// The numbered revisions of the policy: one JSON file per save in
// policyeditor.history/ beside the script (who, when, the rules and the
// Lua), so that any revision can be shown as a diff against the one before
// and rolled back to. Replaces Momentum's eccfg commit for these scripts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalJson, EDITOR_PHASES, type RulesDocument } from './rules.js';
import { unifiedDiff } from './unified-diff.js';

export interface Revision {
  revision: number;
  author: string;
  /** ISO 8601. */
  time: string;
  /** What happened: "save" or "rollback to revision n", and what the rules hold. */
  summary: string;
  rules: RulesDocument;
  lua: string;
}

const FILE = /^([0-9]{6})\.json$/;

function countRules(doc: RulesDocument): string {
  const parts = EDITOR_PHASES.filter((p) => (doc.phases[p]?.length ?? 0) > 0).map((p) => `${doc.phases[p]?.length} in ${p}`);
  return parts.length === 0 ? 'no rules' : `rules: ${parts.join(', ')}`;
}

export class History {
  constructor(readonly dir: string) {}

  #numbers(): number[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.flatMap((n) => {
      const m = FILE.exec(n);
      return m ? [Number(m[1])] : [];
    }).sort((a, b) => a - b);
  }

  /** The newest revision number; 0 when nothing was saved. */
  latest(): number {
    return this.#numbers().at(-1) ?? 0;
  }

  get(n: number): Revision | undefined {
    if (!Number.isSafeInteger(n) || n < 1) return undefined;
    try {
      return JSON.parse(fs.readFileSync(path.join(this.dir, `${String(n).padStart(6, '0')}.json`), 'utf8')) as Revision;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Writes the revision; its number must be new ('wx': two writers cannot both take it). */
  add(r: Revision): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const summary = `${r.summary} (${countRules(r.rules)})`;
    fs.writeFileSync(path.join(this.dir, `${String(r.revision).padStart(6, '0')}.json`), `${JSON.stringify({ ...r, summary }, null, 2)}\n`, { flag: 'wx' });
  }

  /** Newest first, without the rules and Lua. */
  list(): { revision: number; author: string; time: string; summary: string }[] {
    return this.#numbers().reverse().map((n) => {
      const r = this.get(n) as Revision;
      return { revision: r.revision, author: r.author, time: r.time, summary: r.summary };
    });
  }

  /** Revision n with the diffs of its rules and Lua against revision n-1 (nothing before the first). */
  withDiffs(n: number): (Revision & { rulesDiff: string; luaDiff: string }) | undefined {
    const r = this.get(n);
    if (!r) return undefined;
    const prev = this.get(n - 1);
    const prevRules = prev ? canonicalJson(prev.rules) : '';
    return {
      ...r,
      rulesDiff: unifiedDiff(prevRules, canonicalJson(r.rules), `policyeditor.json@${n - 1}`, `policyeditor.json@${n}`),
      luaDiff: unifiedDiff(prev?.lua ?? '', r.lua, `policyeditor.lua@${n - 1}`, `policyeditor.lua@${n}`),
    };
  }
}
