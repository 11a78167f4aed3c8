// What `scriptlet serve` and `scriptlet milter` share around their
// listeners: the engine built from the configuration, the console on the
// control socket, the /metrics endpoint, and a shutdown that runs once and
// closes them in order (the engine, then the console, then metrics).

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScriptletConfig } from '../config/scriptlet-config.js';
import type { EngineName } from '../native/addon.js';
import { startMetricsServer, type MetricsServer } from '../metrics/server.js';
import { engineFromConfig, type Engine } from '../pool/index.js';
import { runConsoleCommand, type ConsoleTarget } from './console-commands.js';
import { listenControlSocket, type ControlSocket } from './control-socket.js';
import type { ListenAddress } from './listener-config.js';
import { checkUnauthenticatedBind } from './access-rules.js';

export class PolicyRuntime {
  readonly config: ScriptletConfig;
  readonly engine: Engine;
  readonly #log: (line: string) => void;
  #control: ControlSocket | undefined;
  #metrics: MetricsServer | undefined;
  #engineClosed: Promise<void> | undefined;

  constructor(config: ScriptletConfig, o: { engine?: EngineName | undefined; log: (line: string) => void }) {
    this.config = config;
    this.#log = o.log;
    this.engine = engineFromConfig(config, { ...(o.engine ? { engine: o.engine } : {}), log: o.log });
  }

  get metricsUrl(): string | undefined {
    return this.#metrics?.url;
  }

  /** The console on socketPath (its directory made if missing), for this engine and the server's figures. */
  async listenConsole(socketPath: string, server: Omit<ConsoleTarget, 'engine' | 'config'>, group?: string): Promise<void> {
    fs.mkdirSync(path.dirname(socketPath), { recursive: true });
    const target: ConsoleTarget = { ...server, engine: this.engine, config: this.config };
    this.#control = await listenControlSocket(socketPath, (line) => runConsoleCommand(line, target), this.#log, group);
  }

  /** /metrics has no authentication: beyond loopback only with allowRemote (access-rules.ts). */
  async listenMetrics(listen: ListenAddress | undefined, allowRemote = false): Promise<void> {
    if (listen) checkUnauthenticatedBind('metrics_listener', listen.host, allowRemote);
    if (listen) this.#metrics = await startMetricsServer({ registry: this.engine.metrics!.registry, host: listen.host ?? '::', port: listen.port, log: this.#log });
  }

  /** Ends the engine: calls still running answer 451. The same promise when asked again. */
  closeEngine(): Promise<void> {
    this.#engineClosed ??= this.engine.close({ deadline: 0 });
    return this.#engineClosed;
  }

  async close(): Promise<void> {
    await this.closeEngine();
    await this.#control?.close();
    await this.#metrics?.close();
  }
}

/** A shutdown that runs once, whoever asks (a signal, the console, the caller), and a promise that settles when it is done. */
export function shutdownOnce(run: () => Promise<void>): { shutdown: () => Promise<void>; stopped: Promise<void> } {
  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const shutdown = (): Promise<void> => {
    stopping ??= run().then(markStopped);
    return stopping;
  };
  return { shutdown, stopped };
}
