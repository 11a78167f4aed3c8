// The differential run: every message through the probe policy and through
// mailparser, and what agrees, per compared item: the decoded values of each
// header (msg:header) and the addresses of From and To (msg:address_header).
import type { Policy } from '../../src/index.js';
import type { CorpusMessage } from './load.js';
import { ADDRESS_HEADERS, HEADERS, engineView, mailparserView } from './views.js';

export interface Tally {
  /** Messages compared. */
  messages: number;
  /** Messages where the engine and mailparser agree (values compared as docs/corpus.md says). */
  agree: number;
  /** Messages where they see the same number of instances (addresses: of addresses). */
  sameCount: number;
  /** Header values only: messages that agree with mailparser's own unfolding, before normalisation. */
  agreeExact?: number;
}

export interface Finding {
  id: string;
  /** "Subject", or "address To". */
  compared: string;
  engine: string[];
  mailparser: string[];
}

export interface CorpusRun {
  messages: number;
  tallies: Map<string, Tally>;
  findings: Finding[];
  /** Engine values that were not UTF-8: 8-bit header bytes, given as they are. */
  raw8bitValues: number;
  slowest: { id: string; ms: number };
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

export async function compareCorpus(probe: Policy, messages: Iterable<CorpusMessage>): Promise<CorpusRun> {
  const tallies = new Map<string, Tally>();
  const tally = (k: string) => {
    let t = tallies.get(k);
    if (!t) tallies.set(k, (t = { messages: 0, agree: 0, sameCount: 0 }));
    return t;
  };
  const findings: Finding[] = [];
  const raw8bit = { count: 0 };
  const run: CorpusRun = { messages: 0, tallies, findings, raw8bitValues: 0, slowest: { id: '', ms: 0 } };
  const record = (id: string, compared: string, engine: string[], mailparser: string[], exact?: string[]) => {
    const t = tally(compared);
    t.messages++;
    if (engine.length === mailparser.length) t.sameCount++;
    if (same(engine, mailparser)) t.agree++;
    else findings.push({ id, compared, engine, mailparser });
    if (exact) t.agreeExact = (t.agreeExact ?? 0) + (same(engine, exact) ? 1 : 0);
  };
  for (const m of messages) {
    const start = process.hrtime.bigint();
    const verdict = probe.run('data', { message: m.bytes });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (ms > run.slowest.ms) run.slowest = { id: m.id, ms };
    const engine = engineView(verdict, raw8bit);
    const reference = await mailparserView(m.bytes);
    for (const h of HEADERS) record(m.id, h, engine.values.get(h)!, reference.unfolded!.get(h)!, reference.values.get(h)!);
    for (const h of ADDRESS_HEADERS) record(m.id, `address ${h}`, engine.addresses.get(h)!, reference.addresses.get(h)!);
    run.messages++;
  }
  run.raw8bitValues = raw8bit.count;
  return run;
}

const pct = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(2)} %`);

/** The agreement table, in Markdown (docs/corpus.md keeps the whole-corpus one). */
export function agreementTable(run: CorpusRun): string {
  const rows = [
    '| compared | messages | agree | same number of instances | agree before unfolding |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const [k, t] of run.tallies) {
    rows.push(`| ${k} | ${t.messages} | ${pct(t.agree, t.messages)} (${t.messages - t.agree} differ) | ${pct(t.sameCount, t.messages)} | ${t.agreeExact === undefined ? '-' : pct(t.agreeExact, t.messages)} |`);
  }
  return rows.join('\n');
}
