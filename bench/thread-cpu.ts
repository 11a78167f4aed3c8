// CPU time per thread of this process, from /proc/self/task (Linux; 10 ms
// ticks): how much of a run the calling thread spent, and how much the
// others (the pool's workers, V8's helpers). It says where a pool's cost goes.
import * as fs from 'node:fs';

const TICK_NS = 1e9 / 100;
const MAIN_TID = String(process.pid);

/** Ticks (user + system) per thread id, now. */
export function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended between the listing and the read: it is not counted.
    }
  }
  return out;
}

/** The ns of CPU the calling thread and the other threads spent since `before` (a threadTicks() reading). */
export function cpuSince(before: Map<string, number>): { mainNs: number; othersNs: number } {
  let main = 0;
  let others = 0;
  for (const [tid, ticks] of threadTicks()) {
    const d = ticks - (before.get(tid) ?? 0);
    if (tid === MAIN_TID) main += d;
    else others += d;
  }
  return { mainNs: main * TICK_NS, othersNs: others * TICK_NS };
}
