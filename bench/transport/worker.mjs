// The worker of bench/pool-transport.ts: answers each task at once, through
// piscina (the default export) or through a MessagePort it hands over.
import { MessageChannel, parentPort } from 'node:worker_threads';

const answer = (task) => (task.payload ? { ints: new Int32Array(576), text: task.text, keys: ['policy'] } : 0);

export default function (task) {
  return answer(task);
}

const { port1, port2 } = new MessageChannel();
port1.on('message', (m) => port1.postMessage({ id: m.id, value: answer(m.task) }));
port1.unref();
parentPort.postMessage({ transportPort: port2 }, [port2]);
