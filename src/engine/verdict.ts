// The result of running one phase: what the policy decided and changed, as
// plain data the host applies. Built from the native verdict, which carries
// only what the call produced, and the call's input, for the rest.

import { contextFromPairs, contextFromText } from './context-text.js';
import { ScriptError } from './errors.js';
import type { Phase } from './phases.js';
import type { NativeVerdictRest } from '../native/types.js';

export type Context = Record<string, string>;

export interface CallInput {
  /** The raw RFC 5322 message (a Buffer; any Uint8Array will do); absent before DATA. Borrowed, not copied. */
  message?: Buffer;
  id?: string;
  /** The host's id of the connection (msg.conn_id); msg.batch_id is the message id. */
  connId?: string;
  mailfrom?: string;
  rcptto?: string[];
  /** The recipient this call is about (rcptto, each_rcpt, set_binding). */
  rcpt?: string;
  helo?: string;
  remoteAddr?: string;
  remotePort?: number;
  localAddr?: string;
  localPort?: number;
  context?: { conn?: Context; mess?: Context };
}

/** What a verdict keeps of its call's input when the call left it as it was: a CallInput will do. */
export type Given = Pick<CallInput, 'mailfrom' | 'rcptto' | 'context'>;

export interface Disposition {
  code: number;
  text: string;
  phase: Phase;
  /** vctx:disconnect(): close the connection after the reply. */
  disconnect: boolean;
  /** msg:discard(): accept, then deliver nowhere. */
  discard: boolean;
}

export interface HeaderEdit {
  op: 'replace' | 'prepend' | 'append' | 'delete';
  name: string;
  value: string;
}

/**
 * A message the policy asks the host to send besides the one in transit:
 * msg:inject (the message in transit, or one made with
 * msys.core.ec_message_new() and msg:build) or msg:forward (a new message
 * with the one in transit attached). The host sends it whatever becomes of
 * the message in transit; `scriptlet serve` spools it.
 */
export interface InjectedMessage {
  mailfrom: string;
  rcptto: string[];
  /** RFC 5322 bytes, CRLF line ends. */
  message: Buffer;
  /** Made by msg:forward (else msg:inject). */
  forward?: true;
}

/** ac:esmtp_capability_add / _remove: one change to the EHLO reply, applied in order. */
export interface CapabilityEdit {
  op: 'add' | 'remove';
  /** The line to add ("XFOO" or "XFOO params"), or the keyword whose line goes (matched ignoring case). */
  capability: string;
}

export interface LogLine {
  module: string;
  text: string;
}

export class Verdict {
  declare readonly phase: Phase;
  /** Set by vctx:set_code, msg:code, vctx:disconnect or msg:discard; else null. */
  declare readonly disposition: Disposition | null;
  /** 'done' when a module returned VALIDATE_DONE and ended the phase. */
  declare readonly action: 'continue' | 'done';
  /** on_error = tempfail turned a script error into a 451. */
  declare readonly tempfailed: boolean;
  declare readonly headerEdits: readonly HeaderEdit[];
  /** The message with the header edits applied, when there were any (and any MIME edit). */
  declare readonly message: Buffer | undefined;
  /**
   * The whole message, when the policy replaced its bytes (a MIME edit:
   * msg:text(value), msgpart:text(value), makePart...; msg:body_replace,
   * msg:raw_replace): the same Buffer as message, every header edit already
   * in it, so a host takes it whole instead of applying them. Else undefined.
   */
  declare readonly replacedMessage: Buffer | undefined;
  /** The envelope after the call (changed only if the policy changed it). */
  declare readonly mailfrom: string | undefined;
  declare readonly rcptto: readonly string[] | undefined;
  declare readonly envelopeChanged: { readonly mailfrom: boolean; readonly rcptto: boolean };
  declare readonly context: { conn: Context; mess: Context };
  declare readonly errors: readonly ScriptError[];
  declare readonly logs: readonly LogLine[];
  /** Messages to send besides this one (msg:inject, msg:forward), in the order asked. */
  declare readonly injected: readonly InjectedMessage[];
  /** Changes to the EHLO reply (ac:esmtp_capability_add/remove, connect and ehlo only). */
  declare readonly esmtpCapabilities: readonly CapabilityEdit[];
  /** vctx:tarpit: seconds the host waits before its reply to this command; 0 for none. */
  declare readonly tarpit: number;
  /** How many callouts ran. */
  declare readonly callouts: number;
  /** The hash of the scripts this call ran under. */
  declare readonly version: string;
  /** The binding msg:binding or msg:binding_group chose (validate_set_binding); absent when none did. */
  declare readonly binding?: string;
  /** The group msg:binding_group chose the binding from. */
  declare readonly bindingGroup?: string;
  /** The routing domain msg:routing_domain(domain) set for the recipient (rcptto, the per-recipient phases); absent when none was. */
  declare readonly routingDomain?: string;

  /**
   * Made by decodeVerdict, nothing else: each field as it decoded it. Only
   * stores (128 bytes of bytecode, no callees), for TurboFan to inline it
   * beside the decoding: not inlined, each verdict goes through the generic
   * construct stub. It still is not when the decoding has spent the
   * caller's inlining budget first, which depends on the order V8 compiles
   * in (bench/README.md, "The native core against its physical limit").
   */
  constructor(
    phase: Phase, disposition: Disposition | null, action: 'continue' | 'done', tempfailed: boolean,
    headerEdits: readonly HeaderEdit[], message: Buffer | undefined, replacedMessage: Buffer | undefined,
    mailfrom: string | undefined, rcptto: readonly string[] | undefined, envelopeChanged: { readonly mailfrom: boolean; readonly rcptto: boolean },
    context: { conn: Context; mess: Context }, errors: readonly ScriptError[], logs: readonly LogLine[],
    injected: readonly InjectedMessage[], esmtpCapabilities: readonly CapabilityEdit[], tarpit: number, callouts: number,
    version: string, binding: string | undefined, bindingGroup: string | undefined, routingDomain: string | undefined,
  ) {
    this.phase = phase;
    this.disposition = disposition;
    this.action = action;
    this.tempfailed = tempfailed;
    this.headerEdits = headerEdits;
    this.message = message;
    this.replacedMessage = replacedMessage;
    this.mailfrom = mailfrom;
    this.rcptto = rcptto;
    this.envelopeChanged = envelopeChanged;
    this.context = context;
    this.errors = errors;
    this.logs = logs;
    this.injected = injected;
    this.esmtpCapabilities = esmtpCapabilities;
    this.tarpit = tarpit;
    this.callouts = callouts;
    this.version = version;
    this.binding = binding;
    this.bindingGroup = bindingGroup;
    this.routingDomain = routingDomain;
  }
}

/**
 * Decodes verdict i of a batch (native/napi/verdict_js.hpp), whose
 * numbers start at ints[at]; keys holds the context keys in id order
 * (native/napi/context_keys.hpp); given, what the call was given of what
 * it may leave as it was.
 */
export function decodeVerdict(phase: Phase, ints: Int32Array, text: string, values: readonly unknown[], keys: readonly string[], i: number, given: Given, version: string, at: number): Verdict {
  const b = at + i * INTS;
  if (ints[b + 1]! & FLAG_STRINGS_IN_VALUES) return decodeFromValues(phase, ints, values, i, given, version, b);
  // Locals, not module variables: a young string stored in a module's
  // variable (old space) takes the write barrier's slow path.
  const reply = ints[b + 3]! >= 0 ? text.slice(ints[b + 3], ints[b + 4]) : undefined;
  const conn = ints[b + 5]! >= 0 ? contextFromText(text, ints[b + 5]!, ints[b + 6]!, keys) : undefined;
  const mess = ints[b + 7]! >= 0 ? contextFromText(text, ints[b + 7]!, ints[b + 8]!, keys) : undefined;
  return verdictFrom(phase, ints, values, i, given, version, b, reply, conn, mess);
}

/** A verdict whose strings the addon put in values (rare: not valid UTF-8, or too long for the text). */
function decodeFromValues(phase: Phase, ints: Int32Array, values: readonly unknown[], i: number, given: Given, version: string, b: number): Verdict {
  const [t, c, m] = values[i * VALUES] as [string | undefined, string[] | undefined, string[] | undefined];
  return verdictFrom(phase, ints, values, i, given, version, b, t, c && contextFromPairs(c), m && contextFromPairs(m));
}

/** Verdict i, its numbers from ints[b], its strings decoded. */
function verdictFrom(phase: Phase, ints: Int32Array, values: readonly unknown[], i: number, given: Given, version: string, b: number, reply: string | undefined, conn: Context | undefined, mess: Context | undefined): Verdict {
  const flags = ints[b + 1]!;
  const rest = restOf(values, i);
  return new Verdict(
    phase,
    flags & (FLAG_DISPOSITION | FLAG_DISCARD) ? dispositionOf(ints[b]!, flags, phase, reply) : null,
    flags & FLAG_DONE ? 'done' : 'continue',
    (flags & FLAG_TEMPFAILED) !== 0,
    rest.headerEdits ?? NONE,
    rest.message,
    rest.messageReplaced ? rest.message : undefined,
    rest.mailfrom ?? given.mailfrom,
    rest.rcptto ?? given.rcptto,
    rest === NO_REST ? UNCHANGED : envelopeChangedOf(rest),
    contextsOf(given, conn, mess),
    rest.errors ? errorsOf(rest.errors) : NONE,
    rest.logs ?? NONE,
    rest.injected ?? NONE,
    rest.esmtpCapabilities ?? NONE,
    rest.tarpit ?? 0,
    ints[b + 2]!,
    version,
    rest.binding,
    rest.bindingGroup,
    rest.routingDomain,
  );
}

/** Verdict i's rare parts, if it has any. */
function restOf(values: readonly unknown[], i: number): NativeVerdictRest {
  return values.length === 0 ? NO_REST : ((values[i * VALUES + 1] as NativeVerdictRest | undefined) ?? NO_REST);
}

/** The contexts after the call: those it changed, decoded, else those it was given. */
function contextsOf(given: Given, conn: Context | undefined, mess: Context | undefined): { conn: Context; mess: Context } {
  return { conn: conn ?? given.context?.conn ?? {}, mess: mess ?? given.context?.mess ?? {} };
}

function envelopeChangedOf(rest: NativeVerdictRest): { mailfrom: boolean; rcptto: boolean } {
  return { mailfrom: rest.mailfrom !== undefined, rcptto: rest.rcptto !== undefined };
}

function errorsOf(errors: NonNullable<NativeVerdictRest['errors']>): ScriptError[] {
  return errors.map((e) => new ScriptError(e));
}

function dispositionOf(code: number, flags: number, phase: Phase, reply: string | undefined): Disposition {
  return { code, text: reply ?? '', phase, disconnect: (flags & FLAG_DISCONNECT) !== 0, discard: (flags & FLAG_DISCARD) !== 0 };
}

/** Slots per verdict in the native encoding (native/napi/verdict_js.hpp). */
export const INTS = 9;
const VALUES = 2;
export const FLAG_DISPOSITION = 1;
const FLAG_DISCONNECT = 2;
export const FLAG_DISCARD = 4;
const FLAG_DONE = 8;
const FLAG_TEMPFAILED = 16;
const FLAG_STRINGS_IN_VALUES = 32;
/** The call is suspended: ints[i*9] is its id, values[i*2 + 1] its request. */
export const FLAG_SUSPENDED = 64;
const NO_REST: NativeVerdictRest = {};
// Shared by the verdicts that have none: a verdict is read-only data.
const NONE: readonly never[] = Object.freeze([]);
const UNCHANGED = Object.freeze({ mailfrom: false, rcptto: false });

/** Input flags the addon reads from ints[i*9] (native/napi/call_input.hpp). */
export const INPUT_HAS_CONN = 1;
export const INPUT_HAS_MESS = 2;

/**
 * A packed batch's header, as the addon reads it (native/napi/packed_input.hpp,
 * PackedHeader): six ints from headerAt, at these offsets. The count of
 * calls, where their layout starts, where their facts start, where their
 * verdicts are written (count * 9 ints, apart from the rest), where the
 * batch's text lies (UTF-16, two units an int) and its length in units.
 */
export const PACKED_HEADER = { count: 0, layoutAt: 1, factsAt: 2, verdictsAt: 3, textAt: 4, textLength: 5 } as const;

/**
 * The verdicts of a packed batch as the addon encodes them: what a pool
 * worker sends back (src/pool/worker-host.ts), decoded by the calling thread
 * with `new Verdict(...)`, the context keys from batchKeys(text). values is
 * absent when no verdict has a rare part.
 */
export interface EncodedVerdicts {
  /** Verdict i's numbers from ints[at + i * 9]. */
  ints: Int32Array;
  at: number;
  /** The verdicts' text, then the batch's context keys (batchKeys). */
  text: string;
  values: unknown[] | undefined;
}

const NO_KEYS: readonly string[] = Object.freeze([]);

/** A quad of the key section: four units, the bytes of a number high to low. */
function quadAt(text: string, at: number): number {
  return ((text.charCodeAt(at) << 24) | (text.charCodeAt(at + 1) << 16) | (text.charCodeAt(at + 2) << 8) | text.charCodeAt(at + 3)) >>> 0;
}

/** The last key section batchKeys read, and its keys: batch after batch of a policy names the same keys. */
let lastSection = '';
let lastKeys: readonly string[] = NO_KEYS;

/**
 * The context keys, in id order, that a packed batch's text ends with
 * (native/napi/batch_text.hpp, appendKeySection): per key its length and
 * its units; then the count of keys and where the section starts. The same
 * section as the last one read gives the same strings: none is made, and
 * V8, which interns a string the first time it names a property, finds
 * them interned when they name the contexts' properties.
 */
export function batchKeys(text: string): readonly string[] {
  const end = text.length;
  if (end < 8) throw new RangeError('a packed batch text ends with its keys: this one is too short');
  const count = quadAt(text, end - 8);
  if (count === 0) return NO_KEYS;
  const start = quadAt(text, end - 4);
  if (sameSection(text, start, end - 8)) return lastKeys;
  const keys = new Array<string>(count);
  let p = start;
  for (let i = 0; i < count; i++) {
    const length = quadAt(text, p);
    keys[i] = text.slice(p + 4, (p += 4 + length));
  }
  if (p !== end - 8) throw new RangeError('the key section of a packed batch text does not add up');
  lastSection = text.slice(start, end - 8);
  lastKeys = keys;
  return keys;
}

/** Whether text[start, end) is the last section read, unit for unit. */
function sameSection(text: string, start: number, end: number): boolean {
  if (end - start !== lastSection.length) return false;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) !== lastSection.charCodeAt(i - start)) return false;
  return true;
}

/**
 * Copies verdict j of one encoding into slot i of another, whose text and
 * keys differ: its numbers as they are, its strings moved into values (as
 * the addon does with strings it cannot put in the text).
 */
export function copyVerdict(from: { ints: Int32Array; text: string; values: readonly unknown[] }, keys: readonly string[], j: number, to: { ints: Int32Array; at: number; values: unknown[] }, i: number): void {
  const a = j * INTS;
  const b = to.at + i * INTS;
  const flags = from.ints[a + 1]!;
  let strings: [string | undefined, string[] | undefined, string[] | undefined];
  if (flags & FLAG_STRINGS_IN_VALUES) {
    strings = from.values[j * VALUES] as typeof strings;
  } else {
    const slice = (k: number) => (from.ints[a + k]! >= 0 ? from.text.slice(from.ints[a + k], from.ints[a + k + 1]) : undefined);
    const pairs = (k: number) => {
      const piece = slice(k);
      return piece === undefined ? undefined : Object.entries(contextFromText(piece, 0, piece.length, keys)).flat();
    };
    strings = [slice(3), pairs(5), pairs(7)];
  }
  to.ints.set(from.ints.subarray(a, a + INTS), b);
  to.ints[b + 1] = flags | FLAG_STRINGS_IN_VALUES;
  to.ints.fill(-1, b + 3, b + INTS);
  to.values[i * VALUES] = strings;
  to.values[i * VALUES + 1] = from.values[j * VALUES + 1];
}
