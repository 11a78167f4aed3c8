// Run by test/engine/cxx-allocations.test.ts in a node with count-new.so
// preloaded (COUNT_NEW names it): prints, as JSON, the C++ allocations of
// the whole process per call of each crossing, after warm-up.
import { dataPolicy, eml } from './lua-policy.js';
import { loadAddon } from '../../src/native/addon.js';
import { InputWriter, LAYOUT, packedCalls } from '../../src/pool/wire-inputs.js';

const counter = { exports: {} as { count(): number } };
process.dlopen(counter, process.env.COUNT_NEW!);
const count = (): number => counter.exports.count();

const MESSAGE = eml([
  'From: =?UTF-8?B?QWxpY2Ugw4l4YW1wbGU=?= <alice@example.net>',
  'Subject: =?UTF-8?Q?Quarterly_report_=E2=80=93_draft?=',
  'Message-ID: <1@example.net>',
]);
const INPUT = { message: MESSAGE, mailfrom: 'alice@example.net', rcptto: ['bob@example.com'] };
// The reference policy's kind of work: header reads, context writes, a reply.
const policy = dataPolicy(`
  local s = msg:header("Subject")
  vctx:set(msys.core.VCTX_MESS, "policy", "reference")
  vctx:set(msys.core.VCTX_CONN, "seen-by", "a connection context value longer than sixteen bytes")
  if s[1]:find("FREE", 1, true) then vctx:set_code(550, "5.7.1 Rejected") end
  vctx:set_code(250, "2.0.0 Accepted by policy, with a reply longer than a short string")`);
const BATCH = Array.from({ length: 64 }, () => INPUT);
// A one-call batch packed as the pool's calling thread packs it, for a worker to run.
const addon = loadAddon();
const writer = InputWriter.take();
writer.add(INPUT);
const task = writer.finish(1, 0, 'data');
addon.messageAddresses(task.ints, task.messagesAt, LAYOUT, ...task.messages);
const PACKED = packedCalls(task);
// Where 64 messages lie, as the pool's calling thread tells a worker.
const MESSAGES = BATCH.map((input) => input.message);
const SLOTS = new Int32Array(64 * LAYOUT);

// The fewest allocations per call over five windows of calls, after
// warm-up: V8 allocates now and then on its own (a compile, a collection),
// and a quiet window shows what the calls themselves do, which is the same in
// every window.
function perCall(once: () => void, callsPerOnce: number): number {
  const WINDOW = 1920;
  for (let i = 0; i < 6400 / callsPerOnce; i++) once();
  let fewest = Infinity;
  for (let w = 0; w < 5; w++) {
    const before = count();
    for (let i = 0; i < WINDOW / callsPerOnce; i++) once();
    fewest = Math.min(fewest, (count() - before) / WINDOW);
  }
  return fewest;
}

const result = {
  preloaded: count() > 0,
  run: perCall(() => policy.run('data', INPUT), 1),
  runBatch: perCall(() => policy.runBatch('data', BATCH), 64),
  runPacked: perCall(() => void policy.runPackedSoon('data', PACKED), 1),
  messageAddresses: perCall(() => addon.messageAddresses(SLOTS, 0, LAYOUT, ...MESSAGES), 64),
};
policy.close();
console.log(JSON.stringify(result));
