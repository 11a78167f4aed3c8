// When the greeting goes out. smtp-server waits a fixed 100 ms after every
// connection before it starts the connect phase (reverse DNS, onConnect),
// to catch clients that talk before the greeting ("You talk too soon",
// 421). Every session then pays 100 ms of latency for nothing, where
// Postfix's smtpd greets at once: under a load of short sessions it caps
// the rate (bench/serve). serve makes the wait `greeting_delay`
// (connection-limits.ts), 0 by default, by starting each connection itself;
// a client that talks before the greeting, delay or not, is still refused
// by smtp-server's own check. Every connection made here also hangs up on
// its client after a 421 (connection-limits.ts).
//
// This reaches into smtp-server's internals (the steps of a connection's
// init, public in its types but not in its documentation);
// test/server/greeting-delay.test.ts fails if a new version changes them.

import type { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { hangUpAfter421, type WatchedConnection } from './connection-limits.js';

/** Makes server greet delayMs after each connection (smtp-server: always 100). */
export function setGreetingDelay(server: SMTPServer, delayMs: number): void {
  // smtp-server's connect(), with init()'s fixed timer replaced (and without its maxClients check: serve sets none, connection-limits.ts counts).
  server.connect = function connect(socket, socketOptions) {
    const connection = new SMTPConnection(server, socket, socketOptions);
    server.connections.add(connection);
    connection.on('error', (err: Error) => server._onError(err));
    connection.on('connect', (data: Parameters<SMTPServer['_onClientConnect']>[0]) => server._onClientConnect(data));
    hangUpAfter421(connection as unknown as WatchedConnection);
    connection._setListeners(() => {
      if (delayMs > 0) setTimeout(() => connection.connectionReady(), delayMs).unref();
      else connection.connectionReady();
    });
  };
}
