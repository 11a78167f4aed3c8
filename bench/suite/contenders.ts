// Everything the suite times, behind one shape: a contender opens a policy
// once, then gives, per message, the operation benchmark.js repeats (and how
// many messages one operation handles) and the outcome it gives, which the
// correctness gate compares before any timing is trusted.

import * as fs from 'node:fs';
import { openPolicy, type CallInput, type EngineName, type Verdict } from '../../src/index.js';
import { openEngine, type PoolVerdict } from '../../src/pool/index.js';
import type { Outcome } from './js-policies.js';
import { openFengari, openPlainJs, openWasmoon, type MessageRunner } from './peer-vms.js';

export const POLICIES = ['trivial', 'reference', 'heavy', 'heavy-pcre'] as const;
export type PolicyName = (typeof POLICIES)[number];
export const policyFile = (p: PolicyName) => `bench/policies/${p.replace('-', '_')}.lua`;
/**
 * The policies that call msys.pcre or msg:body_match: only scriptlet (its
 * rows and its core) and the plain-JS twin run them; the floor and the Lua
 * peers have no PCRE.
 */
export const usesPcre = (p: PolicyName) => p === 'heavy-pcre';

/** Calls per crossing for the batched and pool contenders. */
export const BATCH = 64;
const TASKS_PER_WORKER = 2;

/** One message, as each contender takes it: BATCH copies of its bytes, as an MTA holds one Buffer per message. */
export interface Message {
  raw: Buffer;
  inputs: CallInput[];
}

export function messageOf(raw: Buffer): Message {
  const inputs = Array.from({ length: BATCH }, () => ({ message: Buffer.from(raw), mailfrom: 'alice@example.net', rcptto: ['bob@example.com'], remoteAddr: '192.0.2.7' }));
  return { raw, inputs };
}

export interface Operation {
  messages: number;
  async: boolean;
  fn: () => void | Promise<void>;
}

export interface OpenContender {
  operation(m: Message): Operation;
  outcome(m: Message): Promise<Outcome>;
  close(): Promise<void>;
}

export interface Contender {
  name: string;
  /** Whose core and floor its ratios are taken against; the peers are measured against LuaJIT's. */
  baseline: EngineName;
  /** A peer (not scriptlet): the ratios of the others are taken to each of these. */
  peer?: boolean;
  /** Whether it can run the policy (absent: every policy). */
  supports?(policy: PolicyName): boolean;
  open(policy: PolicyName): Promise<OpenContender>;
}

export function outcomeOf(v: Verdict | PoolVerdict): Outcome {
  return { code: v.disposition?.code ?? null, text: v.disposition?.text ?? null, action: v.action, mess: { ...v.context.mess } };
}

const ENGINE_LABEL: Record<EngineName, string> = { luajit: 'LuaJIT', lua51: 'Lua 5.1' };

function inThread(engine: EngineName, batched: boolean): Contender {
  return {
    name: `scriptlet ${ENGINE_LABEL[engine]}, in-thread, ${batched ? `batched (${BATCH})` : 'single'}`,
    baseline: engine,
    async open(policy) {
      const p = openPolicy({ engine, scripts: [{ name: policy, path: policyFile(policy) }] });
      return {
        operation: (m) =>
          batched
            ? { messages: BATCH, async: false, fn: () => void p.runBatch('data', m.inputs) }
            : { messages: 1, async: false, fn: () => void p.run('data', m.inputs[0]!) },
        outcome: async (m) => outcomeOf(p.run('data', m.inputs[0]!)),
        close: async () => p.close(),
      };
    },
  };
}

function pool(engine: EngineName, threads: number): Contender {
  return {
    name: `scriptlet ${ENGINE_LABEL[engine]}, pool, ${threads} thread${threads > 1 ? 's' : ''}`,
    baseline: engine,
    async open(policy) {
      const e = openEngine({ engine, threads, maxBatch: BATCH, tasksPerWorker: TASKS_PER_WORKER, scripts: [{ name: policy, path: policyFile(policy) }], log: () => {} });
      await e.ready();
      return {
        operation: (m) => {
          // Enough batches in flight to keep every worker busy, and (but for
          // large messages, where one operation would take seconds) two
          // rounds of them, so that draining at the end costs little.
          const big = m.raw.length >= 100_000;
          const lanes = threads * TASKS_PER_WORKER * (big ? 1 : 2);
          const rounds = big ? 1 : 2;
          const lane = async () => {
            for (let r = 0; r < rounds; r++) await e.runBatch('data', m.inputs);
          };
          return { messages: lanes * rounds * BATCH, async: true, fn: async () => void (await Promise.all(Array.from({ length: lanes }, lane))) };
        },
        outcome: async (m) => outcomeOf(await e.run('data', m.inputs[0]!)),
        close: () => e.close(),
      };
    },
  };
}

/** pcre: it runs the policies that use msys.pcre too (the plain-JS twins do, with V8 RegExp). */
function messageAtATime(name: string, open: (policy: PolicyName, source: string) => Promise<MessageRunner> | MessageRunner, pcre = false): Contender {
  return {
    name,
    baseline: 'luajit',
    peer: true,
    supports: (policy) => pcre || !usesPcre(policy),
    async open(policy) {
      const runner = await open(policy, fs.readFileSync(policyFile(policy), 'utf8'));
      return {
        operation: (m) => ({ messages: 1, async: false, fn: () => runner.run(m.raw) }),
        outcome: async (m) => {
          runner.run(m.raw);
          return runner.outcome();
        },
        close: async () => runner.close(),
      };
    },
  };
}

export const WASMOON = 'wasmoon (Lua 5.4, wasm)';
export const FENGARI = 'fengari (Lua 5.3, JS)';
export const PLAIN_JS = 'plain JS';
export const LUAJIT_BATCHED = inThread('luajit', true).name;

/** Every contender, in the order of the table. */
export function allContenders(engines: EngineName[] = ['luajit', 'lua51'], withPool = true): Contender[] {
  return [
    ...engines.flatMap((e) => [inThread(e, false), inThread(e, true), ...(withPool ? [pool(e, 1), pool(e, 2)] : [])]),
    messageAtATime(WASMOON, (_, source) => openWasmoon(source)),
    messageAtATime(FENGARI, (_, source) => openFengari(source)),
    messageAtATime(PLAIN_JS, (policy) => openPlainJs(policy), true),
  ];
}
