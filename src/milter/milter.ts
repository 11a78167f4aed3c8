// `scriptlet milter`, as a function: reads the configuration, starts the
// engine, listens for the MTA on every Milter_Listener address and for the
// console on the control socket (where `scriptlet serve` would have it, so
// that `scriptlet console <conf>` finds either), serves /metrics if asked,
// and shuts all of it down in order on shutdown().

import * as path from 'node:path';
import { parseConfigFile } from '../config/read.js';
import { scriptletConfigFromTree, type ScriptletConfig } from '../config/scriptlet-config.js';
import type { EngineName } from '../native/addon.js';
import type { Engine } from '../pool/index.js';
import { readServeSettings, serveLocations, type ListenAddress } from '../server/listener-config.js';
import { PolicyRuntime, shutdownOnce } from '../server/policy-runtime.js';
import { DEFAULT_DRAIN_DEADLINE_MS } from '../server/serve.js';
import { DEFAULT_MILTER_LISTEN, formatMilterAddress, readMilterSettings, type MilterAddress } from './milter-config.js';
import { skippingEmptyPhases } from './empty-phases.js';
import { MilterServer } from './milter-server.js';
import type { MilterCounters } from './milter-session.js';
import { inboundAudit } from '../state/index.js';

export interface MilterOptions {
  conf: string;
  /** Replaces the configuration's Milter_Listener addresses. */
  listen?: MilterAddress[];
  controlSocket?: string;
  metricsListen?: ListenAddress;
  engine?: EngineName;
  /** How long shutdown lets transactions in progress finish, in ms. Default 10 s. */
  drainDeadlineMs?: number;
  log: (line: string) => void;
}

export interface RunningMilter {
  config: ScriptletConfig;
  engine: Engine;
  /** Where the MTA connects (TCP ports resolved). */
  addresses: MilterAddress[];
  controlSocket: string;
  metricsUrl: string | undefined;
  counters(): MilterCounters;
  shutdown(): Promise<void>;
  stopped: Promise<void>;
}

export async function milter(o: MilterOptions): Promise<RunningMilter> {
  const file = path.resolve(o.conf);
  const tree = parseConfigFile(file);
  const config = scriptletConfigFromTree(tree, file);
  const serveSettings = readServeSettings(tree);
  const settings = readMilterSettings(tree);
  const { controlSocket } = serveLocations(file, serveSettings, { controlSocket: o.controlSocket });
  const listen = o.listen ?? (settings.listen.length > 0 ? settings.listen : [DEFAULT_MILTER_LISTEN]);

  const runtime = new PolicyRuntime(config, { engine: o.engine, log: o.log });
  const engine = runtime.engine;
  const counters: MilterCounters = { connections: 0, connectionsTotal: 0, accepted: 0, rejected: 0, tempfailed: 0, discarded: 0, quarantined: 0, protocolErrors: 0 };
  const servers: MilterServer[] = [];
  const snapshot = () => ({ ...counters });

  const { shutdown, stopped } = shutdownOnce(async () => {
    const deadline = o.drainDeadlineMs ?? DEFAULT_DRAIN_DEADLINE_MS;
    o.log(`shutting down: draining for at most ${deadline} ms`);
    await Promise.all(servers.map((s) => s.shutdown(deadline, () => runtime.closeEngine())));
    await runtime.close();
    o.log(`stopped: ${counters.accepted} messages accepted`);
  });

  try {
    await engine.ready();
    const { run, empty } = skippingEmptyPhases(engine);
    const addresses: MilterAddress[] = [];
    for (const a of listen) {
      const server = new MilterServer({ run, emptyPhases: empty, log: o.log, counters, maxMessageSize: settings.maxMessageSize, audit: inboundAudit(o.engine) });
      servers.push(server);
      addresses.push(await server.listen(a));
    }
    await runtime.listenConsole(controlSocket, { serverLines: () => [milterStatsLine(snapshot())], shutdown: () => void shutdown() }, serveSettings.controlGroup);
    await runtime.listenMetrics(o.metricsListen ?? serveSettings.metricsListen, serveSettings.metricsAllowRemote);
    return { config, engine, addresses, controlSocket, metricsUrl: runtime.metricsUrl, counters: snapshot, shutdown, stopped };
  } catch (err) {
    await Promise.all(servers.map((s) => s.shutdown(0, async () => undefined)));
    await runtime.close();
    throw err;
  }
}

export function milterStatsLine(c: MilterCounters): string {
  return `milter: ${c.connections} connections open (${c.connectionsTotal} SMTP sessions since start); messages accepted ${c.accepted}, discarded ${c.discarded}, quarantined ${c.quarantined}; refusals ${c.rejected} permanent, ${c.tempfailed} temporary; protocol errors ${c.protocolErrors}`;
}

export { formatMilterAddress };
