// `scriptlet serve <conf>`: the reference SMTP server (src/server/).

import * as path from 'node:path';
import { parseListenAddress, type ListenAddress } from '../server/listener-config.js';
import { EXIT_OK, type Command } from './command.js';
import { runServer } from './server-command.js';
import { displayPath, type CliIo } from './io.js';
import { isUsageProblem, parseOptions, readServerFlags, SERVER_FLAGS, usageError, type ServerFlags } from './options.js';

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

interface ServeArgs extends ServerFlags {
  conf: string;
  listen?: ListenAddress[];
  spoolDir?: string;
}

function parse(args: string[], io: CliIo): ServeArgs | string {
  const parsed = parseOptions({
    args,
    allowPositionals: true,
    options: { listen: { type: 'string', multiple: true }, 'spool-dir': { type: 'string' }, ...SERVER_FLAGS },
  });
  if (isUsageProblem(parsed)) return parsed.problem;
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length !== 1) return 'expected one configuration file';
  const shared = readServerFlags(v, io.cwd);
  if (isUsageProblem(shared)) return shared.problem;
  const out: ServeArgs = { conf: path.resolve(io.cwd, parsed.positionals[0]!), ...shared };
  if (v.listen) {
    out.listen = [];
    for (const text of v.listen) {
      const a = parseListenAddress(text);
      if (typeof a === 'string') return `--listen: ${a}`;
      out.listen.push({ ...a, origin: 'flag' });
    }
  }
  if (v['spool-dir'] !== undefined) out.spoolDir = path.resolve(io.cwd, v['spool-dir']);
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
    return runServer('serve', io, (log) => serve({ ...a, engine: a.engine as 'luajit' | 'lua51' | undefined, log }), (server) => [
      ...server.addresses.map((addr) => `listening on ${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`),
      `spool ${displayPath(server.spool.dir, io.cwd)}`,
      `control socket ${displayPath(server.controlSocket, io.cwd)}`,
      ...(server.metricsUrl ? [`metrics ${server.metricsUrl}`] : []),
    ]);
  },
};
