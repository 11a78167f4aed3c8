// The milter listener: a TCP or Unix socket the MTA connects to, one
// MilterSession per connection.
//
// Shutdown drains: the listener closes (the MTA's new connections fail and
// it applies its milter_default_action), connections between transactions
// are closed (the MTA applies the default action at their next event),
// transactions in progress may finish until the deadline; then the policy
// calls still running answer 451 (engine.close), their replies are sent, and
// every connection left is closed.

import * as fs from 'node:fs';
import * as net from 'node:net';
import { isAnswering } from '../server/control-socket.js';
import { MilterSession, type MilterCounters, type MilterSessionOptions } from './milter-session.js';
import type { MilterAddress } from './milter-config.js';

const POLL_MS = 20;

export class MilterServer {
  readonly #o: MilterSessionOptions;
  readonly #server: net.Server;
  readonly #sessions = new Set<MilterSession>();
  #draining = false;

  constructor(options: MilterSessionOptions) {
    this.#o = options;
    this.#server = net.createServer((socket) => this.#accept(socket));
    this.#server.on('error', (err) => options.log(`milter listener: ${err.message}`));
  }

  get counters(): MilterCounters {
    return this.#o.counters;
  }

  /** Starts listening; resolves with where (a TCP port 0 picks a free one). */
  async listen(a: MilterAddress): Promise<MilterAddress> {
    if (a.kind === 'unix' && fs.existsSync(a.path)) {
      if (await isAnswering(a.path)) throw new Error(`milter socket ${a.path}: another server is listening there`);
      fs.unlinkSync(a.path);
    }
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      const done = () => {
        this.#server.off('error', reject);
        resolve();
      };
      if (a.kind === 'unix') this.#server.listen(a.path, done);
      else this.#server.listen(a.port, a.host, done);
    });
    const bound = this.#server.address();
    return a.kind === 'inet' && typeof bound === 'object' && bound ? { kind: 'inet', host: bound.address, port: bound.port } : a;
  }

  #accept(socket: net.Socket): void {
    if (this.#draining) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const session = new MilterSession(socket, this.#o);
    this.#sessions.add(session);
    this.#o.counters.connections++;
    socket.on('close', () => {
      if (this.#sessions.delete(session)) this.#o.counters.connections--;
    });
  }

  /** Drains and stops (see the top of this file); atDeadline should end the policy calls still running. */
  async shutdown(deadlineMs: number, atDeadline: () => Promise<void>): Promise<void> {
    this.#draining = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const until = Date.now() + deadlineMs;
    for (;;) {
      for (const s of this.#sessions) if (s.idle) s.close();
      if (this.#sessions.size === 0 || Date.now() >= until) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    await atDeadline();
    await Promise.allSettled([...this.#sessions].map((s) => s.settled));
    for (const s of this.#sessions) s.close();
    await closed;
  }
}
