// Small builders shared by the engine tests: a policy from inline Lua, a
// validate_data policy from a snippet, a message from header lines, and the
// repeat_each habit (run a behaviour twice on the same state).
import { openPolicy, type Policy, type PolicyOptions } from '../../src/index.js';

/** A one-module policy named "t" from Lua source; the engine is SCRIPTLET_ENGINE's. */
export function policyFrom(source: string, opts: Partial<PolicyOptions> = {}): Policy {
  return openPolicy({ ...opts, scripts: [{ name: 't', source }] });
}

/** A policy whose validate_data(msg, accept, vctx) runs body, then returns VALIDATE_CONT. */
export function dataPolicy(body: string, opts: Partial<PolicyOptions> = {}): Policy {
  return policyFrom(
    `local mod = {}
function mod:validate_data(msg, accept, vctx)
${body}
return msys.core.VALIDATE_CONT
end
msys.registerModule("t", mod)`,
    opts,
  );
}

/**
 * A policy whose init runs defines (msys.cidr.define, say) and whose
 * validate_data sets mess "r" to tostring of what body returns.
 */
export function initAndResultPolicy(defines: string, body: string, opts: Partial<PolicyOptions> = {}): Policy {
  return policyFrom(
    `local mod = {}
function mod:init()
${defines}
return true
end
function mod:validate_data(msg, accept, vctx)
local r = (function() ${body} end)()
vctx:set(msys.core.VCTX_MESS, "r", tostring(r))
return msys.core.VALIDATE_CONT
end
msys.registerModule("t", mod)`,
    opts,
  );
}

/** A message, UTF-8: the header lines, a blank line, the body; lines end with eol. */
export function eml(headers: string[], body = 'body\r\n', eol = '\r\n'): Buffer {
  return Buffer.from(headers.map((h) => h + eol).join('') + eol + body, 'utf8');
}

/** Runs fn twice: state must not leak from one message to the next. */
export function twice(fn: (round: number) => void): void {
  fn(0);
  fn(1);
}
