// A policy in this thread: one master Lua state holding the scripts, run once
// per message and phase. The building block of the worker pool, and what a
// host that wants no threads uses directly.

import * as path from 'node:path';
import { packageScriptletsDir } from '../config/package-root.js';
import { loadAddon, type EngineName } from '../native/addon.js';
import type { NativeBatch, NativeMaster, NativeStats } from '../native/types.js';
import { LoadError, UsageError } from './errors.js';
import { readScripts, scriptsVersion, type LoadedScript, type ScriptSpec } from './script-set.js';
import { nativeTuning, TUNING_KEYS, type PolicyTuning } from './options.js';
import { PHASES, phaseIndex, type Phase } from './phases.js';
import { configureState } from '../state/index.js';
import { datasourcesFor, findDatasource, parseDatasourceUri, watchDatasourceCidrs, type CidrAddon, type DatasourceConfig } from '../datasource/index.js';
import { DEADLINE, SuspensionRunner, type ResumeResult, type ScriptConsole, type SuspendRequest } from './suspension.js';
import { copyVerdict, decodeVerdict, FLAG_SUSPENDED, INPUT_HAS_CONN, INPUT_HAS_MESS, INTS, PACKED_HEADER, type CallInput, type EncodedVerdicts, type Verdict, type LogLine } from './verdict.js';

/** The most calls one runBatch takes (the addon's bound too). */
export const MAX_BATCH = 4096;

export type { ScriptSpec } from './script-set.js';
export { scriptsVersion } from './script-set.js';

export interface PolicyOptions extends PolicyTuning {
  /** The modules, in the order their callouts run. */
  scripts: ScriptSpec[];
  /** Directories for require(); the package's scriptlets/ is always last. */
  searchPath?: string[];
  /**
   * Directories msys.readfile and msys.cidr's rbldnsd files may be read
   * from besides the search path (relative names are looked up there after
   * it); with the sandbox, nothing outside the two can be read.
   */
  dataDirs?: string[];
  /** 'luajit' or 'lua51'; default: SCRIPTLET_ENGINE, else the default build. */
  engine?: EngineName;
  /** DNS servers for msys.dnsLookup ("ip" or "ip:port"); default: the system's. */
  dnsServers?: string[];
  /**
   * The sandbox (default true): no io, debug, ffi, jit, os.execute/exit/
   * remove/rename, package.loadlib; loadfile/dofile only inside the search
   * path; a read-only base library; a call's globals gone when it ends.
   * false: for trusted scripts only. See docs/guard-rails.md.
   */
  sandbox?: boolean;
  /**
   * The bindings msg:binding may choose (the configuration's `binding`
   * scopes, those inside groups too); "default" is always one.
   */
  bindings?: string[];
  /** The groups msg:binding_group picks a binding of (`binding_group` scopes). */
  bindingGroups?: BindingGroup[];
  /**
   * Where msys.audit_series keeps the series defined with persist = true
   * (`state_dir`). The store is one per process: the last policy opened
   * with a stateDir sets it for all. See docs/state.md.
   */
  stateDir?: string;
  /** The datasources msys.db queries (`datasource "NAME" { uri = (...) }`; docs/lua-api.md). */
  datasources?: DatasourceConfig[];
}

export interface BindingGroup {
  name: string;
  bindings: string[];
}

/**
 * A batch of calls packed by the worker pool's calling thread
 * (src/pool/wire-inputs.ts, native/napi/packed_input.hpp): their facts in
 * ints and text, their messages read in place.
 */
export interface PackedCalls {
  ints: Int32Array;
  /** Where in ints the batch's header (PACKED_HEADER) lies. */
  headerAt: number;
}

/** One call's verdict, encoded (a resume's). */
interface EncodedVerdict {
  ints: Int32Array;
  text: string;
  values: unknown[];
}

export interface PolicyStats extends NativeStats {
  engine: EngineName;
  version: string;
}

/** An option's directories, absolute; none when it is absent. */
function directories(option: string, value: unknown): string[] {
  if (value !== undefined && (!Array.isArray(value) || value.some((d) => typeof d !== 'string'))) {
    throw new UsageError(`options.${option} must be an array of directory paths`);
  }
  return ((value as string[] | undefined) ?? []).map((d) => path.resolve(d));
}

function searchPathFor(scripts: LoadedScript[], extra: unknown): string[] {
  const dirs = directories('searchPath', extra);
  for (const s of scripts) if (!s.path.startsWith('=')) dirs.push(path.dirname(s.path));
  dirs.push(packageScriptletsDir());
  return [...new Set(dirs)];
}

function checkBindings(bindings: unknown, groups: unknown): void {
  const names = (v: unknown) => Array.isArray(v) && v.every((b) => typeof b === 'string' && b !== '');
  if (!names(bindings)) throw new UsageError('options.bindings must be an array of binding names');
  if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'object' && g !== null && typeof g.name === 'string' && g.name !== '' && names(g.bindings))) {
    throw new UsageError('options.bindingGroups must be an array of { name, bindings: [names] }');
  }
}

function checkDatasources(list: unknown): DatasourceConfig[] | undefined {
  if (list === undefined) return undefined;
  const ok = (d: unknown) => typeof d === 'object' && d !== null && typeof (d as DatasourceConfig).name === 'string' && Array.isArray((d as DatasourceConfig).uris) && (d as DatasourceConfig).uris.every((u) => typeof u === 'string');
  if (!Array.isArray(list) || !list.every(ok)) throw new UsageError('options.datasources must be an array of { name, uris: [strings], cacheSize?, cacheLife?, maxRows?, noCache? }');
  for (const d of list as DatasourceConfig[]) {
    for (const uri of d.uris) {
      try {
        parseDatasourceUri(uri);
      } catch (err) {
        throw new UsageError(`options.datasources: datasource '${d.name}': ${(err as Error).message}`);
      }
    }
  }
  return list as DatasourceConfig[];
}

function suspensionRunner(dnsServers: unknown): SuspensionRunner {
  const what = 'options.dnsServers must be an array of "ip" or "ip:port" strings';
  if (dnsServers !== undefined && (!Array.isArray(dnsServers) || dnsServers.some((s) => typeof s !== 'string'))) {
    throw new UsageError(what);
  }
  try {
    return new SuspensionRunner(dnsServers as string[] | undefined);
  } catch (err) {
    throw new UsageError(`${what}: ${(err as Error).message}`);
  }
}

export class Policy {
  readonly engine: EngineName;
  readonly engineVersion: string;
  readonly version: string;
  /** What the scripts printed while loading and in init(). */
  readonly loadLogs: LogLine[];
  #master: NativeMaster | null;
  // Reused by every call: the addon writes each verdict's numbers here.
  readonly #ints = new Int32Array(MAX_BATCH * INTS);
  // The context keys the addon numbered, in id order.
  readonly #contextKeys: string[] = [];
  // For resume(): one call at a time, decoded before the next await.
  readonly #resumeInts = new Int32Array(INTS);
  readonly #suspensions: SuspensionRunner;

  constructor(options: PolicyOptions) {
    if (typeof options !== 'object' || options === null) throw new UsageError('openPolicy needs an options object');
    const { scripts: specs, searchPath, dataDirs, engine, dnsServers, sandbox = true, bindings = [], bindingGroups = [], stateDir, datasources, ...rest } = options;
    if (typeof sandbox !== 'boolean') throw new UsageError(`options.sandbox must be a boolean, got ${String(sandbox)}`);
    checkBindings(bindings, bindingGroups);
    for (const key of Object.keys(rest)) if (!TUNING_KEYS.includes(key)) throw new UsageError(`unknown option '${key}'`);
    const tuning = nativeTuning(rest as Record<string, unknown>);
    this.#suspensions = suspensionRunner(dnsServers);
    this.#suspensions.datasources = datasourcesFor(checkDatasources(datasources));
    const scripts = readScripts(specs);
    const addon = loadAddon(engine);
    if (stateDir !== undefined) configureState({ stateDir }, addon.engine);
    this.engine = addon.engine;
    this.engineVersion = addon.engineVersion;
    this.version = scriptsVersion(scripts);
    const master = new addon.Master({ ...tuning, sandbox, searchPath: searchPathFor(scripts, searchPath), dataDirs: directories('dataDirs', dataDirs), bindings, bindingGroups });
    try {
      for (const s of scripts) {
        const problem = master.loadScript(s.name, s.source, s.path);
        if (problem) throw new LoadError(problem);
      }
      const problem = master.init();
      if (problem) throw new LoadError(problem);
    } catch (err) {
      master.close();
      throw err;
    }
    this.loadLogs = master.takeLoadLogs();
    master.useInts(this.#ints);
    this.#master = master;
    if (datasources?.length) watchDatasourceCidrs(addon as unknown as CidrAddon, findDatasource); // msys.cidr's datasource tables
  }

  #live(): NativeMaster {
    if (!this.#master) throw new UsageError('this policy is closed', 'ERR_SCRIPTLET_CLOSED');
    return this.#master;
  }

  // The last phase named, and its index: a host calls phase after phase of the same name.
  #lastPhase: Phase | undefined;
  #lastIndex = 0;

  #phase(phase: Phase): number {
    if (phase === this.#lastPhase) return this.#lastIndex;
    const index = phaseIndex(phase);
    if (index === undefined) throw new UsageError(`unknown phase '${String(phase)}': expected one of ${PHASES.join(', ')}`);
    this.#lastPhase = phase;
    this.#lastIndex = index;
    return index;
  }

  /** Runs every module's callout for phase, in order, on one message. */
  run(phase: Phase, input: CallInput = {}): Verdict {
    const index = this.#phase(phase);
    const master = this.#live();
    const ints = this.#ints;
    ints[0] = inputFlags(input, 0);
    const out = master.runSingle(index, input, input.message, false);
    // Most calls come back as the text alone: no parts to take apart (a tuple each cost 40 ns).
    if (typeof out === 'string') return decodeVerdict(phase, ints, out, NO_VALUES, this.#contextKeys, 0, input, this.version, 0);
    const [text, values] = this.#keep(out);
    return decodeVerdict(phase, ints, text, values, this.#contextKeys, 0, input, this.version, 0);
  }

  /** The same for many messages, with one crossing into C++. */
  runBatch(phase: Phase, inputs: CallInput[]): Verdict[] {
    const index = this.#phase(phase);
    if (!Array.isArray(inputs)) throw new UsageError('runBatch needs an array of call inputs');
    if (inputs.length > MAX_BATCH) throw new UsageError(`a batch holds at most ${MAX_BATCH} calls, got ${inputs.length}`);
    const [text, values] = this.#crossing(index, inputs);
    const out = new Array<Verdict>(inputs.length);
    const keys = this.#contextKeys;
    for (let i = 0; i < inputs.length; i++) out[i] = decodeVerdict(phase, this.#ints, text, values, keys, i, inputs[i]!, this.version, 0);
    return out;
  }

  /**
   * Like run, for callouts that may suspend (msys.sleep, msys.dnsLookup):
   * resolves once every module has run, Node having done the waiting.
   */
  async runAsync(phase: Phase, input: CallInput = {}): Promise<Verdict> {
    return (await this.runBatchAsync(phase, [input]))[0]!;
  }

  /**
   * Like runBatch, for callouts that may suspend; verdicts in input order.
   * The calls that suspend wait side by side, each resumed on its own.
   */
  async runBatchAsync(phase: Phase, inputs: CallInput[]): Promise<Verdict[]> {
    const index = this.#phase(phase);
    if (!Array.isArray(inputs)) throw new UsageError('runBatchAsync needs an array of call inputs');
    if (inputs.length > MAX_BATCH) throw new UsageError(`a batch holds at most ${MAX_BATCH} calls, got ${inputs.length}`);
    const [text, values] = this.#crossing(index, inputs, true);
    const out = new Array<Verdict>(inputs.length);
    const waiting: Promise<void>[] = [];
    const ints = this.#ints;
    for (let i = 0; i < inputs.length; i++) {
      if (ints[i * INTS + 1]! & FLAG_SUSPENDED) {
        const request = values[i * 2 + 1] as SuspendRequest;
        waiting.push(this.#finish(phase, ints[i * INTS]!, request, inputs[i]!).then((v) => void (out[i] = v)));
      } else {
        out[i] = decodeVerdict(phase, ints, text, values, this.#contextKeys, i, inputs[i]!, this.version, 0);
      }
    }
    await Promise.all(waiting);
    return out;
  }

  /**
   * @internal The worker pool's entry (src/pool/worker-host.ts): runs a
   * batch packed by the pool's calling thread, the calls that suspend
   * included; the verdicts come back encoded, with the batch's own context
   * keys, for that thread to decode (src/pool/wire-verdicts.ts). The
   * messages are read where the calling thread holds them.
   */
  async runPackedAsync(phase: Phase, packed: PackedCalls): Promise<EncodedVerdicts> {
    return this.runPackedSoon(phase, packed);
  }

  /**
   * @internal runPackedAsync, answered at once when no call of the batch
   * suspended: the pool's shared-memory channel (src/pool/channel.ts)
   * answers such a batch before its worker returns to the event loop.
   */
  runPackedSoon(phase: Phase, packed: PackedCalls): EncodedVerdicts | Promise<EncodedVerdicts> {
    const index = this.#phase(phase);
    const { ints, headerAt } = packed;
    // The addon checks the header before it runs anything.
    const [outText, values] = unpack(this.#live().runPacked(index, ints, headerAt));
    const count = ints[headerAt + PACKED_HEADER.count]!;
    const at = ints[headerAt + PACKED_HEADER.verdictsAt]!;
    let waiting: Promise<void>[] | undefined;
    for (let i = 0; i < count; i++) {
      if (!(ints[at + i * INTS + 1]! & FLAG_SUSPENDED)) continue;
      const request = values[i * 2 + 1] as SuspendRequest;
      // Resumed, a call's strings are numbered by this policy's keys, not the batch's: they move into values.
      const moveIn = (done: EncodedVerdict) => copyVerdict(done, this.#contextKeys, 0, { ints, at, values }, i);
      (waiting ??= []).push(this.#resumeUntilDone(ints[at + i * INTS]!, request).then(moveIn));
    }
    // The addon makes values only for a batch with a rare part (or a suspended call, whose verdict moves in).
    if (!waiting) return { ints, at, text: outText, values: values.length > 0 ? values : undefined };
    return Promise.all(waiting).then((): EncodedVerdicts => ({ ints, at, text: outText, values }));
  }

  // Does what a suspended call waits for and resumes it, until it is done.
  // The input (and so its message Buffer, which the addon borrows) is held
  // here until then.
  async #finish(phase: Phase, id: number, request: SuspendRequest, input: CallInput): Promise<Verdict> {
    const { ints, text, values } = await this.#resumeUntilDone(id, request);
    return decodeVerdict(phase, ints, text, values, this.#contextKeys, 0, input, this.version, 0);
  }

  async #resumeUntilDone(id: number, request: SuspendRequest): Promise<EncodedVerdict> {
    for (;;) {
      const result = await this.#suspensions.perform(request);
      const master = this.#live();
      const ints = this.#resumeInts;
      const late = result === DEADLINE;
      const [text, values] = this.#keep(master.resume(id, late ? undefined : (result as ResumeResult), ints, late));
      // A copy: the next resume, of this call or another, writes #resumeInts again.
      if (!(ints[1]! & FLAG_SUSPENDED)) return { ints: ints.slice(), text, values };
      id = ints[0]!;
      request = values[1] as SuspendRequest;
    }
  }

  // Takes note of the context keys a crossing numbered.
  #keep(batch: NativeBatch): [string, unknown[]] {
    const [text, values, freshKeys] = unpack(batch);
    if (freshKeys) this.#contextKeys.push(...freshKeys);
    return [text, values];
  }

  // The addon reads only the messages and these flags up front; the rest of
  // an input is fetched if the script asks for it.
  #crossing(phase: number, inputs: CallInput[], allowSuspend = false): [string, unknown[]] {
    const master = this.#live();
    const ints = this.#ints;
    const messages = new Array<Buffer | undefined>(inputs.length);
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i]!;
      ints[i * INTS] = inputFlags(input, i);
      messages[i] = input.message;
    }
    // As arguments: the addon reads an argument for less than an array's element (~20 ns a message).
    return this.#keep(master.run(phase, inputs, allowSuspend, ...messages));
  }

  /** Changes tuning at run time (the console's `config set`). */
  /**
   * Where msys.config sends its console lines (`config get ...`, `config
   * set ...`); without one it answers nil and why. The pool's workers send
   * them to the engine's.
   */
  setScriptConsole(console: ScriptConsole | undefined): void {
    this.#suspensions.console = console;
  }

  configure(tuning: PolicyTuning): void {
    this.#live().configure(nativeTuning(tuning as Record<string, unknown>, 'tuning'));
  }

  /** The collector's current pause and step multiplier, read from Lua. */
  gcParams(): { pause: number; stepmul: number } {
    return this.#live().gcParams();
  }

  /** Bytes the master Lua state has allocated. */
  memory(): number {
    return this.#live().memory();
  }

  /** Releases the spare threads unused since the last call; returns how many. */
  reapSpareThreads(): number {
    return this.#live().reap();
  }

  /** The modules that define phase's callout, in the order they run (a verdict's `callouts` counts from the first). */
  calloutModules(phase: Phase): string[] {
    return this.#live().calloutModules(this.#phase(phase));
  }

  stats(): PolicyStats {
    return { ...this.#live().stats(), engine: this.engine, version: this.version };
  }

  get closed(): boolean {
    return this.#master === null;
  }

  close(): void {
    this.#master?.close();
    this.#master = null;
  }
}

/** Loads the scripts into a new master state and runs their init(). */
export function openPolicy(options: PolicyOptions): Policy {
  return new Policy(options);
}

/** Throws a UsageError naming call input i when it is not an object, or its message not a Buffer (the worker pool checks the same). */
export function checkCallInput(input: CallInput, i: number): void {
  if (typeof input !== 'object' || input === null) throw new UsageError(`call input ${i} must be an object`);
  // Any Uint8Array's bytes will do (the addon reads them as a Buffer's); Buffer.isBuffer cost 12 ns a call, this 2.
  if (input.message !== undefined && !(input.message instanceof Uint8Array)) throw new UsageError(`call input ${i}: message must be a Buffer`);
}

/**
 * What the addon reads up front of an input besides its message: whether it
 * brings contexts (the rest is fetched if the script asks). Checks its shape.
 */
function inputFlags(input: CallInput, i: number): number {
  checkCallInput(input, i);
  const context = input.context;
  return context ? (context.conn ? INPUT_HAS_CONN : 0) | (context.mess ? INPUT_HAS_MESS : 0) : 0;
}

/** The values of a crossing that made none: read, never written. */
const NO_VALUES: readonly unknown[] = Object.freeze([]);

/** A crossing's result as its three parts (the addon returns the text alone when the rest is empty). */
function unpack(batch: NativeBatch): [string, unknown[], string[] | undefined] {
  return typeof batch === 'string' ? [batch, [], undefined] : batch;
}
