// The test pane: the unsaved rules run on one message with the real engine,
// as `scriptlet run` runs a policy (every phase in SMTP order, the
// configuration's other modules in their places, the policyeditor module
// replaced by the rules under test). The rules are generated with a trace
// print where each rule's THEN starts, which tells which rules fired.

import { policyOptionsFromConfig } from '../engine/from-config.js';
import { openPolicy } from '../engine/policy.js';
import { PHASES } from '../engine/phases.js';
import { runTransactionAsync } from '../engine/transaction.js';
import { loadAddon, type EngineName } from '../native/addon.js';
import type { ScriptletConfig } from '../config/scriptlet-config.js';
import { PHASE_INFO } from './catalog-phases.js';
import { STANZA_NAME } from './config-stanza.js';
import { FIRED_PREFIX, generateLua } from './generate.js';
import type { RulesDocument } from './rules.js';

export interface TestEnvelope {
  mailfrom: string;
  rcptto: string[];
  clientIp: string;
  ehlo: string;
}

export interface PhaseOutcome {
  phase: string;
  verdict: { code?: number; text?: string; disposition: 'continue' | 'accept' | 'reject' | 'tempfail' | 'discard' | 'disconnect' | 'not run' };
  fired: string[];
}

export interface TestResult {
  phases: PhaseOutcome[];
  headers: { added: [string, string][]; removed: string[] };
  logs: string[];
  /** Script errors (module, callout, message): a rule that raised. */
  errors: { module: string; callout: string; message: string }[];
  /** The final answer to the client. */
  disposition: { code: number; text: string; phase: string | null };
}

const key = (h: [string, string]) => `${h[0].toLowerCase()}\0${h[1]}`;

/** Header fields in `after` and not in `before` (added or changed), and names whose fields were all removed or changed. */
function headerChanges(before: [string, string][], after: [string, string][]): TestResult['headers'] {
  const left = new Map<string, number>();
  for (const h of before) left.set(key(h), (left.get(key(h)) ?? 0) + 1);
  const added: [string, string][] = [];
  for (const h of after) {
    const n = left.get(key(h)) ?? 0;
    if (n > 0) left.set(key(h), n - 1);
    else added.push(h);
  }
  const removed = new Set<string>();
  for (const h of before) if ((left.get(key(h)) ?? 0) > 0) removed.add(h[0]);
  return { added, removed: [...removed] };
}

function dispositionOf(code: number, d: { disconnect?: boolean; discard?: boolean }): PhaseOutcome['verdict']['disposition'] {
  if (d.disconnect) return 'disconnect';
  if (d.discard) return 'discard';
  if (code >= 500) return 'reject';
  if (code >= 400) return 'tempfail';
  return 'accept';
}

/** Runs the unsaved rules on a message as a real transaction: DNS lookups, msys.sleep and msys.db wait as they would in serve. */
export async function testRules(doc: RulesDocument, message: Buffer, envelope: TestEnvelope, config: ScriptletConfig, engine?: EngineName): Promise<TestResult> {
  const { lua } = generateLua(doc, { trace: true });
  const scripts = config.scripts.filter((s) => s.name.toLowerCase() !== STANZA_NAME).map((s) => ({ name: s.name, path: s.path }));
  const policy = openPolicy({ ...policyOptionsFromConfig(config), scripts: [...scripts, { name: STANZA_NAME, source: lua }], ...(engine ? { engine } : {}) });
  try {
    const r = await runTransactionAsync(policy, { message, mailfrom: envelope.mailfrom, rcptto: envelope.rcptto, helo: envelope.ehlo, remoteAddr: envelope.clientIp });
    const addon = loadAddon(policy.engine);
    const fired = new Map<string, string[]>();
    const logs: string[] = [];
    for (const l of r.logs) {
      if (l.module === STANZA_NAME && l.text.startsWith(FIRED_PREFIX)) {
        const list = fired.get(l.phase) ?? [];
        const id = l.text.slice(FIRED_PREFIX.length);
        if (!list.includes(id)) list.push(id);
        fired.set(l.phase, list);
      } else {
        logs.push(`${l.phase} ${l.module}: ${l.text}`);
      }
    }
    const stoppedAt = r.disposition.phase ? PHASES.indexOf(r.disposition.phase) : Infinity;
    const phases = PHASE_INFO.filter((p) => (doc.phases[p.id]?.length ?? 0) > 0).map((p): PhaseOutcome => {
      const at = PHASES.indexOf(p.enginePhase as (typeof PHASES)[number]);
      const ended = r.disposition.phase === p.enginePhase && r.disposition.code >= 400;
      const verdict: PhaseOutcome['verdict'] = ended || (r.disposition.phase === p.enginePhase && (r.disposition.discard || r.disposition.disconnect))
        ? { code: r.disposition.code, text: r.disposition.text, disposition: dispositionOf(r.disposition.code, r.disposition) }
        : { disposition: at > stoppedAt && r.disposition.code >= 400 ? 'not run' : 'continue' };
      return { phase: p.id, verdict, fired: fired.get(p.enginePhase) ?? [] };
    });
    return {
      phases,
      headers: headerChanges(addon.parseHeaders(message), addon.parseHeaders(r.message)),
      logs,
      errors: r.errors.map((e) => ({ module: e.module, callout: e.callout, message: e.message })),
      disposition: { code: r.disposition.code, text: r.disposition.text, phase: r.disposition.phase },
    };
  } finally {
    policy.close();
  }
}
