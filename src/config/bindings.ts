// Momentum's bindings (outbound identities: source address, queues) as the
// configuration declares them, top level beside the scriptlet scope:
//
//   binding "mta1" { bind_address = "192.0.2.1" }
//   binding_group "pool" { binding "mta2" { } binding "mta3" { } }
//
// What the engine needs of them is their names (msg:binding,
// msg:binding_group); their options belong to whoever delivers and are kept
// in the tree as written. "default" is always a binding, declared or not.
// Also: the literal names a script passes to msg:binding(...) and
// msg:binding_group(...), which `scriptlet check` compares with these.

import { didYouMean } from './closest-name.js';
import type { ProblemList } from './errors.js';
import { sameName, type ConfigScope, type Origin } from './tree.js';

export const DEFAULT_BINDING = 'default';

export interface ConfiguredBinding {
  name: string;
  /** The binding_group it belongs to, if any. */
  group: string | null;
  origin: Origin;
}

export interface ConfiguredBindingGroup {
  name: string;
  bindings: ConfiguredBinding[];
  origin: Origin;
}

export interface ConfiguredBindings {
  /** Every binding, those of groups included, in configuration order. */
  bindings: ConfiguredBinding[];
  bindingGroups: ConfiguredBindingGroup[];
}

/** The top-level binding and binding_group scopes of a tree; problems for unnamed and duplicate ones. */
export function readBindings(tree: ConfigScope, problems: ProblemList): ConfiguredBindings {
  const out: ConfiguredBindings = { bindings: [], bindingGroups: [] };
  for (const node of tree.body) {
    if (node.kind !== 'scope') continue;
    if (sameName(node.name, 'binding')) addBinding(node, null, out, problems);
    else if (sameName(node.name, 'binding_group')) addGroup(node, out, problems);
  }
  return out;
}

function named(scope: ConfigScope, what: string, problems: ProblemList): string | null {
  if (scope.instance !== null && scope.instance !== '') return scope.instance;
  problems.add(scope.origin, `a ${what} needs a name: ${what} "NAME" { }`);
  return null;
}

function at(o: Origin): string {
  return `${o.file}:${o.line}:${o.col}`;
}

function addBinding(scope: ConfigScope, group: ConfiguredBindingGroup | null, out: ConfiguredBindings, problems: ProblemList): void {
  const name = named(scope, 'binding', problems);
  if (name === null) return;
  const earlier = out.bindings.find((b) => b.name === name);
  if (earlier) {
    const where = earlier.group === null ? '' : ` in binding_group '${earlier.group}'`;
    problems.add(scope.origin, `duplicate binding '${name}': already defined${where} at ${at(earlier.origin)}`);
    return;
  }
  const binding: ConfiguredBinding = { name, group: group?.name ?? null, origin: scope.origin };
  out.bindings.push(binding);
  group?.bindings.push(binding);
}

function addGroup(scope: ConfigScope, out: ConfiguredBindings, problems: ProblemList): void {
  const name = named(scope, 'binding_group', problems);
  if (name === null) return;
  const earlier = out.bindingGroups.find((g) => g.name === name);
  if (earlier) {
    problems.add(scope.origin, `duplicate binding_group '${name}': already defined at ${at(earlier.origin)}`);
    return;
  }
  const group: ConfiguredBindingGroup = { name, bindings: [], origin: scope.origin };
  out.bindingGroups.push(group);
  for (const node of scope.body) {
    if (node.kind === 'scope' && sameName(node.name, 'binding')) addBinding(node, group, out, problems);
    else if (node.kind === 'scope' && sameName(node.name, 'binding_group')) problems.add(node.origin, `a binding_group cannot hold another binding_group ('${name}' holds one)`);
  }
}

/** A literal msg:binding("x") or msg:binding_group("x") in a script's source, with its 1-based position. */
export interface BindingReference {
  kind: 'binding' | 'binding_group';
  name: string;
  line: number;
  col: number;
}

// `:binding("x")`, `:binding_group('x')`, `:binding "x"`: the forms a literal name takes.
const REFERENCE = /:\s*(binding_group|binding)\s*\(?\s*(["'])([^"'\\\n]*)\2/g;

/** The literal names a script passes to msg:binding / msg:binding_group (comments are not told apart). */
export function bindingReferences(source: string): BindingReference[] {
  const out: BindingReference[] = [];
  const lineStarts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  for (const m of source.matchAll(REFERENCE)) {
    const offset = m.index! + m[0].length - m[3]!.length - 2;  // the opening quote
    let line = lineStarts.length - 1;
    while (lineStarts[line]! > offset) line--;
    out.push({ kind: m[1] as BindingReference['kind'], name: m[3]!, line: line + 1, col: offset - lineStarts[line]! + 1 });
  }
  return out;
}

/** Why a reference names nothing configured ("" when it does), with the nearest configured name. */
export function unknownBindingMessage(ref: BindingReference, config: ConfiguredBindings): string {
  const names = ref.kind === 'binding' ? [DEFAULT_BINDING, ...config.bindings.map((b) => b.name)] : config.bindingGroups.map((g) => g.name);
  if (names.includes(ref.name)) return '';
  const what = ref.kind === 'binding' ? 'binding' : 'binding_group';
  return `msg:${ref.kind}("${ref.name}"): no ${what} '${ref.name}' is configured (it would return nil)${didYouMean(ref.name, names)}`;
}
