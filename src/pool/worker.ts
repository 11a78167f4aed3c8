// The piscina worker: one per thread of the pool. Piscina loads this module
// when the thread starts (before its first task), so the thread hands the
// engine its control port at once. Each task is one batch of calls.

import { MessageChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { BatchTask, ControlHello, ControlRequest, ForgetWriter, ScriptConsoleReply, TaskMessage, WorkerSetup } from './protocol.js';
import { newChannel, WorkerChannel } from './channel.js';
import { WorkerHost } from './worker-host.js';

// Test hook (test/pool/lifecycle.test.ts): a worker that fails as it starts.
if (process.env.SCRIPTLET_POOL_TEST_HOOKS === '1' && process.env.SCRIPTLET_POOL_TEST_NO_START === '1') {
  throw new Error('this worker does not start (SCRIPTLET_POOL_TEST_NO_START)');
}

const control = new MessageChannel();
const host = new WorkerHost(workerData as WorkerSetup, threadId, control.port1);

control.port1.on('message', (request: TaskMessage | ForgetWriter | ControlRequest | ScriptConsoleReply) => {
  if (!Array.isArray(request)) {
    if ('consoleReply' in request) host.onConsoleReply(request);
    else host.onControl(request, control.port1);
  } else if (request[0] === 'forget') host.forget(request[1]);
  else host.onTask(request[0], { ints: request[1], writer: request[2] }, control.port1);
});
// The port must not keep a thread alive that piscina wants to end.
control.port1.unref();
// Batches on writers' memory this worker knows come through shared memory (channel.ts).
const memory = newChannel();
const channel = new WorkerChannel(memory, (id, writer) => host.onChannelTask(id, writer, control.port1));
host.channel = channel;
void channel.serve();
const hello: ControlHello = { scriptletControl: control.port2, threadId, channel: memory };
parentPort!.postMessage(hello, [control.port2]);

/**
 * Piscina's entry for a task: one batch. The engine sends its batches over
 * the control port instead (see docs/threads.md); this serves piscina.run
 * all the same. Edited messages move, not copy.
 */
export default async function runBatchTask(task: BatchTask): Promise<unknown> {
  const { result, transferList } = await host.runTask(task);
  return move({ [transferableSymbol]: transferList, [valueSymbol]: result } as Parameters<typeof move>[0]);
}
