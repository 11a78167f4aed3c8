// A small HTTP endpoint that serves a registry for Prometheus to scrape:
// GET (or HEAD) /metrics; anything else is a 404 or a 405. `scriptlet serve`
// starts one; a host can start its own or serve engine.metrics.registry
// from its own server.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { UsageError } from '../engine/errors.js';

export interface MetricsServerOptions {
  registry: Registry;
  /** Default 9464 (0: any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default "/metrics". */
  path?: string;
  /** Where a failed scrape is reported. Default: process.emitWarning. */
  log?: (message: string) => void;
}

export interface MetricsServer {
  /** The address it listens on, e.g. http://127.0.0.1:9464/metrics. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const DEFAULT_METRICS_PORT = 9464;

/** Starts serving the registry; resolves once it listens. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, port = DEFAULT_METRICS_PORT, host = '127.0.0.1', path = '/metrics' } = options;
  const log = options.log ?? ((m: string) => process.emitWarning(m, 'ScriptletMetricsWarning'));
  if (typeof registry?.metrics !== 'function') throw new UsageError('startMetricsServer needs options.registry, a prom-client Registry');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`options.port must be an integer from 0 to 65535, got ${String(port)}`);
  if (typeof path !== 'string' || !path.startsWith('/')) throw new UsageError(`options.path must start with "/", got ${String(path)}`);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== path) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: Error) => {
        log(`scriptlet: collecting metrics failed: ${err.message}`);
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('collecting metrics failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}${path}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
