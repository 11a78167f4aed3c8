// Verdicts on their way back from a worker. Cloning Verdict objects as they
// are costs ~5 us per call on this machine (structured clone builds every
// nested object twice); a batch is encoded instead as one Int32Array, one
// string, its context keys once each, and the rare parts (header edits, an
// edited message, envelope changes, errors, logs) only for the calls that
// have them. What the call left as it was (an unchanged context, the
// envelope) is not sent: the calling thread takes it from the input it kept,
// as an in-thread Verdict does.
//
// In ints: the number of context keys and their lengths (the keys open
// text), then per call: code, flags, callouts, length of the reply text,
// then the number of conn and mess entries (-1: the input's, unchanged),
// then (key index, value length) for each entry. The strings follow one
// another in text, in the same order.

import { ScriptError, ScriptletError, UsageError } from '../engine/errors.js';
import type { Phase } from '../engine/phases.js';
import type { CallInput, Context, Verdict } from '../engine/verdict.js';
import type { PoolVerdict } from './pool-verdict.js';
import type { BatchResult, ErrorData, RestData } from './protocol.js';
import { IntWriter } from './int-writer.js';
import { ownsItsMemory } from './message-claims.js';
import type { Echo } from './wire-inputs.js';

const FLAG_DISPOSITION = 1;
const FLAG_DISCONNECT = 2;
const FLAG_DISCARD = 4;
const FLAG_DONE = 8;
const FLAG_TEMPFAILED = 16;
const FLAG_FAILED = 32;
const FIXED = 6;
const SAME = -1;

/** Encodes a batch's outcomes in a worker; `outcomes[i]` is a Verdict or the error call i threw. */
export class VerdictEncoder {
  readonly #ints = new IntWriter();

  encode(outcomes: (Verdict | ErrorData)[], inputs: CallInput[], returned: ArrayBuffer[]): { result: BatchResult; transferList: ArrayBuffer[] } {
    const ints = this.#ints;
    const text: string[] = [];
    const keyIndex = new Map<string, number>();
    let rest: [number, RestData][] | undefined;
    let failures: [number, ErrorData][] | undefined;
    const transferList = [...returned];
    const writeContext = (context: Context, given: Context | undefined): void => {
      if (context === given) {
        ints.push(SAME);
        return;
      }
      const countAt = ints.length;
      ints.push(0);
      let n = 0;
      for (const key in context) {
        let k = keyIndex.get(key);
        if (k === undefined) {
          k = keyIndex.size;
          keyIndex.set(key, k);
        }
        const value = context[key]!;
        ints.push2(k, value.length);
        text.push(value);
        n++;
      }
      ints.set(countAt, n);
    };
    for (let i = 0; i < outcomes.length; i++) {
      const v = outcomes[i]!;
      if (!(typeof (v as Verdict).callouts === 'number')) {
        (failures ??= []).push([i, v as ErrorData]);
        for (let j = 0; j < FIXED; j++) ints.push(j === 1 ? FLAG_FAILED : 0);
        continue;
      }
      const verdict = v as Verdict;
      const d = verdict.disposition;
      let flags = verdict.action === 'done' ? FLAG_DONE : 0;
      if (verdict.tempfailed) flags |= FLAG_TEMPFAILED;
      if (d) flags |= FLAG_DISPOSITION | (d.disconnect ? FLAG_DISCONNECT : 0) | (d.discard ? FLAG_DISCARD : 0);
      ints.push(d ? d.code : 0);
      ints.push(flags);
      ints.push(verdict.callouts);
      ints.push(d ? d.text.length : 0);
      if (d) text.push(d.text);
      const input = inputs[i]!;
      writeContext(verdict.context.conn, input.context?.conn);
      writeContext(verdict.context.mess, input.context?.mess);
      const extra = restOf(verdict);
      if (extra) {
        (rest ??= []).push([i, extra]);
        const memory = extra.message?.buffer;
        if (memory instanceof ArrayBuffer && ownsItsMemory(extra.message!) && !transferList.includes(memory)) transferList.push(memory);
      }
    }
    const keys = [...keyIndex.keys()];
    const head = new Int32Array(1 + keys.length);
    head[0] = keys.length;
    keys.forEach((k, j) => (head[1 + j] = k.length));
    const body = ints.take();
    const all = new Int32Array(head.length + body.length);
    all.set(head);
    all.set(body, head.length);
    const result: BatchResult = { ints: all, text: keys.join('') + text.join(''), returned };
    if (rest) result.rest = rest;
    if (failures) result.failures = failures;
    return { result, transferList };
  }
}

function restOf(v: Verdict): RestData | undefined {
  const { headerEdits, message, errors, logs, envelopeChanged } = v;
  if (headerEdits.length === 0 && message === undefined && errors.length === 0 && logs.length === 0 && !envelopeChanged.mailfrom && !envelopeChanged.rcptto) {
    return undefined;
  }
  const out: RestData = {};
  if (headerEdits.length > 0) out.headerEdits = headerEdits;
  if (message !== undefined) out.message = message;
  if (envelopeChanged.mailfrom) out.mailfrom = v.mailfrom;
  if (envelopeChanged.rcptto) out.rcptto = v.rcptto;
  if (errors.length > 0) out.errors = errors.map((e) => e.toJSON());
  if (logs.length > 0) out.logs = logs;
  return out;
}

const NONE: readonly never[] = Object.freeze([]);
const UNCHANGED = Object.freeze({ mailfrom: false, rcptto: false });

/** An error thrown in a worker, rebuilt with its class and code. */
export function errorFromData(data: ErrorData): Error {
  if (data.name === 'UsageError') return new UsageError(data.message, data.code);
  return new ScriptletError(data.code ?? 'ERR_SCRIPTLET_WORKER', data.message);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes a batch's outcomes on the calling thread. echoes are what was kept
 * of each call's input; handedBack(i) is call i's message, when the worker
 * returned it (moved messages).
 */
export function decodeVerdicts(
  result: BatchResult,
  phase: Phase,
  version: string,
  echoes: readonly Echo[],
  handedBack: ((i: number) => Buffer | undefined) | null,
): (PoolVerdict | Error)[] {
  const { ints, text } = result;
  const out = new Array<PoolVerdict | Error>(echoes.length);
  const rest = new Map(result.rest);
  const failures = new Map(result.failures);
  const keys = new Array<string>(ints[0]!);
  let p = 1;
  let t = 0;
  for (let k = 0; k < keys.length; k++) {
    const end = t + ints[p++]!;
    keys[k] = text.slice(t, end);
    t = end;
  }
  const readContext = (given: Context | undefined): Context => {
    const n = ints[p++]!;
    if (n === SAME) return given ?? {};
    const context: Context = {};
    for (let j = 0; j < n; j++) {
      const key = keys[ints[p++]!]!;
      const end = t + ints[p++]!;
      context[key] = text.slice(t, end);
      t = end;
    }
    return context;
  };
  for (let i = 0; i < echoes.length; i++) {
    const code = ints[p]!;
    const flags = ints[p + 1]!;
    const callouts = ints[p + 2]!;
    const textEnd = t + ints[p + 3]!;
    p += 4;
    if (flags & FLAG_FAILED) {
      p += 2;
      out[i] = errorFromData(failures.get(i)!);
      continue;
    }
    const disposition =
      flags & FLAG_DISPOSITION
        ? { code, text: text.slice(t, textEnd), phase, disconnect: (flags & FLAG_DISCONNECT) !== 0, discard: (flags & FLAG_DISCARD) !== 0 }
        : null;
    t = textEnd;
    const echo = echoes[i]!;
    const conn = readContext(echo.conn);
    const mess = readContext(echo.mess);
    const r = rest.get(i);
    out[i] = {
      phase,
      disposition,
      action: flags & FLAG_DONE ? 'done' : 'continue',
      tempfailed: (flags & FLAG_TEMPFAILED) !== 0,
      headerEdits: r?.headerEdits ?? NONE,
      message: r?.message ? asBuffer(r.message) : handedBack?.(i),
      mailfrom: r && 'mailfrom' in r ? r.mailfrom : echo.mailfrom,
      rcptto: r && 'rcptto' in r ? r.rcptto : echo.rcptto,
      envelopeChanged: r && ('mailfrom' in r || 'rcptto' in r) ? { mailfrom: 'mailfrom' in r, rcptto: 'rcptto' in r } : UNCHANGED,
      context: { conn, mess },
      errors: r?.errors ? r.errors.map((e) => ScriptError.fromData(e)) : NONE,
      logs: r?.logs ?? NONE,
      callouts,
      version,
    };
  }
  return out;
}
