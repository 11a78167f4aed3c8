// Shared by the datasource tests: a validate_data policy that runs a Lua
// snippet under runAsync (so msys.db and client:do_request may suspend) and
// hands back what it returned, JSON-encoded through the message context.
import { dataPolicy, eml } from '../helpers/lua-policy.js';
import type { PolicyOptions } from '../../src/index.js';

export interface LuaRun {
  out: unknown;
  errors: string[];
}

/** Runs body (a Lua function body ending in `return value`) and decodes the value. */
export async function runLua(body: string, opts: Partial<PolicyOptions> = {}, sync = false): Promise<LuaRun> {
  const p = dataPolicy(
    `local out = (function()
${body}
end)()
vctx:set(msys.core.VCTX_MESS, "out", json.encode({ value = out }))`,
    opts,
  );
  try {
    const input = { message: eml(['Subject: x']) };
    const v = sync ? p.run('data', input) : await p.runAsync('data', input);
    const text = v.context.mess.out;
    return { out: text === undefined ? undefined : (JSON.parse(text) as { value?: unknown }).value, errors: v.errors.map((e) => e.message) };
  } finally {
    p.close();
  }
}
