// The floor in the correctness gate: bench/floor runs the policy once on the
// message (given on stdin) and prints what it left, which must be what every
// other contender leaves. Its timings are taken by run.ts with the core's.

import type { EngineName } from '../../src/index.js';
import { policyFile, usesPcre, type PolicyName } from './contenders.js';
import type { Checked } from './gate.js';
import type { Outcome } from './js-policies.js';
import { nativeName, runNative, type NativeRun } from './native.js';

type FloorRun = NativeRun & Outcome;

export function floorChecked(engine: EngineName): Checked {
  return {
    name: nativeName('floor', engine),
    supports: (policy) => !usesPcre(policy),  // bare Lua has no msys.pcre
    open: async (policy: PolicyName) => ({
      outcome: async (m) => {
        const { code, text, action, mess } = runNative('floor', engine, policyFile(policy), policy, '-', 0, m.raw) as FloorRun;
        return { code, text, action, mess };
      },
      close: async () => {},
    }),
  };
}
