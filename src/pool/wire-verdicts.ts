// Verdicts on their way back from a worker. The worker sends the addon's own
// encoding of a batch (native/napi/verdict_js.hpp: an Int32Array, one string,
// the rare parts in values; the text ends with the context keys it names), so
// it makes no JS object per call; the calling thread decodes it with the
// Verdict class a call in this thread uses. What a call left as it was (an
// unchanged context, the envelope) does not travel: it is taken from the
// input the calling thread kept.

import { ScriptletError, UsageError } from '../engine/errors.js';
import type { Phase } from '../engine/phases.js';
import { batchKeys, decodeVerdict, type Verdict } from '../engine/verdict.js';
import type { NativeVerdictRest } from '../native/types.js';
import type { ErrorData, SentBatchResult } from './protocol.js';
import type { Givens } from './wire-inputs.js';

// Not frozen: reading past the end of a frozen array misses V8's fast path.
const NO_VALUES: readonly unknown[] = [];

/** An error thrown in a worker, rebuilt with its class and code. */
export function errorFromData(data: ErrorData): Error {
  if (data.name === 'UsageError') return new UsageError(data.message, data.code);
  return new ScriptletError(data.code ?? 'ERR_SCRIPTLET_WORKER', data.message);
}

/** A batch's outcomes, from its result and the verdicts' ints (shared with the worker, from ints[at]); givens, what was kept of each call's input. */
export function decodeVerdicts(result: SentBatchResult, ints: Int32Array, at: number, phase: Phase, version: string, givens: Givens): (Verdict | Error)[] {
  const out = new Array<Verdict | Error>(givens.count);
  if ('error' in result) {
    for (let i = 0; i < out.length; i++) out[i] = errorFromData(result.error);
    return out;
  }
  const { text } = result;
  const keys = batchKeys(text);
  const values = result.values ?? NO_VALUES;
  if (result.values) restoreBuffers(result.values);
  for (let i = 0; i < out.length; i++) out[i] = decodeVerdict(phase, ints, text, values, keys, i, givens.given(i), version, at);
  return out;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** An edited message (and an injected one) crosses as a Uint8Array (structured clone keeps no Buffer): a Buffer again, on the same memory. */
function restoreBuffers(values: unknown[]): void {
  for (let i = 1; i < values.length; i += 2) {
    const rest = values[i] as NativeVerdictRest | undefined;
    const bytes = rest?.message as Uint8Array | undefined;
    if (bytes && !Buffer.isBuffer(bytes)) rest!.message = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const m of rest?.injected ?? []) if (!Buffer.isBuffer(m.message)) m.message = asBuffer(m.message);
  }
}
