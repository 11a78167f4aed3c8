// CPU time per thread of this process, from /proc/self/task (Linux): how
// much of a run the calling thread spent, and how much the others (the
// pool's workers, V8's helpers). It says where a pool's cost goes.
//
// Read from each thread's schedstat, in nanoseconds: a round of the pool
// benchmark lasts a fraction of a second, a few dozen of the 10 ms ticks of
// /proc/.../stat. Ticks remain the fallback on a kernel without schedstat.
import * as fs from 'node:fs';

const TICK_NS = 1e9 / 100;
const MAIN_TID = String(process.pid);

/** Nanoseconds one thread has spent on a CPU, or undefined when it has ended. */
function threadNs(tid: string): number | undefined {
  try {
    return Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    // No schedstat on this kernel (or the thread ended): its ticks.
  }
  try {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_NS;
  } catch {
    // The thread ended between the listing and the read: it is not counted.
    return undefined;
  }
}

/** CPU nanoseconds per thread id, now. */
export function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const ns = threadNs(tid);
    if (ns !== undefined && !Number.isNaN(ns)) out.set(tid, ns);
  }
  return out;
}

/** The ns of CPU the calling thread and the other threads spent since `before` (a threadCpu() reading). */
export function cpuSince(before: Map<string, number>): { mainNs: number; othersNs: number } {
  let mainNs = 0;
  let othersNs = 0;
  for (const [tid, ns] of threadCpu()) {
    const d = ns - (before.get(tid) ?? 0);
    if (tid === MAIN_TID) mainNs += d;
    else othersNs += d;
  }
  return { mainNs, othersNs };
}
