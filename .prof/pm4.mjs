import { Worker, isMainThread, parentPort } from 'node:worker_threads';
if (isMainThread) {
  const w = new Worker(new URL(import.meta.url));
  let n = 0; const N = 5000; const t0 = process.hrtime.bigint();
  w.on('message', (m) => { n++; if (n === N) { console.log('per message roundtrip us', Number(process.hrtime.bigint() - t0) / N / 1000); w.terminate(); } else w.postMessage(m, m.returned); });
  const block = new SharedArrayBuffer(128 * 1024);
  w.postMessage({ ints: new Int32Array(700), text: 'x'.repeat(3000), returned: [], sab: block }, []);
} else {
  let t = 0n, k = 0;
  parentPort.on('message', (m) => { const s = process.hrtime.bigint(); parentPort.postMessage(m, process.argv[2] === 'notransfer' ? [] : m.returned); t += process.hrtime.bigint() - s; if (++k % 2500 === 0) console.log('worker postMessage us', Number(t) / k / 1000); });
}
