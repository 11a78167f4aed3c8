// What a master (one Lua state with its policy loaded) and a spare Lua
// thread cost: RSS of the process and Lua's own count (policy.memory()),
// measured by growth: open N masters, or park N spare threads on one master
// (N calls suspended at once in msys.sleep, then all finished: each thread
// goes back to the cache), and divide the difference by N.

import { execFileSync } from 'node:child_process';
import { openPolicy, type CallInput, type EngineName, type Policy } from '../../src/index.js';

export interface MemoryFigures {
  engine: EngineName;
  masters: number;
  rssPerMasterKb: number;
  luaPerMasterKb: number;
  spareThreads: number;
  rssPerSpareKb: number;
  luaPerSpareKb: number;
}

const SLEEPER = `local mod = {}
function mod:validate_data(msg, accept, vctx)
  msys.sleep(0)
  return msys.core.VALIDATE_CONT
end
msys.registerModule("sleeper", mod)`;

function settle(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

const rss = () => process.memoryUsage.rss();

export async function measureMemory(engine: EngineName, policyFile: string, module: string, input: CallInput, masters = 50, spares = 2000): Promise<MemoryFigures> {
  settle();
  const rss0 = rss();
  const opened: Policy[] = [];
  for (let i = 0; i < masters; i++) {
    const p = openPolicy({ engine, scripts: [{ name: module, path: policyFile }] });
    p.run('data', input); // a master as it is once serving
    opened.push(p);
  }
  settle();
  const rssPerMaster = (rss() - rss0) / masters;
  const luaPerMaster = opened.reduce((n, p) => n + p.memory(), 0) / masters;
  for (const p of opened) p.close();

  const sleeper = openPolicy({ engine, scripts: [{ name: 'sleeper', source: SLEEPER }], maxSparePerMaster: spares });
  await sleeper.runAsync('data', input);
  settle();
  const lua0 = sleeper.memory();
  const rss1 = rss();
  await Promise.all(Array.from({ length: spares }, () => sleeper.runAsync('data', input)));
  settle();
  const parked = sleeper.stats().spareThreads;
  const figures: MemoryFigures = {
    engine,
    masters,
    rssPerMasterKb: rssPerMaster / 1024,
    luaPerMasterKb: luaPerMaster / 1024,
    spareThreads: parked,
    rssPerSpareKb: (rss() - rss1) / parked / 1024,
    luaPerSpareKb: (sleeper.memory() - lua0) / parked / 1024,
  };
  sleeper.close();
  return figures;
}

/** The figures of each engine, each measured in a fresh process (memory-probe.ts). */
export function memoryOfEngines(engines: EngineName[]): MemoryFigures[] {
  const probe = (e: EngineName) => execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/suite/memory-probe.ts', e], { encoding: 'utf8' });
  return engines.map((e) => JSON.parse(probe(e)) as MemoryFigures);
}

export function markdownMemory(list: MemoryFigures[]): string {
  const lines = ['| engine | RSS per master KB | Lua per master KB | RSS per spare thread KB | Lua per spare thread KB |', '|---|---:|---:|---:|---:|'];
  for (const m of list) {
    lines.push(`| ${m.engine} | ${m.rssPerMasterKb.toFixed(0)} | ${m.luaPerMasterKb.toFixed(1)} | ${m.rssPerSpareKb.toFixed(2)} | ${m.luaPerSpareKb.toFixed(2)} |`);
  }
  return lines.join('\n');
}
