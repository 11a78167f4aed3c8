// The options of the `scriptlet` scope: their types, ranges and defaults, and
// the checks shared by the configuration file and run-time `config set`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { didYouMean } from './closest-name.js';
import { ConfigValueError, ProblemList } from './errors.js';
import { parseValueText } from './parser.js';
import { describeValue, scalarText, type ConfigOption, type ConfigValue, type Origin } from './tree.js';

export type OnError = 'continue' | 'tempfail';

export interface ScriptletOptions {
  /** Full collection after every call (Momentum). */
  alwaysGc: boolean;
  /** LUA_GCSETPAUSE on every state (Momentum). */
  gcPause: number;
  /** LUA_GCSETSTEPMUL on every state (Momentum). */
  gcStepmul: number;
  /** Seconds between sweeps of idle spare threads (Momentum). */
  reapInterval: number;
  /** Idle Lua threads kept per master state; 0 keeps none (Momentum). */
  maxSparePerMaster: number;
  /** Uses after which a Lua thread is discarded (Momentum). */
  maxUsesPerThread: number;
  /** Seconds a loaded script is cached before it is rebuilt (Momentum). */
  scriptTtl: number;
  /** Worker threads; 0 means one per CPU (engine extension). */
  threads: number;
  /** Lua instructions per call; 0 means unlimited (engine extension). */
  instructionLimit: number;
  /** Wall-clock seconds per call (engine extension). */
  callTimeout: number;
  /** Bytes per Lua state; 0 means unlimited (engine extension). */
  memoryLimit: number;
  /** Remove unsafe libraries from scripts' reach (engine extension). */
  sandbox: boolean;
  /** Absolute directories searched before the default ones (engine extension). */
  searchPath: string[];
  /** Absolute directories msys.readfile and msys.cidr may read besides the search path (engine extension). */
  dataDirs: string[];
  /** What a phase does when a callout errors or returns nothing (engine extension). */
  onError: OnError;
  /** Directory of msys.audit_series snapshots (persist = true); "" keeps series in memory only (engine extension). */
  stateDir: string;
}

export type ScriptletOptionKey = keyof ScriptletOptions;

/** Option names as written in the configuration, mapped to their keys. */
export const SCRIPTLET_OPTION_KEYS = {
  always_gc: 'alwaysGc',
  gc_pause: 'gcPause',
  gc_stepmul: 'gcStepmul',
  reap_interval: 'reapInterval',
  max_spare_per_master: 'maxSparePerMaster',
  max_uses_per_thread: 'maxUsesPerThread',
  script_ttl: 'scriptTtl',
  threads: 'threads',
  instruction_limit: 'instructionLimit',
  call_timeout: 'callTimeout',
  memory_limit: 'memoryLimit',
  sandbox: 'sandbox',
  search_path: 'searchPath',
  data_dirs: 'dataDirs',
  on_error: 'onError',
  state_dir: 'stateDir',
} as const satisfies Record<string, ScriptletOptionKey>;

export type ScriptletOptionName = keyof typeof SCRIPTLET_OPTION_KEYS;

export const DEFAULT_SCRIPTLET_OPTIONS: Readonly<ScriptletOptions> = Object.freeze({
  alwaysGc: false,
  gcPause: 200,
  gcStepmul: 200,
  reapInterval: 120,
  maxSparePerMaster: 5000,
  maxUsesPerThread: 5000,
  scriptTtl: 300,
  threads: 0,
  instructionLimit: 10_000_000,
  callTimeout: 5,
  memoryLimit: 268_435_456,
  sandbox: true,
  searchPath: Object.freeze([]) as unknown as string[],
  dataDirs: Object.freeze([]) as unknown as string[],
  onError: 'continue',
  stateDir: '',
});

/** How one option is checked; `parse` returns undefined for a bad value. */
export interface ScriptletOptionSpec {
  name: ScriptletOptionName;
  key: ScriptletOptionKey;
  /** True for Momentum's own options, false for engine extensions. */
  momentum: boolean;
  /** What a good value is, as said in messages: "a positive integer". */
  expects: string;
  parse(value: ConfigValue, baseDir: string): ScriptletOptions[ScriptletOptionKey] | undefined;
}

const BOOLEANS: Record<string, boolean> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };
const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

function parseBoolean(value: ConfigValue): boolean | undefined {
  const text = scalarText(value);
  return text === undefined ? undefined : BOOLEANS[text.toLowerCase()];
}

function parseInteger(value: ConfigValue, min: number): number | undefined {
  const text = scalarText(value);
  if (text === undefined || !/^[+-]?[0-9]+$/.test(text)) return undefined;
  const n = Number(text) + 0;
  return Number.isSafeInteger(n) && n >= min ? n : undefined;
}

function parsePositiveNumber(value: ConfigValue): number | undefined {
  const text = scalarText(value);
  if (text === undefined || !/^([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function parseSize(value: ConfigValue): number | undefined {
  const match = /^([0-9]+)([kmg]?)$/i.exec(scalarText(value) ?? '');
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()];
  if (!match || unit === undefined) return undefined;
  const n = Number(match[1]) * unit;
  return Number.isSafeInteger(n) ? n : undefined;
}

function parseOnError(value: ConfigValue): OnError | undefined {
  const text = scalarText(value)?.toLowerCase();
  return text === 'continue' || text === 'tempfail' ? text : undefined;
}

function parseDirectories(value: ConfigValue, baseDir: string): string[] | undefined {
  const items = value.kind === 'list' ? value.items : [value];
  const dirs: string[] = [];
  for (const item of items) {
    const text = scalarText(item);
    if (text === undefined || text === '') return undefined;
    dirs.push(path.resolve(baseDir, text));
  }
  return dirs;
}

// state_dir: resolved against the configuration file's directory, and
// checked now, so that `scriptlet check` reports it rather than the first
// snapshot, minutes later.
function parseStateDir(value: ConfigValue, baseDir: string): string | undefined {
  const text = scalarText(value);
  if (text === undefined) return undefined;
  if (text === '') return ''; // none: series are kept in memory only
  const dir = path.resolve(baseDir, text);
  try {
    if (!fs.statSync(dir).isDirectory()) return undefined;
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    return undefined;
  }
  return dir;
}

const positive = (v: ConfigValue) => parseInteger(v, 1);
const nonNegative = (v: ConfigValue) => parseInteger(v, 0);

export const SCRIPTLET_OPTION_SPECS: readonly ScriptletOptionSpec[] = [
  { name: 'always_gc', key: 'alwaysGc', momentum: true, expects: 'a boolean (true/false, yes/no, on/off, 1/0)', parse: parseBoolean },
  { name: 'gc_pause', key: 'gcPause', momentum: true, expects: 'a positive integer', parse: positive },
  { name: 'gc_stepmul', key: 'gcStepmul', momentum: true, expects: 'a positive integer', parse: positive },
  { name: 'reap_interval', key: 'reapInterval', momentum: true, expects: 'a positive integer (seconds)', parse: positive },
  { name: 'max_spare_per_master', key: 'maxSparePerMaster', momentum: true, expects: 'an integer >= 0', parse: nonNegative },
  { name: 'max_uses_per_thread', key: 'maxUsesPerThread', momentum: true, expects: 'a positive integer', parse: positive },
  { name: 'script_ttl', key: 'scriptTtl', momentum: true, expects: 'an integer >= 0 (seconds)', parse: nonNegative },
  { name: 'threads', key: 'threads', momentum: false, expects: 'an integer >= 0', parse: nonNegative },
  { name: 'instruction_limit', key: 'instructionLimit', momentum: false, expects: 'an integer >= 0', parse: nonNegative },
  { name: 'call_timeout', key: 'callTimeout', momentum: false, expects: 'a positive number of seconds', parse: parsePositiveNumber },
  { name: 'memory_limit', key: 'memoryLimit', momentum: false, expects: 'a size in bytes >= 0, optionally with suffix K, M or G', parse: parseSize },
  { name: 'sandbox', key: 'sandbox', momentum: false, expects: 'a boolean (true/false, yes/no, on/off, 1/0)', parse: parseBoolean },
  { name: 'search_path', key: 'searchPath', momentum: false, expects: 'a list of directories, e.g. ( "lua" "/etc/lua" )', parse: parseDirectories },
  { name: 'data_dirs', key: 'dataDirs', momentum: false, expects: 'a list of directories, e.g. ( "/var/lib/policy" )', parse: parseDirectories },
  { name: 'on_error', key: 'onError', momentum: false, expects: "'continue' or 'tempfail'", parse: parseOnError },
  { name: 'state_dir', key: 'stateDir', momentum: false, expects: 'an existing, writable directory (or "" for none)', parse: parseStateDir },
];

/** The spec of an option (any case), or undefined if there is none. */
export function findOptionSpec(name: string): ScriptletOptionSpec | undefined {
  const lower = name.toLowerCase();
  return SCRIPTLET_OPTION_SPECS.find((s) => s.name === lower);
}

/** The message for an option the scope does not have, with the nearest it has (the scriptlet scope's by default). */
export function unknownOptionMessage(name: string, known: Iterable<string> = Object.keys(SCRIPTLET_OPTION_KEYS)): string {
  return `invalid configuration option '${name}'${didYouMean(name, known)}`;
}

export function badValueMessage(name: string, spec: ScriptletOptionSpec, value: ConfigValue): string {
  return `option '${name}' expects ${spec.expects}, found ${describeValue(value)}`;
}

/** Options in force and where each was set. */
export interface OptionsWithOrigins {
  options: ScriptletOptions;
  origins: Record<ScriptletOptionKey, Origin | 'default'>;
}

export function defaultOptions(): OptionsWithOrigins {
  const options: ScriptletOptions = { ...DEFAULT_SCRIPTLET_OPTIONS, searchPath: [], dataDirs: [] };
  const origins = Object.fromEntries(SCRIPTLET_OPTION_SPECS.map((s) => [s.key, 'default'])) as OptionsWithOrigins['origins'];
  return { options, origins };
}

/** Applies one `name = value` of a scriptlet scope; later calls win. */
export function applyOption(into: OptionsWithOrigins, option: ConfigOption, problems: ProblemList): void {
  const spec = findOptionSpec(option.name);
  if (!spec) {
    problems.add(option.origin, unknownOptionMessage(option.name));
    return;
  }
  const value = spec.parse(option.value, path.dirname(option.origin.file));
  if (value === undefined) {
    problems.add(option.value.origin, badValueMessage(option.name, spec, option.value));
    return;
  }
  (into.options as unknown as Record<string, unknown>)[spec.key] = value;
  into.origins[spec.key] = option.origin;
}

type ValueOf<N extends ScriptletOptionName> = ScriptletOptions[(typeof SCRIPTLET_OPTION_KEYS)[N]];

export interface RuntimeOptionContext {
  /** Base for relative `search_path` entries (default: the current directory). */
  baseDir?: string;
}

/**
 * Checks a value given at run time (`config set scriptlet NAME VALUE`) and
 * returns it typed. Strings are read as configuration values (`yes`, `200`,
 * `( "a" "b" )`); numbers, booleans and arrays of strings are taken as is.
 * Throws a ConfigValueError with the same message a file would produce.
 */
export function validateScriptletOption<N extends ScriptletOptionName>(name: N, value: unknown, ctx?: RuntimeOptionContext): ValueOf<N>;
export function validateScriptletOption(name: string, value: unknown, ctx?: RuntimeOptionContext): ScriptletOptions[ScriptletOptionKey];
export function validateScriptletOption(name: string, value: unknown, ctx: RuntimeOptionContext = {}): ScriptletOptions[ScriptletOptionKey] {
  const spec = findOptionSpec(name);
  if (!spec) throw new ConfigValueError(name, unknownOptionMessage(name));
  const node = runtimeValue(value);
  if (node === undefined) throw new ConfigValueError(name, `option '${name}' expects ${spec.expects}, found a value of type ${typeof value}`);
  const parsed = spec.parse(node, ctx.baseDir ?? process.cwd());
  if (parsed === undefined) throw new ConfigValueError(name, badValueMessage(name, spec, node));
  return parsed;
}

const RUNTIME_ORIGIN: Origin = { file: '<runtime>', line: 1, col: 1 };

/** A JavaScript value as the configuration value it stands for. */
function runtimeValue(value: unknown): ConfigValue | undefined {
  if (typeof value === 'string') {
    const problems = new ProblemList();
    const parsed = parseValueText(value, RUNTIME_ORIGIN.file, problems);
    return parsed && problems.empty ? parsed : { kind: 'string', text: value, origin: RUNTIME_ORIGIN };
  }
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return { kind: 'integer', value: value + 0, origin: RUNTIME_ORIGIN };
    return { kind: 'word', text: String(value), origin: RUNTIME_ORIGIN };
  }
  if (typeof value === 'boolean') return { kind: 'word', text: String(value), origin: RUNTIME_ORIGIN };
  if (Array.isArray(value)) {
    const items = value.map(runtimeValue);
    if (items.some((i) => i === undefined)) return undefined;
    return { kind: 'list', items: items as ConfigValue[], origin: RUNTIME_ORIGIN };
  }
  return undefined;
}
