// `scriptlet serve`, as a function: reads the configuration, opens the spool
// and the engine, listens for SMTP on every address and for the console on
// the control socket, and shuts all of it down in order (drain, engine,
// console) on shutdown().

import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfigFile } from '../config/read.js';
import { skippingEmptyPhases } from '../milter/empty-phases.js';
import { scriptletConfigFromTree, type ScriptletConfig } from '../config/scriptlet-config.js';
import type { Engine } from '../pool/index.js';
import type { EngineName } from '../native/addon.js';
import { PolicyRuntime, shutdownOnce } from './policy-runtime.js';
import { readServeSettings, serveLocations, type ListenAddress } from './listener-config.js';
import { PolicySmtpServer, type ServerCounters } from './policy-smtp-server.js';
import { Spool } from './spool.js';
import { SmtpAuthenticator } from './smtp-auth.js';
import { luaAuth } from './lua-auth.js';
import { describeCertificate, TlsCertificates } from './tls-options.js';
import { ConnectionGate } from './connection-limits.js';
import { SpoolSpace } from './spool-space.js';
import { registerServeMetrics } from './serve-metrics.js';
import { flushStateIfConfigured, inboundAudit } from '../state/index.js';
import { engineReloader, startAdminFromConfig } from '../editor/admin-listener.js';
import type { AdminServer } from '../editor/admin-server.js';

export interface ServeOptions {
  conf: string;
  /** Override the configuration's Listen addresses. */
  listen?: ListenAddress[];
  spoolDir?: string;
  controlSocket?: string;
  /** Where to serve /metrics; replaces the configuration's metrics_listener. */
  metricsListen?: ListenAddress;
  /** Where to serve the policy editor; replaces the Listen of the configuration's Admin_Listener (which must exist). */
  adminListen?: ListenAddress;
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
  /** The policy editor (http://host:port/), when an Admin_Listener is set. */
  adminUrl: string | undefined;
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
  const { temporary, incomplete } = spool.recovered;
  if (temporary + incomplete > 0) o.log(`spool ${spoolDir}: removed ${temporary} temporary and ${incomplete} incomplete files a crash left (none was answered 250)`);
  const listen = o.listen ?? (settings.listen.length > 0 ? settings.listen : [DEFAULT_LISTEN]);

  const runtime = new PolicyRuntime(config, { engine: o.engine, log: o.log });
  const engine = runtime.engine;
  const counters: ServerCounters = { connections: 0, connectionsTotal: 0, accepted: 0, rejected: 0, tempfailed: 0, discarded: 0, spoolErrors: 0 };
  const servers: PolicySmtpServer[] = [];
  let admin: AdminServer | undefined;
  const gate = new ConnectionGate(settings.limits);
  const space = new SpoolSpace(spool.dir, o.log);
  if (engine.metrics) registerServeMetrics(engine.metrics.registry, gate, space, () => counters.oversized ?? 0);
  const snapshot = () => ({ ...counters, spooled: spool.written });

  const { shutdown, stopped } = shutdownOnce(async () => {
    const deadline = o.drainDeadlineMs ?? DEFAULT_DRAIN_DEADLINE_MS;
    o.log(`shutting down: draining for at most ${deadline} ms`);
    await admin?.close();
    await Promise.all(servers.map((s) => s.shutdown(deadline, () => runtime.closeEngine())));
    await runtime.close();
    gate.close();
    space.close();
    flushStateIfConfigured(config.options.stateDir, o.engine, o.log);
    const c = snapshot();
    o.log(`stopped: ${c.accepted} messages accepted, ${c.spooled} spooled`);
  });

  try {
    await engine.ready();
    const hostname = settings.hostname ?? os.hostname();
    // Phases no module defines are not sent to the pool (a message has up to 3 per recipient + 3 of them).
    const run = skippingEmptyPhases(engine).run;
    const audit = inboundAudit(o.engine);
    const tls = settings.security.tls ? new TlsCertificates(settings.security.tls) : undefined;
    if (tls) o.log(`STARTTLS with ${describeCertificate(tls.options.cert)}`);
    const authSettings = settings.security.auth;
    const security = { tls, auth: authSettings ? { authenticator: new SmtpAuthenticator(authSettings, luaAuth(engine, o.log)), allowInsecure: authSettings.allowInsecure } : undefined };
    const addresses = [];
    for (const l of listen) {
      const server = new PolicySmtpServer({ run, spool, hostname, maxMessageSize: settings.maxMessageSize, log: o.log, counters, audit, security, gate, space });
      servers.push(server);
      addresses.push(await server.listen(l.port, l.host));
    }
    await runtime.listenConsole(controlPath, { counters: snapshot, shutdown: () => void shutdown(), ...(tls ? { reloadTls: () => tls.reload() } : {}) }, settings.controlGroup);
    await runtime.listenMetrics(o.metricsListen ?? settings.metricsListen, settings.metricsAllowRemote);
    admin = await startAdminFromConfig({ conf: file, tree, ...(o.adminListen ? { listen: o.adminListen } : {}), ...(o.engine ? { engine: o.engine } : {}), reload: engineReloader(engine), log: o.log });
    return { config, engine, spool, addresses, controlSocket: controlPath, metricsUrl: runtime.metricsUrl, adminUrl: admin?.url, counters: snapshot, shutdown, stopped };
  } catch (err) {
    await admin?.close();
    await Promise.all(servers.map((s) => s.shutdown(0, async () => undefined)));
    await runtime.close();
    gate.close();
    space.close();
    throw err;
  }
}
