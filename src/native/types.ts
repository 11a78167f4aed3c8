// The shape of the native addon (native/napi/*), as TypeScript sees it.

export interface NativeMasterOptions {
  gcPause?: number;
  gcStepmul?: number;
  alwaysGc?: boolean;
  maxSparePerMaster?: number;
  maxUsesPerThread?: number;
  tempfailOnError?: boolean;
  searchPath?: string[];
}

export interface NativeProblem {
  script: string;
  message: string;
  location: string;
  traceback: string;
}

/** What the addon returns per call: only what the call produced. */
export interface NativeVerdict {
  code?: number;
  text?: string;
  disconnect?: true;
  discard?: true;
  done?: true;
  tempfailed?: true;
  headerEdits?: { op: 'replace' | 'prepend' | 'append' | 'delete'; name: string; value: string }[];
  message?: Buffer;
  mailfrom?: string;
  rcptto?: string[];
  conn?: Record<string, string>;
  mess?: Record<string, string>;
  errors?: { module: string; callout: string; message: string; location: string; traceback: string }[];
  logs?: { module: string; text: string }[];
  callouts: number;
}

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
}

export interface NativeMaster {
  loadScript(name: string, source: string | Buffer, path: string): NativeProblem | null;
  init(): NativeProblem | null;
  run(phase: number, input: object): NativeVerdict;
  runBatch(phase: number, inputs: object[]): NativeVerdict[];
  configure(options: NativeMasterOptions): void;
  gcParams(): { pause: number; stepmul: number };
  memory(): number;
  reap(): number;
  stats(): NativeStats;
  takeLoadLogs(): { module: string; text: string }[];
  close(): void;
}

export interface NativeAddon {
  Master: new (options: NativeMasterOptions) => NativeMaster;
  engine: 'luajit' | 'lua51';
  engineVersion: string;
  parseHeaders(message: Buffer): [string, string][];
}
