// The real engine, for what the editor must not guess: whether a pattern is
// valid PCRE (the engine's own PCRE2, as msys.pcre.match compiles it), and
// whether a generated script loads (compiled, registered, init() run) with
// the configuration's search path, bindings and sandbox.

import { policyOptionsFromConfig } from '../engine/from-config.js';
import { openPolicy, type Policy } from '../engine/policy.js';
import type { ScriptletConfig } from '../config/scriptlet-config.js';
import type { EngineName } from '../native/addon.js';
import { functionInfo } from './catalog.js';
import { allStatements, RulesError, type RulesDocument } from './rules.js';

const REGEX_PROBE = `local mod = {}
function mod:validate_data(msg, accept, vctx)
  local M = msys.core.VCTX_MESS
  local ok, m, err = pcall(msys.pcre.match, "", vctx:get(M, "pattern"))
  if not ok then err = m end
  vctx:set(M, "error", err and tostring(err) or "")
  return msys.core.VALIDATE_CONT
end
msys.registerModule("regex_probe", mod)`;

export type RegexCheck = { ok: true } | { ok: false; error: string; offset: number };

export class EngineCheck {
  #probe: Policy | undefined;
  constructor(private readonly engine?: EngineName) {}

  /** Compiles pattern with the engine's PCRE. */
  checkRegex(pattern: string): RegexCheck {
    this.#probe ??= openPolicy({ scripts: [{ name: 'regex_probe', source: REGEX_PROBE }], ...(this.engine ? { engine: this.engine } : {}) });
    const v = this.#probe.run('data', { message: Buffer.from('Subject: probe\r\n\r\n'), context: { mess: { pattern } } });
    const error = v.context.mess.error ?? '';
    if (error === '') return { ok: true };
    // The engine's message: "at offset N: what" (N in bytes of the pattern).
    const m = /^at offset ([0-9]+): (.*)$/s.exec(error.replace(/^[^:]*:\d+: /, ''));
    return m ? { ok: false, error: m[2] as string, offset: Number(m[1]) } : { ok: false, error, offset: 0 };
  }

  /** Every literal pattern of the rules (Matches values, regex arguments); a RulesError for the first bad one. */
  checkPatterns(doc: RulesDocument): void {
    for (const { statement } of allStatements(doc)) {
      if (statement.type !== 'if') continue;
      statement.conditions.forEach((c, i) => {
        const patterns: string[] = [];
        if (c.operator === 'matches' || c.operator === 'not_matches') patterns.push(c.value);
        for (const a of functionInfo(c.fn)?.args ?? []) if (a.regex && c.args[a.name] !== undefined) patterns.push(c.args[a.name] as string);
        for (const p of patterns) {
          if (/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(p)) continue; // a variable: known only when the rule runs
          const r = this.checkRegex(p);
          if (!r.ok) throw new RulesError(`statement ${statement.id}, condition ${i + 1}: bad pattern ${JSON.stringify(p)}: ${r.error} at offset ${r.offset}`, statement.id);
        }
      });
    }
  }

  /** Loads lua as the policyeditor module with the configuration's options; throws the engine's LoadError. */
  checkLoads(lua: string, config: ScriptletConfig): void {
    const policy = openPolicy({ ...policyOptionsFromConfig(config), scripts: [{ name: 'policyeditor', source: lua }], ...(this.engine ? { engine: this.engine } : {}) });
    policy.close();
  }

  close(): void {
    this.#probe?.close();
    this.#probe = undefined;
  }
}
