// `scriptlet serve <conf>`: the reference SMTP server (src/server/).

import * as path from 'node:path';
import { ConfigError } from '../config/errors.js';
import { parseListenAddress, type ListenAddress } from '../server/listener-config.js';
import { formatProblems } from './check-report.js';
import { EXIT_OK, EXIT_PROBLEMS, type Command } from './command.js';
import { displayPath, type CliIo } from './io.js';
import { isUsageProblem, parseOptions, usageError } from './options.js';

const USAGE = `usage: scriptlet serve <conf> [options]

An SMTP server (on smtp-server) that runs the configured policy at every
phase, spools each accepted message (temporary file, fsync, rename) before
it answers 250, and takes console commands on a control socket
(scriptlet console). SIGTERM, SIGINT or the console's 'shutdown' drain it.

Addresses and directories come from the configuration:
  ESMTP_Listener { Listen "127.0.0.1:2525" { }  spool_dir = "spool" }
  Control_Listener { Listen "/path/to/control.sock" { } }
  Metrics_Listener { Listen "127.0.0.1:9464" { } }

  --listen ADDR             SMTP address, repeatable ("127.0.0.1:2525", "[::1]:25", ":25";
                            port 0 picks a free one); replaces the configuration's
  --spool-dir DIR           spool directory (default: esmtp_listener's spool_dir, else
                            Spool_Base, else "spool" beside the configuration file)
  --control-socket PATH     console socket (default: Control_Listener, else SPOOL/control.sock)
  --drain-deadline SECONDS  how long shutdown lets transactions finish (default 10)
  --metrics-listen ADDR     serve /metrics for Prometheus there (default: Metrics_Listener, else none)
  --engine NAME             luajit or lua51 (default: the default build)
  -h, --help

Prints "listening on ADDRESS:PORT" for every address once it serves.
Exit status: 0 after a clean shutdown; 1 when the configuration, a script
or the spool is unusable; 2 on a usage error.
`;

interface ServeArgs {
  conf: string;
  listen?: ListenAddress[];
  spoolDir?: string;
  controlSocket?: string;
  metricsListen?: ListenAddress;
  drainDeadlineMs?: number;
  engine?: string;
}

function parse(args: string[], io: CliIo): ServeArgs | string {
  const parsed = parseOptions({
    args,
    allowPositionals: true,
    options: {
      listen: { type: 'string', multiple: true },
      'spool-dir': { type: 'string' },
      'control-socket': { type: 'string' },
      'drain-deadline': { type: 'string' },
      'metrics-listen': { type: 'string' },
      engine: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (isUsageProblem(parsed)) return parsed.problem;
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length !== 1) return 'expected one configuration file';
  const out: ServeArgs = { conf: path.resolve(io.cwd, parsed.positionals[0]!) };
  if (v.listen) {
    out.listen = [];
    for (const text of v.listen) {
      const a = parseListenAddress(text);
      if (typeof a === 'string') return `--listen: ${a}`;
      out.listen.push({ ...a, origin: 'flag' });
    }
  }
  if (v['metrics-listen'] !== undefined) {
    const a = parseListenAddress(v['metrics-listen']);
    if (typeof a === 'string') return `--metrics-listen: ${a}`;
    out.metricsListen = { ...a, origin: 'flag' };
  }
  if (v['spool-dir'] !== undefined) out.spoolDir = path.resolve(io.cwd, v['spool-dir']);
  if (v['control-socket'] !== undefined) out.controlSocket = path.resolve(io.cwd, v['control-socket']);
  if (v['drain-deadline'] !== undefined) {
    const s = Number(v['drain-deadline']);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(v['drain-deadline']) || !Number.isFinite(s)) return `--drain-deadline expects a number of seconds, found ${JSON.stringify(v['drain-deadline'])}`;
    out.drainDeadlineMs = s * 1000;
  }
  if (v.engine !== undefined) out.engine = v.engine;
  return out;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the reference SMTP server with the policy, a spool and a console',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const a = parse(args, io);
    if (a === 'help') {
      io.stdout.write(USAGE);
      return EXIT_OK;
    }
    if (typeof a === 'string') return usageError(io, 'serve', USAGE, a);
    const { serve } = await import('../server/serve.js');
    const log = (line: string) => io.stderr.write(`${new Date().toISOString()} ${line}\n`);
    let server;
    try {
      server = await serve({ ...a, engine: a.engine as 'luajit' | 'lua51' | undefined, log });
    } catch (err) {
      // A configuration, a script, the spool or an address that cannot be used: say which, and stop.
      if (err instanceof ConfigError) io.stderr.write(formatProblems(err.problems, io.cwd));
      else io.stderr.write(`scriptlet serve: ${(err as Error).message}\n`);
      return EXIT_PROBLEMS;
    }
    const onSignal = (signal: string) => {
      log(`${signal}: shutting down`);
      void server.shutdown();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      for (const addr of server.addresses) io.stdout.write(`listening on ${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}\n`);
      io.stdout.write(`spool ${displayPath(server.spool.dir, io.cwd)}\ncontrol socket ${displayPath(server.controlSocket, io.cwd)}\n`);
      if (server.metricsUrl) io.stdout.write(`metrics ${server.metricsUrl}\n`);
      await server.stopped;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    return EXIT_OK;
  },
};
