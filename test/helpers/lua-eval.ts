// Runs Lua snippets inside a real validate_data call and brings back what
// they return: one policy per engine, the snippet sent in the message
// context, so that a test file needs one state for many cases.
import { openPolicy, type Policy, type PolicyOptions } from '../../src/index.js';
import { eml } from './lua-policy.js';

const EVALUATOR = `local mod = {}
function mod:validate_data(msg, accept, vctx)
  local M = msys.core.VCTX_MESS
  local f, err = loadstring(vctx:get(M, "code"), "=snippet")
  if not f then error(err) end
  local ok, r = pcall(f, msg, vctx, accept)
  vctx:set(M, "ok", tostring(ok))
  vctx:set(M, "result", type(r) == "string" and r or tostring(r))
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", mod)`;

export interface Evaluator {
  /** What the snippet returns (a string, or tostring of it); throws with the Lua error if it raised. */
  value(code: string): string;
  /** The Lua error the snippet raised; throws if it did not. */
  error(code: string): string;
  close(): void;
}

/** Snippets see msg, vctx, accept as `...`; the message has headers (default: one Subject). */
export function evaluator(opts: Partial<PolicyOptions> = {}, headers = ['Subject: eval']): Evaluator {
  const policy: Policy = openPolicy({ ...opts, scripts: [{ name: 't', source: EVALUATOR }] });
  const run = (code: string) => {
    const v = policy.run('data', { message: eml(headers), mailfrom: 'sender@example.org', rcptto: ['rcpt@example.net'], context: { mess: { code } } });
    if (v.errors.length > 0) throw new Error(v.errors.map((e) => e.message).join('; '));
    return { ok: v.context.mess.ok === 'true', result: v.context.mess.result ?? '' };
  };
  return {
    value(code) {
      const r = run(code);
      if (!r.ok) throw new Error(`the snippet raised: ${r.result}`);
      return r.result;
    },
    error(code) {
      const r = run(code);
      if (r.ok) throw new Error(`the snippet did not raise; it returned ${r.result}`);
      return r.result;
    },
    close: () => policy.close(),
  };
}
