// The shape of the native addon (native/napi/*), as TypeScript sees it.

/** The guard rail that ended a call (native/guard_rails.hpp). */
export type LimitKind = 'instructions' | 'wall_time' | 'memory';

export interface NativeMasterOptions {
  gcPause?: number;
  gcStepmul?: number;
  alwaysGc?: boolean;
  maxSparePerMaster?: number;
  maxUsesPerThread?: number;
  tempfailOnError?: boolean;
  searchPath?: string[];
  dataDirs?: string[];
  instructionLimit?: number;
  callTimeout?: number;
  memoryLimit?: number;
  sandbox?: boolean;
  bindings?: string[];
  bindingGroups?: { name: string; bindings: string[] }[];
}

export interface NativeProblem {
  script: string;
  message: string;
  location: string;
  traceback: string;
}

/** The rare parts of a verdict (values[i*2 + 1]); see native/napi/verdict_js.hpp. */
export interface NativeVerdictRest {
  headerEdits?: { op: 'replace' | 'prepend' | 'append' | 'delete'; name: string; value: string }[];
  message?: Buffer;
  /** The message's bytes were replaced (MIME edit, body/raw_replace): message is the whole new message. */
  messageReplaced?: boolean;
  mailfrom?: string;
  rcptto?: string[];
  errors?: { module: string; callout: string; message: string; location: string; traceback: string; kind?: LimitKind }[];
  logs?: { module: string; text: string }[];
  injected?: { mailfrom: string; rcptto: string[]; message: Buffer; forward?: true }[];
  esmtpCapabilities?: { op: 'add' | 'remove'; capability: string }[];
  tarpit?: number;
  binding?: string;
  bindingGroup?: string;
  routingDomain?: string;
}

/**
 * [batch text, values, context keys numbered in this crossing], or the text
 * alone when no verdict needed values and no key was numbered (the usual case).
 */
export type NativeBatch = string | [string, unknown[], string[] | undefined];

export interface NativeStats {
  calls: number;
  fullCollections: number;
  spareThreads: number;
  threadsCreated: number;
  threadsReused: number;
  threadsReaped: number;
  threadsDiscarded: number;
  threadsRetired: number;
  memoryBytes: number;
  /** Fresh master states built from the same scripts after a call ran out of memory. */
  masterRebuilds: number;
  /** Rebuilds that failed (the full state kept serving). */
  failedRebuilds: number;
  /**
   * Blocks the Lua state allocated (or grew) since it was made: what the
   * tests of the per-call path compare before and after calls.
   */
  luaAllocations: number;
  /** Patterns msys.pcre and the msg:*_match/*_replace methods compiled: the misses of the master's pattern cache. */
  pcreCompiles: number;
}

export interface NativeMaster {
  loadScript(name: string, source: string | Buffer, path: string): NativeProblem | null;
  init(): NativeProblem | null;
  /** Where run() and runSingle() read the input flags and write the verdicts (9 ints a call), from now on. */
  useInts(ints: Int32Array): void;
  /**
   * ints[i*9] (useInts') carries call i's input flags in; the verdicts come
   * back encoded in ints (9 per call), the batch text and the values (2 per
   * call), with the context keys numbered in this batch: see
   * native/napi/verdict_js.hpp.
   */
  run(phase: number, inputs: object[], allowSuspend: boolean, ...messages: (Uint8Array | undefined)[]): NativeBatch;
  /** run() for one call, without the arrays: ints[0] holds its input flags (INPUT_HAS_*), then its verdict. */
  runSingle(phase: number, input: object, message: Buffer | undefined, allowSuspend?: boolean): NativeBatch;
  /**
   * A batch packed by the pool's calling thread (native/napi/packed_input.hpp):
   * its header at ints[headerAt] says where its parts lie; its verdicts are
   * written into ints as run()'s are, but with the batch's own context keys
   * (ids from 0, all of them at the end of the text). A call may suspend.
   */
  runPacked(phase: number, ints: Int32Array, headerAt: number): NativeBatch;
  /** Goes on with a suspended call (its id from ints); it may suspend again. */
  resume(id: number, result: undefined | string[] | [Buffer] | string, ints: Int32Array, deadline?: boolean): NativeBatch;
  /** A suspended call that will not be resumed: dropped. */
  abandon(id: number): void;
  configure(options: NativeMasterOptions): void;
  gcParams(): { pause: number; stepmul: number };
  memory(): number;
  reap(): number;
  stats(): NativeStats;
  /** The modules that define the phase's callout, in the order they run. */
  calloutModules(phase: number): string[];
  takeLoadLogs(): { module: string; text: string }[];
  close(): void;
}

export interface NativeAddon {
  Master: new (options: NativeMasterOptions) => NativeMaster;
  engine: 'luajit' | 'lua51';
  /** The engine and the version vendored, as msys.engine says it (kEngineName in native/util/lua_headers.hpp). */
  engineVersion: string;
  parseHeaders(message: Buffer): [string, string][];
  /** Writes message i's address (low, high) and length (-1: none) at ints[at + i * stride]. */
  messageAddresses(ints: Int32Array, at: number, stride: number, ...messages: (Buffer | undefined)[]): void;
  /** Momentum's dialect as plain Lua, as every loader compiles it (native/dialect/momentum_dialect.hpp). */
  rewriteDialect(source: string | Buffer): DialectRewrite;
  /** The process's C heap from glibc's mallinfo2; undefined on another libc (src/metrics/process-memory-metrics.ts). */
  mallocStats(): { inUse: number; held: number } | undefined;
  /**
   * Creates (O_EXCL), writes, fsyncs and closes each file at its temporary
   * path, then renames each to its final path, in order: one threadpool job
   * (native/napi/durable_write.cpp). Rejects with a node:fs-like error (code,
   * syscall, path) at the first failure, leaving what was done.
   */
  writeDurably(files: readonly (readonly [tmpPath: string, finalPath: string, data: Uint8Array])[]): Promise<void>;
  /** Flushes a directory (the renames into it) to disk: open, fsync, close in one threadpool job. */
  syncDirectory(dir: string): Promise<void>;
}

/** unchanged: no dialect operator (the source compiles as it is); error: line and message of a misplaced one. */
export type DialectRewrite =
  | { result: 'unchanged' }
  | { result: 'rewritten'; text: string }
  | { result: 'error'; line: number; message: string };
