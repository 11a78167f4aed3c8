// Calls for phases the policy has no callout for are not sent to the pool.
// A message runs up to 8 phases plus 4 a recipient (the core hooks
// included); a policy that defines three (the example does) would pay the
// pool's round trip for each of the others for nothing. scriptlet serve and
// the Haraka plugin skip them the same way.
// Which phases are empty is learnt from the verdicts: a call that ran no
// callout, with no error and no temporary failure, means no module defines
// that phase in that version of the scripts. A new version (a reload, a
// script_ttl rebuild) starts the learning again.

import type { Phase } from '../engine/phases.js';
import type { CallInput } from '../engine/verdict.js';
import type { PoolVerdict } from '../pool/index.js';
import type { RunPhase } from '../server/policy-session.js';

const NONE: readonly never[] = Object.freeze([]);
const UNCHANGED = Object.freeze({ mailfrom: false, rcptto: false });

export interface EmptyPhases {
  run: RunPhase;
  /** The phases known empty in the scripts in force. */
  empty(): ReadonlySet<Phase>;
}

export function skippingEmptyPhases(engine: { run: RunPhase; readonly version: string }): EmptyPhases {
  let version = '';
  let empty = new Set<Phase>();
  const current = (): Set<Phase> => {
    if (engine.version !== version) {
      version = engine.version;
      empty = new Set();
    }
    return empty;
  };
  const run = async (phase: Phase, input: CallInput): Promise<PoolVerdict> => {
    if (current().has(phase)) return noCallout(phase, input, version);
    const v = await engine.run(phase, input);
    if (v.callouts === 0 && v.errors.length === 0 && !v.tempfailed && v.disposition === null && v.version === version) empty.add(phase);
    return v;
  };
  return { run, empty: current };
}

/** The verdict of a phase no module defines: nothing set, nothing changed. */
function noCallout(phase: Phase, input: CallInput, version: string): PoolVerdict {
  return {
    phase,
    disposition: null,
    action: 'continue',
    tempfailed: false,
    headerEdits: NONE,
    message: undefined,
    replacedMessage: undefined,
    mailfrom: input.mailfrom,
    rcptto: input.rcptto,
    envelopeChanged: UNCHANGED,
    context: { conn: input.context?.conn ?? {}, mess: input.context?.mess ?? {} },
    errors: NONE,
    logs: NONE,
    injected: NONE,
    esmtpCapabilities: NONE,
    tarpit: 0,
    callouts: 0,
    version,
  };
}
