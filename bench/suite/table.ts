// From the samples of a run to what a reader compares: per workload, each
// contender's median ns per message, messages per second, its ratio to the
// floor, to the core and to each peer, and its peak RSS; then the targets of
// the suite, each met or not, with the figures.

import { FENGARI, LUAJIT_BATCHED, PLAIN_JS, WASMOON } from './contenders.js';

export interface Row {
  policy: string;
  size: string;
  contender: string;
  nsPerMessage: number;
  messagesPerSecond: number;
  /** ns over the floor of its engine (bench/floor; the peers: LuaJIT's); null where the floor cannot run the policy (heavy-pcre). */
  overFloor: number | null;
  /** ns over the core of its engine (bench/c-driver; the peers: LuaJIT's). */
  overCore: number;
  /** How many times faster than each peer (peer ns / this ns). */
  fasterThan: Record<string, number>;
  peakRssMb: number;
  rmePercent: number;
}

export interface Target {
  what: string;
  workload: string;
  figure: string;
  met: boolean;
}

export const PEERS = [WASMOON, FENGARI, PLAIN_JS];

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (n: number | null | undefined) => (n == null ? '' : n >= 100 ? fmt(n) : fmt(n, n >= 10 ? 1 : 2));

export function markdownTable(rows: Row[]): string {
  const head = `| policy | message | contender | ns/msg | msg/s | × floor | × core | ${PEERS.map((p) => `faster than ${p.replace(/ \(.*\)$/, '')}`).join(' | ')} | peak RSS MB |`;
  const lines = [head, `|---|---|---|---:|---:|---:|---:|${PEERS.map(() => '---:|').join('')}---:|`];
  for (const r of rows) {
    const peers = PEERS.map((p) => (p === r.contender ? '—' : ratio(r.fasterThan[p])));
    lines.push(`| ${r.policy} | ${r.size} | ${r.contender} | ${fmt(r.nsPerMessage)} | ${fmt(r.messagesPerSecond)} | ${ratio(r.overFloor)} | ${ratio(r.overCore)} | ${peers.join(' | ')} | ${fmt(r.peakRssMb)} |`);
  }
  return lines.join('\n');
}

/**
 * The issues' targets, on every workload: the in-thread LuaJIT batched row's
 * (issue 6), and each core's (issue 19: within 2× of the floor on the
 * reference policy, a trivial call ≤ 100 ns).
 */
export function targets(rows: Row[]): Target[] {
  const out: Target[] = [];
  for (const r of rows.filter((x) => x.contender.startsWith('core, '))) {
    const workload = `${r.policy} ${r.size}`;
    const core = r.contender.replace(/ \(.*\)$/, '');
    if (r.policy === 'reference') out.push({ what: `${core} ≤ 2× the floor`, workload, figure: `${ratio(r.overFloor)}×`, met: r.overFloor !== null && r.overFloor <= 2 });
    if (r.policy === 'trivial') out.push({ what: `${core} ≤ 100 ns a call`, workload, figure: `${fmt(r.nsPerMessage)} ns`, met: r.nsPerMessage <= 100 });
  }
  for (const r of rows.filter((x) => x.contender === LUAJIT_BATCHED)) {
    const workload = `${r.policy} ${r.size}`;
    out.push({ what: 'LuaJIT batched ≤ 1.5× the core', workload, figure: `${ratio(r.overCore)}×`, met: r.overCore <= 1.5 });
    const wasmoon = r.fasterThan[WASMOON];
    if (wasmoon) out.push({ what: '≥ 200× faster than wasmoon', workload, figure: `${ratio(wasmoon)}×`, met: wasmoon >= 200 });
    const fengari = r.fasterThan[FENGARI];
    if (fengari) out.push({ what: '≥ 25× faster than fengari', workload, figure: `${ratio(fengari)}×`, met: fengari >= 25 });
    const js = r.fasterThan[PLAIN_JS];
    if (js) out.push({ what: 'faster than plain JS', workload, figure: `${ratio(js)}×`, met: js > 1 });
  }
  return out;
}

/** A line per workload, a column per target: the figure, and whether it is met. */
export function markdownTargets(list: Target[]): string {
  const whats = [...new Set(list.map((t) => t.what))];
  const lines = [`| workload | ${whats.join(' | ')} |`, `|---|${whats.map(() => '---:|').join('')}`];
  for (const w of new Set(list.map((t) => t.workload))) {
    const cells = whats.map((what) => {
      const t = list.find((x) => x.workload === w && x.what === what);
      return t ? `${t.figure} ${t.met ? 'met' : '**not met**'}` : '';
    });
    lines.push(`| ${w} | ${cells.join(' | ')} |`);
  }
  const met = list.filter((t) => t.met).length;
  return `${lines.join('\n')}\n\n${met} of ${list.length} met.`;
}

/** One line per workload, ns per message of each contender: the table to read first. */
export function markdownSummary(rows: Row[]): string {
  const contenders = [...new Set(rows.map((r) => r.contender))];
  const short = (c: string) => c.replace('scriptlet ', '').replace(/ \(.*\)$/, '');
  const lines = [`| workload | ${contenders.map(short).join(' | ')} |`, `|---|${contenders.map(() => '---:|').join('')}`];
  const workloads = [...new Set(rows.map((r) => `${r.policy} ${r.size}`))];
  for (const w of workloads) {
    const ns = contenders.map((c) => rows.find((r) => `${r.policy} ${r.size}` === w && r.contender === c));
    lines.push(`| ${w} | ${ns.map((r) => (r ? fmt(r.nsPerMessage) : '')).join(' | ')} |`);
  }
  return lines.join('\n');
}
