// What `scriptlet run` prints for one message: the JSON verdict on stdout,
// and on stderr one `file:line: message (module, callout, message file)`
// line per callout that failed, so that a script error is seen without
// reading the JSON.

import type { ScriptError } from '../engine/errors.js';
import type { TransactionResult } from '../engine/transaction.js';
import { displayPath } from './io.js';

/** The JSON object of one message, as one line. */
export function formatRunJson(file: string, r: TransactionResult, headers: [string, string][]): string {
  const out = {
    file,
    disposition: r.disposition,
    mailfrom: r.mailfrom,
    rcptto: r.rcptto,
    headers,
    context: r.context,
    errors: r.errors.map((e) => ({ module: e.module, callout: e.callout, message: e.message, location: e.location })),
    logs: r.logs,
    version: r.version,
    // Only when set_binding chose one, so that reports of policies without bindings stay as they were.
    ...(Object.keys(r.bindings).length > 0 ? { bindings: r.bindings } : {}),
    ...(Object.keys(r.routingDomains).length > 0 ? { routingDomains: r.routingDomains } : {}),
  };
  return `${JSON.stringify(out)}\n`;
}

/** One line per script error: `policy.lua:3: broken (module 'policy', callout 'validate_data', message a.eml)`. */
export function formatScriptErrors(file: string, errors: readonly ScriptError[], cwd: string): string {
  return errors.map((e) => `${where(e, cwd)}${withoutLocation(e)} (module '${e.module}', callout '${e.callout}', message ${file})\n`).join('');
}

/** "source:line: ", "source: " or "", with the source relative to cwd when below it. */
function where(e: ScriptError, cwd: string): string {
  if (e.location === '') return '';
  const m = /^(.*):([0-9]+)$/.exec(e.location);
  return m ? `${displayPath(m[1]!, cwd)}:${m[2]}: ` : `${displayPath(e.location, cwd)}: `;
}

/** Lua puts "source:line: " in front of a message raised with error("..."); it is said once. */
function withoutLocation(e: ScriptError): string {
  return e.location !== '' && e.message.startsWith(`${e.location}: `) ? e.message.slice(e.location.length + 2) : e.message;
}
