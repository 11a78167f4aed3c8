// What any crossing from JavaScript into the addon and back costs before
// the engine does anything of its own (bench:driver prints it beside the
// crossings it measures): the parts issue 19's crossing targets cannot go
// under while calls go through Node-API and verdicts are plain objects.
//
// - a call into the addon that does nothing (Node-API's own entry and exit);
// - a message Buffer's bytes found from C++ (napi_get_buffer_info: V8 looks
//   up the typed array's buffer and its backing store), per message;
// - the least a plain verdict object costs V8: the same own properties as
//   a Verdict, a disposition, and the two contexts (one key each time).

import { loadAddon } from '../dist/src/native/addon.js';
import type { EngineName } from './library.js';
import { timeNs } from './stats.js';

interface FloorAddon {
  replicationFirstSights(): number;
  messageAddresses(ints: Int32Array, at: number, stride: number, ...messages: Buffer[]): void;
}

export interface CrossingFloor {
  /** ns: a Node-API call with no argument, a number back. */
  emptyCall: number;
  /** ns a message: its Buffer's address and length read from C++. */
  bufferInfo: number;
  /** ns: a plain object with a Verdict's properties, a disposition and two contexts. */
  plainVerdict: number;
}

const NONE: readonly never[] = Object.freeze([]);
const UNCHANGED = Object.freeze({ mailfrom: false, rcptto: false });
const KEYS = ['policy', 'sender_class'];
const REPLY = 'xx2.0.0 Accepted by policyreference';

/** The same own properties, in the same order, as src/engine/verdict.ts's Verdict. */
class PlainVerdict {
  [key: string]: unknown;
  constructor(phase: string, code: number, text: string, key: string, value: string, given: { mailfrom: string; rcptto: string[] }) {
    this.phase = phase;
    this.disposition = { code, text, phase, disconnect: false, discard: false };
    this.action = 'continue';
    this.tempfailed = false;
    this.headerEdits = NONE;
    this.message = undefined;
    this.replacedMessage = undefined;
    this.mailfrom = given.mailfrom;
    this.rcptto = given.rcptto;
    this.envelopeChanged = UNCHANGED;
    const mess: Record<string, string> = {};
    mess[key] = value;
    this.context = { conn: {}, mess };
    this.errors = NONE;
    this.logs = NONE;
    this.injected = NONE;
    this.esmtpCapabilities = NONE;
    this.tarpit = 0;
    this.callouts = 1;
    this.version = 'v';
    this.binding = undefined;
    this.bindingGroup = undefined;
    this.routingDomain = undefined;
  }
}

/** One measurement of each part, over `count` of them, after a first pass that V8 compiles. */
export function crossingFloor(engine: EngineName, messages: Buffer[], count: number): CrossingFloor {
  measureParts(engine, messages, count);
  return measureParts(engine, messages, count);
}

function measureParts(engine: EngineName, messages: Buffer[], count: number): CrossingFloor {
  const addon = loadAddon(engine) as unknown as FloorAddon;
  let sink = 0;
  const emptyCall = timeNs(() => {
    for (let i = 0; i < count; i++) sink += addon.replicationFirstSights();
  }, count);
  const ints = new Int32Array(messages.length * 3);
  const rounds = Math.max(1, Math.floor(count / messages.length));
  const withMessages = timeNs(() => {
    for (let i = 0; i < rounds; i++) addon.messageAddresses(ints, 0, 3, ...messages);
  }, rounds);
  const without = timeNs(() => {
    for (let i = 0; i < rounds; i++) addon.messageAddresses(ints, 0, 3);
  }, rounds);
  const given = { mailfrom: 'alice@example.net', rcptto: ['bob@example.com'] };
  const out = new Array<PlainVerdict>(64);
  const plainVerdict = timeNs(() => {
    for (let i = 0; i < count; i++) out[i & 63] = new PlainVerdict('data', 250, REPLY.slice(2, 26), KEYS[i & 1]!, REPLY.slice(26), given);
  }, count);
  sink += out[0]!.callouts as number;
  if (sink < 0) console.log(sink);
  return { emptyCall, bufferInfo: (withMessages - without) / messages.length, plainVerdict };
}
