// The figures of `scriptlet serve` itself on the engine's /metrics registry:
// connections and the limits that refused or cut them, and the spool's
// health. Read at scrape time from the objects that count them.

import type { Registry } from 'prom-client';
import { readOnScrape } from '../metrics/collector.js';
import type { ConnectionGate } from './connection-limits.js';
import type { SpoolSpace } from './spool-space.js';

export function registerServeMetrics(registry: Registry, gate: ConnectionGate, space: SpoolSpace, oversized: () => number): void {
  readOnScrape('gauge', registry, 'scriptlet_smtp_connections', 'SMTP connections open (admitted by the limits).', [], () => [[{}, gate.open]]);
  readOnScrape('counter', registry, 'scriptlet_smtp_connections_refused_total', 'SMTP connections answered 421 4.7.0 at the greeting, by limit: concurrency, peer_concurrency, peer_throttle.', ['limit'], () =>
    Object.entries(gate.refused).map(([limit, n]) => [{ limit }, n]),
  );
  readOnScrape('counter', registry, 'scriptlet_smtp_timeouts_total', 'SMTP connections closed with 421 4.4.2 for a client too slow, by kind: command (timeout), data (data_timeout).', ['kind'], () =>
    Object.entries(gate.timeouts).map(([kind, n]) => [{ kind }, n]),
  );
  readOnScrape('counter', registry, 'scriptlet_smtp_messages_oversized_total', 'Messages answered 552 for exceeding max_message_size (the rest of each was read and dropped).', [], () => [[{}, oversized()]]);
  readOnScrape('counter', registry, 'scriptlet_spool_write_errors_total', 'Spool writes that failed, by reason: no_space (ENOSPC/EDQUOT, answered 452 4.3.1), other (answered 451 4.3.0).', ['reason'], () =>
    Object.entries(space.failures).map(([reason, n]) => [{ reason }, n]),
  );
  readOnScrape('gauge', registry, 'scriptlet_spool_full', '1 while the spool has no room for the messages being written (since a write failed for want of space, until space returns), else 0.', [], () => [[{}, space.full ? 1 : 0]]);
  readOnScrape('counter', registry, 'scriptlet_spool_full_events_total', 'Times the spool became full.', [], () => [[{}, space.fullEvents]]);
  readOnScrape('gauge', registry, 'scriptlet_spool_free_bytes', 'Bytes free for the server in the spool\'s file system.', [], () => {
    const free = space.freeBytes();
    return free === undefined ? [] : [[{}, free]];
  });
}
