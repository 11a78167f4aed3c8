// The contexts of a verdict, decoded from the text the addon wrote them in
// (native/napi/verdict_js.hpp) or from their pairs.
//
// Stored one key at a time, a context's properties go through a keyed store
// that sees a new key at each entry: megamorphic from the second key on, a
// stub-cache probe and a map transition each (~25 ns a key, the largest
// part of decoding a verdict with a two-key context). The few sets of keys
// a policy writes are met again message after message: for each, a builder
// made once returns an object literal with those keys, which V8 allocates
// at once with its final shape.

import type { Context } from './verdict.js';

const FIRST_KEY_CODE = 0x80;
/** Contexts with more keys than this, or keys numbered past MAX_KEY_ID, are built a key at a time. */
const MAX_SHAPE_KEYS = 3;
const MAX_KEY_ID = 1022;
/** Builders made, and shapes noted per key table: past this many sets of keys (keys taken from mail, say), the rest go a key at a time. */
const MAX_SHAPES = 256;

type Builder = (a: string, b: string, c: string) => Context;

/** Builders by their keys' names joined with NUL (no key holds one), made once for the process. */
const builders = new Map<string, Builder | null>();
/** Per key table (ids mean keys only in their table): builders by the signature of their keys (contextFromText). */
const tables = new WeakMap<readonly string[], Map<number, Builder | null>>();
let lastTable: readonly string[] | undefined;
let lastShapes = new Map<number, Builder | null>();
/** false once the host forbids code from strings (node --disallow-code-generation-from-strings). */
let buildersAllowed = true;

// The ids of the keys of the context being decoded. Its values stay in
// locals: stored in a module's array (old space), each young string took
// the write barrier's slow path, a remembered-set entry a value.
const ids: number[] = [0, 0, 0];

/** Where the entry at p ends: past its key's id, its length's two units and its value (within end). */
function entryEnd(text: string, p: number, end: number): number {
  return Math.min(end, p + 3 + ((text.charCodeAt(p + 1) << 8) | text.charCodeAt(p + 2)));
}

/**
 * A context from text[start, end): per entry, the key's id as one character
 * (U+0080 + id), the value's length as two (high byte, low byte), then the
 * value. The keys come from the table: making them afresh for every
 * verdict cost more than the rest of decoding. A set of keys is known by
 * its signature: the ids plus one, in order, as digits in base 1 024.
 */
export function contextFromText(text: string, start: number, end: number, keys: readonly string[]): Context {
  let signature = 0;
  let count = 0;
  let a = '';
  let b = '';
  let c = '';
  for (let p = start; p < end; count++) {
    const id = text.charCodeAt(p) - FIRST_KEY_CODE;
    if (count === MAX_SHAPE_KEYS || id > MAX_KEY_ID) return contextKeyByKey(text, start, end, keys);
    const to = entryEnd(text, p, end);
    const value = text.slice(p + 3, to);
    if (count === 0) a = value;
    else if (count === 1) b = value;
    else c = value;
    ids[count] = id;
    signature = signature * 1024 + id + 1;
    p = to;
  }
  const build = builderFor(signature, keys, count);
  return build ? build(a, b, c) : contextKeyByKey(text, start, end, keys);
}

/** The builder for the count keys in ids, made if it is new. */
function builderFor(signature: number, keys: readonly string[], count: number): Builder | null {
  if (keys !== lastTable) {
    let shapes = tables.get(keys);
    if (!shapes) tables.set(keys, (shapes = new Map()));
    lastTable = keys;
    lastShapes = shapes;
  }
  let build = lastShapes.get(signature);
  if (build !== undefined) return build;
  if (lastShapes.size >= MAX_SHAPES) return null;
  const names = ids.slice(0, count).map((id) => keys[id]!);
  const joined = names.join('\0');
  build = builders.get(joined);
  if (build === undefined) {
    build = buildersAllowed && builders.size < MAX_SHAPES ? makeBuilder(names) : null;
    if (builders.size < MAX_SHAPES) builders.set(joined, build);
  }
  lastShapes.set(signature, build);
  return build;
}

/**
 * (a, b, c) => ({ key0: a, key1: b, ... }). The keys are the policy's
 * (perhaps taken from mail), written as JSON string literals. None for
 * "__proto__", which a literal would take as the prototype.
 */
function makeBuilder(names: string[]): Builder | null {
  if (names.includes('__proto__') || new Set(names).size !== names.length) return null;
  const fields = names.map((name, i) => `${JSON.stringify(name)}: ${'abc'[i]}`).join(', ');
  try {
    return new Function('a', 'b', 'c', `return { ${fields} };`) as Builder;
  } catch {
    buildersAllowed = false;
    return null;
  }
}

function contextKeyByKey(text: string, start: number, end: number, keys: readonly string[]): Context {
  const out: Context = {};
  for (let p = start; p < end; ) {
    const to = entryEnd(text, p, end);
    setEntry(out, keys[text.charCodeAt(p) - FIRST_KEY_CODE]!, text.slice(p + 3, to));
    p = to;
  }
  return out;
}

/** A context from its pairs [k, v, k, v, ...]. */
export function contextFromPairs(pairs: string[]): Context {
  const out: Context = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) setEntry(out, pairs[i]!, pairs[i + 1]!);
  return out;
}

/** out[key] = value, for any key: "__proto__" too is a key like the others, not the prototype. */
function setEntry(out: Context, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
