// The EHLO reply of `scriptlet serve` with the policy's capability changes
// (ac:esmtp_capability_add / _remove). smtp-server has no EHLO hook and
// builds the keyword lines itself, so the EHLO handler of each connection
// is wrapped: smtp-server checks the command and makes its reply as usual,
// the reply is held while the ehlo phase runs, then sent with the changes.

import type { CapabilityEdit } from '../engine/verdict.js';

/** The keyword of an EHLO line ("SIZE 1000" -> "SIZE"), upper-cased. */
function keyword(line: string): string {
  const space = line.indexOf(' ');
  return (space === -1 ? line : line.slice(0, space)).toUpperCase();
}

/**
 * The EHLO keyword lines after the policy's changes, in order: an add
 * replaces a line with the same keyword (so "SIZE 1000" resets the limit
 * shown) or joins the end; a remove drops the keyword's line.
 */
export function applyCapabilityEdits(lines: readonly string[], edits: readonly CapabilityEdit[]): string[] {
  const out = [...lines];
  for (const e of edits) {
    const k = keyword(e.capability);
    const at = out.findIndex((l) => keyword(l) === k);
    if (e.op === 'remove') {
      if (at !== -1) out.splice(at, 1);
    } else if (at !== -1) {
      out[at] = e.capability;
    } else {
      out.push(e.capability);
    }
  }
  return out;
}

/** What smtp-server's connection objects offer for this (not in its public types). */
interface EhloConnection {
  send(code: number, data: string | string[], ...rest: unknown[]): void;
  hostNameAppearsAs?: string;
  handler_EHLO?(command: Buffer, callback: () => void): void;
}

/**
 * Wraps the connection's EHLO handler: once smtp-server accepted the
 * command, onEhlo(name) runs (the ehlo phase) and gives the changes to make
 * to the keyword lines. A failure of onEhlo sends the reply unchanged.
 */
export function interceptEhlo(connection: object, onEhlo: (helo: string) => Promise<readonly CapabilityEdit[]>): void {
  const c = connection as EhloConnection;
  const original = c.handler_EHLO;
  if (typeof original !== 'function') throw new Error('smtp-server has no EHLO handler to wrap (its internals changed)');
  c.handler_EHLO = (command, callback) => {
    const send = c.send;
    let held: unknown[] | undefined;
    c.send = (...args: unknown[]) => {
      held = args;
    };
    try {
      original.call(c, command, () => undefined);
    } finally {
      c.send = send;
    }
    const reply = held;
    if (!reply) return callback();
    const [code, lines, ...rest] = reply as [number, string | string[], ...unknown[]];
    if (code !== 250 || !Array.isArray(lines)) {
      send.call(c, code, lines, ...rest);
      return callback();
    }
    const [greeting, ...keywords] = lines;
    onEhlo(c.hostNameAppearsAs ?? '').then(
      (edits) => send.call(c, 250, [greeting!, ...applyCapabilityEdits(keywords, edits)], ...rest),
      () => send.call(c, code, lines, ...rest),
    )
      .catch(() => undefined) // the connection closed meanwhile: nothing to answer
      .finally(callback);
  };
}
