// The verdict the pool answers with: the fields of a Verdict, rebuilt as a
// plain object on the calling thread, and the temporary-failure verdict for a
// call the pool could not finish (its worker died, or shutdown's deadline
// came first).

import type { Phase } from '../engine/phases.js';
import type { Given, Verdict } from '../engine/verdict.js';

/** A Verdict's fields, as plain data: what engine.run resolves to. */
export type PoolVerdict = { readonly [K in keyof Verdict]: Verdict[K] };

/** The reply a client sees; the same as on_error = tempfail's (native/master_state.cpp). */
export const TEMPFAIL_CODE = 451;
export const TEMPFAIL_TEXT = '4.3.0 Temporary failure in policy, try again later';

/** Why the pool answered a call with a temporary failure. */
export type TempfailReason = 'worker' | 'deadline';

const NONE: readonly never[] = Object.freeze([]);
const UNCHANGED = Object.freeze({ mailfrom: false, rcptto: false });

/**
 * A 451 for a call that did not finish: nothing the call did is kept, so the
 * envelope and contexts are the input's, and the phase ends ('done').
 */
export function tempfailVerdict(phase: Phase, given: Given, version: string): PoolVerdict {
  return {
    phase,
    disposition: { code: TEMPFAIL_CODE, text: TEMPFAIL_TEXT, phase, disconnect: false, discard: false },
    action: 'done',
    tempfailed: true,
    headerEdits: NONE,
    message: undefined,
    replacedMessage: undefined,
    mailfrom: given.mailfrom,
    rcptto: given.rcptto,
    envelopeChanged: UNCHANGED,
    context: { conn: given.context?.conn ?? {}, mess: given.context?.mess ?? {} },
    errors: NONE,
    logs: NONE,
    injected: NONE,
    esmtpCapabilities: NONE,
    tarpit: 0,
    callouts: 0,
    version,
  };
}
