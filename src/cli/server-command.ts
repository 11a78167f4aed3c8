// How `scriptlet serve` and `scriptlet milter` run: start the server, say
// where it listens, stop it on SIGTERM or SIGINT (a drain), and exit 0 once
// it has stopped; 1 when it could not start (a configuration, a script or an
// address that cannot be used, named).

import { ConfigError } from '../config/errors.js';
import { formatProblems } from './check-report.js';
import { EXIT_OK, EXIT_PROBLEMS } from './command.js';
import type { CliIo } from './io.js';

interface Stoppable {
  shutdown(): Promise<void>;
  stopped: Promise<void>;
}

export async function runServer<T extends Stoppable>(name: string, io: CliIo, start: (log: (line: string) => void) => Promise<T>, announce: (server: T) => string[]): Promise<number> {
  const log = (line: string) => io.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let server: T;
  try {
    server = await start(log);
  } catch (err) {
    if (err instanceof ConfigError) io.stderr.write(formatProblems(err.problems, io.cwd));
    else io.stderr.write(`scriptlet ${name}: ${(err as Error).message}\n`);
    return EXIT_PROBLEMS;
  }
  const onSignal = (signal: string) => {
    log(`${signal}: shutting down`);
    void server.shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    for (const line of announce(server)) io.stdout.write(`${line}\n`);
    await server.stopped;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  return EXIT_OK;
}
