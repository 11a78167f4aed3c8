// The correctness gate: every contender must leave the same outcome (reply,
// action, message context) on every workload, or its timings mean nothing.
// Run by the suite before it times anything, and by test/bench/ in npm test.

import type { Outcome } from './js-policies.js';
import { messageOf, type Message, type OpenContender, type PolicyName } from './contenders.js';
import { generateMessage, type SizeName } from './messages.js';

/** The outcome as one comparable string (context keys sorted). */
export function describe(o: Outcome): string {
  const mess = Object.fromEntries(Object.entries(o.mess).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify({ code: o.code, text: o.text, action: o.action, mess });
}

/** What the gate needs of a contender: its outcome on a message (the floor has only this). */
export interface Checked {
  name: string;
  /** Whether it can run the policy (absent: every policy); those that cannot are left out. */
  supports?(policy: PolicyName): boolean;
  open(policy: PolicyName): Promise<Pick<OpenContender, 'outcome' | 'close'>>;
}

/** Each disagreement with the first contender, as one line; none when all agree. */
export async function disagreements(contenders: Checked[], policies: readonly PolicyName[], sizes: readonly SizeName[]): Promise<string[]> {
  const messages = new Map<SizeName, Message>(sizes.map((s) => [s, messageOf(generateMessage(s))]));
  const problems: string[] = [];
  for (const policy of policies) {
    const expected = new Map<SizeName, string>();
    const able = contenders.filter((c) => c.supports?.(policy) ?? true);
    for (const c of able) {
      const open = await c.open(policy);
      try {
        for (const size of sizes) {
          const got = describe(await open.outcome(messages.get(size)!));
          const want = expected.get(size);
          if (want === undefined) expected.set(size, got);
          else if (got !== want) problems.push(`${policy} on ${size}: ${c.name} gives ${got}, ${able[0]!.name} gives ${want}`);
        }
      } finally {
        await open.close();
      }
    }
  }
  return problems;
}
