// What it costs to hand a task to a worker and get its answer, piscina.run
// against a MessagePort of the engine's own (what src/pool/engine.ts does),
// with 4 tasks in flight: CPU per task of the calling thread and of the
// others (the worker, V8's helpers), from /proc/self/task. Tasks are empty,
// or carry what a batch of 64 calls carries (an Int32Array of the facts and
// a string out; the encoded verdicts back). Why the engine sends its batches
// over the port: docs/threads.md.
//
//   node --import tsx bench/pool-transport.ts [--tasks N]

import { parseArgs } from 'node:util';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { cpuSince, threadCpu } from './thread-cpu.js';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '50000' } } });
const N = Number(values.tasks);
const IN_FLIGHT = 4;
const TEXT = 'alice@example.netbob@example.com192.0.2.7'.repeat(25);

async function measure(run: () => Promise<unknown>): Promise<{ wall: number; main: number; others: number }> {
  const lanes = async (n: number) => {
    let sent = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => { while (sent++ < n) await run(); }));
  };
  await lanes(N / 5); // warm-up
  const before = threadCpu();
  const start = process.hrtime.bigint();
  await lanes(N);
  const wall = Number(process.hrtime.bigint() - start) / N / 1000;
  const { mainNs, othersNs } = cpuSince(before);
  return { wall, main: mainNs / N / 1000, others: othersNs / N / 1000 };
}

const pool = new Piscina({ filename: new URL('./transport/worker.mjs', import.meta.url).href, minThreads: 1, maxThreads: 1, concurrentTasksPerWorker: IN_FLIGHT, atomics: 'disabled', recordTiming: false });
const port = await new Promise<MessagePort>((resolve) => pool.on('message', (m: { transportPort?: MessagePort }) => m.transportPort && resolve(m.transportPort)));
const waiting = new Map<number, (value: unknown) => void>();
let nextId = 0;
port.on('message', (m: { id: number; value: unknown }) => {
  const resolve = waiting.get(m.id)!;
  waiting.delete(m.id);
  resolve(m.value);
});
const overPort = (task: object) => new Promise((resolve) => {
  const id = nextId++;
  waiting.set(id, resolve);
  port.postMessage({ id, task });
});
const batchTask = () => ({ payload: true, ints: new Int32Array(900), text: TEXT });

const rows: [string, () => Promise<unknown>][] = [
  ['piscina.run, empty task', () => pool.run({})],
  ['own port, empty task', () => overPort({})],
  ['piscina.run, a batch of 64', () => pool.run(batchTask())],
  ['own port, a batch of 64', () => overPort(batchTask())],
];
console.log(`${N} tasks, ${IN_FLIGHT} in flight, one worker that answers at once`);
console.log('                                 wall us/task   CPU us/task: this thread, others');
for (const [name, run] of rows) {
  const r = await measure(run);
  console.log(`${name.padEnd(32)} ${r.wall.toFixed(1).padStart(8)}   ${r.main.toFixed(1).padStart(10)} ${r.others.toFixed(1).padStart(7)}`);
}
port.close();
await pool.destroy();
