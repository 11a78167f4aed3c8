// `scriptlet serve`, as a function: reads the configuration, opens the spool
// and the engine, listens for SMTP on every address and for the console on
// the control socket, and shuts all of it down in order (drain, engine,
// console) on shutdown().

import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigFile } from '../config/read.js';
import { scriptletConfigFromTree, type ScriptletConfig } from '../config/scriptlet-config.js';
import { engineFromConfig, type Engine } from '../pool/index.js';
import type { EngineName } from '../native/addon.js';
import { startMetricsServer, type MetricsServer } from '../metrics/server.js';
import { runConsoleCommand } from './console-commands.js';
import { listenControlSocket, type ControlSocket } from './control-socket.js';
import { readServeSettings, serveLocations, type ListenAddress } from './listener-config.js';
import { PolicySmtpServer, type ServerCounters } from './policy-smtp-server.js';
import { Spool } from './spool.js';

export interface ServeOptions {
  conf: string;
  /** Override the configuration's Listen addresses. */
  listen?: ListenAddress[];
  spoolDir?: string;
  controlSocket?: string;
  /** Where to serve /metrics; replaces the configuration's metrics_listener. */
  metricsListen?: ListenAddress;
  engine?: EngineName;
  /** How long shutdown lets transactions in progress finish, in ms. Default 10 s. */
  drainDeadlineMs?: number;
  log: (line: string) => void;
}

export interface RunningServer {
  config: ScriptletConfig;
  engine: Engine;
  spool: Spool;
  /** Where SMTP is served (ports resolved). */
  addresses: { address: string; port: number }[];
  controlSocket: string;
  /** Where Prometheus scrapes (http://host:port/metrics), when a metrics listener is set. */
  metricsUrl: string | undefined;
  counters(): ServerCounters & { spooled: number };
  /** Drains and stops everything; the same promise when asked again. */
  shutdown(): Promise<void>;
  /** Settles when the server has stopped (by shutdown(), a console command or a signal). */
  stopped: Promise<void>;
}

export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 2525, origin: 'flag' };
export const DEFAULT_DRAIN_DEADLINE_MS = 10_000;

export async function serve(o: ServeOptions): Promise<RunningServer> {
  const file = path.resolve(o.conf);
  const tree = parseConfigFile(file);
  const config = scriptletConfigFromTree(tree, file);
  const settings = readServeSettings(tree);
  const { spoolDir, controlSocket: controlPath } = serveLocations(file, settings, { spoolDir: o.spoolDir, controlSocket: o.controlSocket });
  const spool = await Spool.open(spoolDir);
  const listen = o.listen ?? (settings.listen.length > 0 ? settings.listen : [DEFAULT_LISTEN]);

  const engine = engineFromConfig(config, { ...(o.engine ? { engine: o.engine } : {}), log: o.log });
  const counters: ServerCounters = { connections: 0, connectionsTotal: 0, accepted: 0, rejected: 0, tempfailed: 0, discarded: 0, spoolErrors: 0 };
  const servers: PolicySmtpServer[] = [];
  let control: ControlSocket | undefined;
  let metrics: MetricsServer | undefined;
  let stopping: Promise<void> | undefined;
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const snapshot = () => ({ ...counters, spooled: spool.written });

  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      const deadline = o.drainDeadlineMs ?? DEFAULT_DRAIN_DEADLINE_MS;
      o.log(`shutting down: draining for at most ${deadline} ms`);
      let engineClosed: Promise<void> | undefined;
      const closeEngine = () => (engineClosed ??= engine.close({ deadline: 0 }));
      await Promise.all(servers.map((s) => s.shutdown(deadline, closeEngine)));
      await closeEngine();
      await control?.close();
      await metrics?.close();
      const c = snapshot();
      o.log(`stopped: ${c.accepted} messages accepted, ${c.spooled} spooled`);
      markStopped();
    })();
    return stopping;
  };

  try {
    await engine.ready();
    const hostname = settings.hostname ?? os.hostname();
    const run = engine.run.bind(engine);
    const addresses = [];
    for (const l of listen) {
      const server = new PolicySmtpServer({ run, spool, hostname, maxMessageSize: settings.maxMessageSize, log: o.log, counters });
      servers.push(server);
      addresses.push(await server.listen(l.port, l.host));
    }
    control = await listenControlSocket(controlPath, (line) => runConsoleCommand(line, { engine, config, counters: snapshot, shutdown: () => void shutdown() }), o.log);
    const metricsListen = o.metricsListen ?? settings.metricsListen;
    if (metricsListen) metrics = await startMetricsServer({ registry: engine.metrics!.registry, host: metricsListen.host ?? '::', port: metricsListen.port, log: o.log });
    return { config, engine, spool, addresses, controlSocket: controlPath, metricsUrl: metrics?.url, counters: snapshot, shutdown, stopped };
  } catch (err) {
    await Promise.all(servers.map((s) => s.shutdown(0, async () => undefined)));
    await engine.close({ deadline: 0 });
    await control?.close();
    await metrics?.close();
    throw err;
  }
}
