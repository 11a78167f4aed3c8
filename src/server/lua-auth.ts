// A msys.registerAuth scheme checking SMTP AUTH: the engine's `auth` phase,
// which calls the scheme's authenticate(filename, paramsdict, username,
// password) in a Lua state of the pool, like any callout (same guard rails,
// same workers). The scheme, user and password travel in the call's
// connection context under `auth.*` keys, in a context of their own: the
// session's is not passed, and nothing of the call is kept.

import type { Phase } from '../engine/phases.js';
import type { CallInput } from '../engine/verdict.js';
import type { PoolVerdict } from '../pool/index.js';
import type { AuthResult, LuaAuth } from './smtp-auth.js';

/** The codes the native auth phase answers with (native/lua_auth.cpp). */
export const AUTH_OK_CODE = 235;
export const AUTH_FAIL_CODE = 535;

export function luaAuth(engine: { run: (phase: Phase, input: CallInput) => Promise<PoolVerdict> }, log: (line: string) => void): LuaAuth {
  return async (scheme: string, user: string, password: string): Promise<AuthResult> => {
    const v = await engine.run('auth', { context: { conn: { 'auth.scheme': scheme, 'auth.user': user, 'auth.password': password } } });
    for (const e of v.errors) log(`auth scheme ${scheme}: ${e.module}: ${e.message}${e.location ? ` (${e.location})` : ''}`);
    for (const l of v.logs) log(`auth scheme ${scheme}: [${l.module}] ${l.text}`);
    const code = v.disposition?.code;
    if (!v.tempfailed && code === AUTH_OK_CODE) return 'ok';
    if (!v.tempfailed && code === AUTH_FAIL_CODE) return 'fail';
    return 'error';
  };
}
