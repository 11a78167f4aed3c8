// The control socket: a Unix socket, its owner's only (or its owner's and
// one group's: access-rules.ts), on which
// `scriptlet console` sends commands (console-protocol.ts). Commands of one
// connection are answered in order, one at a time.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as readline from 'node:readline';
import type { ConsoleAnswer } from './console-commands.js';
import { encodeAnswer } from './console-protocol.js';
import { groupId, withSocketMode } from './access-rules.js';

export type ConsoleHandler = (line: string) => Promise<ConsoleAnswer>;

export interface ControlSocket {
  path: string;
  /** Stops listening and ends the consoles attached (a console would wait on its stdin otherwise). */
  close(): Promise<void>;
}

/** Listens on socketPath; a socket file left by a server that is gone is replaced, a live one is an error. */
export async function listenControlSocket(socketPath: string, handle: ConsoleHandler, log: (line: string) => void, group?: string): Promise<ControlSocket> {
  const gid = group === undefined ? undefined : groupId(group);
  const mode = gid === undefined ? 0o600 : 0o660;
  if (fs.existsSync(socketPath)) {
    if (await isAnswering(socketPath)) throw new Error(`control socket ${socketPath}: another server is listening there`);
    fs.unlinkSync(socketPath);
  }
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) => log(`control socket: ${err.message}`));
    serveConnection(socket, handle, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    withSocketMode(mode, () =>
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      }),
    );
  });
  if (gid !== undefined) fs.chownSync(socketPath, process.getuid?.() ?? -1, gid);
  fs.chmodSync(socketPath, mode);
  return {
    path: socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.end();
      }),
  };
}

function serveConnection(socket: net.Socket, handle: ConsoleHandler, log: (line: string) => void): void {
  const lines = readline.createInterface({ input: socket, crlfDelay: Infinity });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    queue = queue.then(async () => {
      let answer: ConsoleAnswer;
      try {
        answer = await handle(line);
      } catch (err) {
        log(`console: '${line}' failed: ${(err as Error).message}`);
        answer = { ok: false, error: (err as Error).message };
      }
      if (!socket.destroyed) socket.write(encodeAnswer(answer));
    });
  });
}

/** True when a server answers on the Unix socket (a file left by one that is gone does not). */
export function isAnswering(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
