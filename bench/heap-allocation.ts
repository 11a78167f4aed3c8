// Bytes the JavaScript heap of this thread allocates while some code runs,
// garbage included: V8's sampling heap profiler, told to keep the samples
// of objects the collector freed, sampling every 64 bytes on average. A
// sampled figure: read a difference of two runs (long and short), so that
// the profiler's own start cancels out, over many operations.
import { Session } from 'node:inspector/promises';

export async function allocatedBy(run: () => void | Promise<void>): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await run();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    let bytes = 0;
    const walk = (node: typeof profile.head): void => {
      bytes += node.selfSize;
      node.children.forEach(walk);
    };
    walk(profile.head);
    return bytes;
  } finally {
    session.disconnect();
  }
}

/** Bytes allocated per operation: run(n) does n operations; the difference of a long and a short run over the difference in n. */
export async function allocatedPerOperation(run: (n: number) => void | Promise<void>, short: number, long: number): Promise<number> {
  const a = await allocatedBy(() => run(short));
  const b = await allocatedBy(() => run(long));
  return (b - a) / (long - short);
}
