// The parsed configuration tree. Every node remembers where it was written.
// Names keep their original spelling; compare them with `sameName`, which
// ignores case as the configuration language does.

/** A position in a configuration file (1-based line and column). */
export interface Origin {
  file: string;
  line: number;
  col: number;
}

/** A bare word that is not an integer: `true`, `tempfail`, `/var/spool`. */
export interface ConfigWord {
  kind: 'word';
  text: string;
  origin: Origin;
}

/** A quoted string, escapes already decoded. */
export interface ConfigString {
  kind: 'string';
  text: string;
  origin: Origin;
}

/** A bare word made of digits (optionally signed) within the safe range. */
export interface ConfigInteger {
  kind: 'integer';
  value: number;
  origin: Origin;
}

/** `( a "b" 3 )` */
export interface ConfigList {
  kind: 'list';
  items: ConfigValue[];
  origin: Origin;
}

/** `[ key = value key2 = value2 ]`, entries in written order. */
export interface ConfigDict {
  kind: 'dict';
  entries: ConfigDictEntry[];
  origin: Origin;
}

export interface ConfigDictEntry {
  key: string;
  value: ConfigValue;
  origin: Origin;
}

export type ConfigValue = ConfigWord | ConfigString | ConfigInteger | ConfigList | ConfigDict;

/** `Name = value` */
export interface ConfigOption {
  kind: 'option';
  name: string;
  value: ConfigValue;
  origin: Origin;
}

/**
 * `name { ... }` (instance null) or `name "instance" { ... }`. The root of a
 * file is a scope with an empty name whose origin is line 1, column 1.
 */
export interface ConfigScope {
  kind: 'scope';
  name: string;
  instance: string | null;
  body: ConfigNode[];
  origin: Origin;
}

export type ConfigNode = ConfigOption | ConfigScope;

/** Case-insensitive name comparison, as the configuration language wants. */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Direct child scopes of `scope` called `name` (any case), in order. */
export function findScopes(scope: ConfigScope, name: string): ConfigScope[] {
  return scope.body.filter((n): n is ConfigScope => n.kind === 'scope' && sameName(n.name, name));
}

/** Direct options of `scope` called `name` (any case), in order. */
export function findOptions(scope: ConfigScope, name: string): ConfigOption[] {
  return scope.body.filter((n): n is ConfigOption => n.kind === 'option' && sameName(n.name, name));
}

/** The option in force (the last one written), if any. */
export function getOption(scope: ConfigScope, name: string): ConfigOption | undefined {
  const all = findOptions(scope, name);
  return all[all.length - 1];
}

/** `scriptlet "scriptlet"` or `alerting`: how a scope is named in messages. */
export function scopeLabel(scope: ConfigScope): string {
  return scope.instance === null ? scope.name : `${scope.name} ${JSON.stringify(scope.instance)}`;
}

/** How a value is shown after "found" in messages. */
export function describeValue(value: ConfigValue): string {
  switch (value.kind) {
    case 'word':
      return `'${clip(value.text)}'`;
    case 'integer':
      return `'${value.value}'`;
    case 'string':
      return JSON.stringify(clip(value.text));
    case 'list':
      return 'a list';
    case 'dict':
      return 'a dictionary';
  }
}

/** The text of a scalar value (word, string or integer), or undefined. */
export function scalarText(value: ConfigValue): string | undefined {
  switch (value.kind) {
    case 'word':
    case 'string':
      return value.text;
    case 'integer':
      return String(value.value);
    default:
      return undefined;
  }
}

export function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** A copy of a tree with every origin removed, for comparing trees. */
export function stripOrigins(node: ConfigNode): unknown;
export function stripOrigins(node: ConfigValue): unknown;
export function stripOrigins(node: ConfigNode | ConfigValue): unknown {
  switch (node.kind) {
    case 'scope':
      return { kind: 'scope', name: node.name, instance: node.instance, body: node.body.map((n) => stripOrigins(n)) };
    case 'option':
      return { kind: 'option', name: node.name, value: stripOrigins(node.value) };
    case 'list':
      return { kind: 'list', items: node.items.map((v) => stripOrigins(v)) };
    case 'dict':
      return { kind: 'dict', entries: node.entries.map((e) => ({ key: e.key, value: stripOrigins(e.value) })) };
    case 'integer':
      return { kind: 'integer', value: node.value };
    default:
      return { kind: node.kind, text: node.text };
  }
}
