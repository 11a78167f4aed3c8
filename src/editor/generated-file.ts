// How a generated policyeditor.lua is told from a hand-written or
// hand-edited one: its first line holds the SHA-256 of the rules JSON it was
// made from and of the Lua after that line.
//
//   -- policyeditor rules-sha256=<64 hex> lua-sha256=<64 hex>

import { createHash } from 'node:crypto';

const HEADER = /^-- policyeditor rules-sha256=([0-9a-f]{64}) lua-sha256=([0-9a-f]{64})$/;

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function formatHeader(rulesJson: string, body: string): string {
  return `-- policyeditor rules-sha256=${sha256(rulesJson)} lua-sha256=${sha256(body)}`;
}

export type GeneratedState =
  | { kind: 'generated' }
  | { kind: 'hand-written' }
  | { kind: 'edited'; reason: string };

/**
 * What the script on disk is: generated and untouched; hand-written (no
 * header: the editor will not open it); or a generated file edited by hand
 * (its Lua, or the rules JSON beside it, no longer matches the header).
 * rulesJson undefined: the JSON file is missing.
 */
export function generatedState(lua: string, rulesJson: string | undefined): GeneratedState {
  const newline = lua.indexOf('\n');
  const first = newline < 0 ? lua : lua.slice(0, newline);
  const m = HEADER.exec(first);
  if (!m) return { kind: 'hand-written' };
  if (sha256(lua.slice(newline + 1)) !== m[2]) return { kind: 'edited', reason: 'its Lua was edited by hand (the lua-sha256 of its first line does not match)' };
  if (rulesJson === undefined) return { kind: 'edited', reason: 'the rules file policyeditor.json beside it is missing' };
  if (sha256(rulesJson) !== m[1]) return { kind: 'edited', reason: 'policyeditor.json beside it was changed (the rules-sha256 of its first line does not match)' };
  return { kind: 'generated' };
}
