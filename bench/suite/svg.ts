// The results as an SVG chart, written by hand (no dependency): one group of
// horizontal bars per workload, one bar per contender, ns per message on a
// log scale (the contenders span four orders of magnitude), shorter is faster.

import type { Row } from './table.js';

const BAR = 11;
const GAP = 3;
const LABEL_W = 250;
const PLOT_W = 520;
const VALUE_W = 90;
const GROUP_HEAD = 26;

function colour(contender: string): string {
  if (contender.startsWith('floor')) return '#000000';
  if (contender.startsWith('core')) return '#666666';
  if (contender.includes('LuaJIT')) return contender.includes('pool') ? '#7fb3e0' : '#1f6fb5';
  if (contender.includes('Lua 5.1')) return contender.includes('pool') ? '#9ad29a' : '#2e8b3e';
  if (contender.startsWith('wasmoon')) return '#d9822b';
  if (contender.startsWith('fengari')) return '#c23b3b';
  return '#8e5cb5'; // plain JS
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSvg(rows: Row[], title: string): string {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r.policy} policy, ${r.size} message`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(r);
  }
  const ns = rows.map((r) => r.nsPerMessage);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...ns))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...ns))));
  const x = (v: number) => LABEL_W + (PLOT_W * Math.log10(v / lo)) / Math.log10(hi / lo);
  const width = LABEL_W + PLOT_W + VALUE_W;
  const out: string[] = [];
  let y = 44;
  for (const [name, list] of groups) {
    out.push(`<text x="4" y="${y + 16}" font-weight="bold">${esc(name)}</text>`);
    y += GROUP_HEAD;
    for (const r of list) {
      const w = Math.max(1, x(r.nsPerMessage) - LABEL_W);
      out.push(
        `<text x="${LABEL_W - 6}" y="${y + BAR - 2}" text-anchor="end">${esc(r.contender)}</text>`,
        `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${colour(r.contender)}"/>`,
        `<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${y + BAR - 2}">${Math.round(r.nsPerMessage).toLocaleString('en-US')} ns</text>`,
      );
      y += BAR + GAP;
    }
  }
  const grid: string[] = [];
  for (let v = lo; v <= hi; v *= 10) {
    grid.push(`<line x1="${x(v).toFixed(1)}" y1="34" x2="${x(v).toFixed(1)}" y2="${y}" stroke="#ddd"/>`, `<text x="${x(v).toFixed(1)}" y="30" text-anchor="middle" fill="#666">${v >= 1e6 ? `${v / 1e6} ms` : v >= 1e3 ? `${v / 1e3} µs` : `${v} ns`}</text>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="10">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="4" y="14" font-size="12" font-weight="bold">${esc(title)}</text>`,
    ...grid,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
