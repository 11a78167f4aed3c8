// `scriptlet serve <conf>`: the reference SMTP server (src/server/).

import * as path from 'node:path';
import { parseListenAddress, type ListenAddress } from '../server/listener-config.js';
import type { Command } from './command.js';
import { runServer } from './server-command.js';
import { displayPath, type CliIo } from './io.js';
import { helpOrUsageError, parseServerArgs, SERVER_FLAGS_HELP, serverOptions, type ServerArgs } from './options.js';

const USAGE = `usage: scriptlet serve <conf> [options]

An SMTP server (on smtp-server) that runs the configured policy at every
phase, spools each accepted message (temporary file, fsync, rename) before
it answers 250, and takes console commands on a control socket
(scriptlet console). SIGTERM, SIGINT or the console's 'shutdown' drain it.

Addresses and directories come from the configuration:
  ESMTP_Listener { Listen "127.0.0.1:2525" { }  spool_dir = "spool" }
  Control_Listener { Listen "/path/to/control.sock" { } }
  Metrics_Listener { Listen "127.0.0.1:9464" { } }
  Admin_Listener { Listen "127.0.0.1:8025" { }  credentials = [ admin = "secret" ] }
                            (the policy editor; see docs/policy-editor.md)

  --listen ADDR             SMTP address, repeatable ("127.0.0.1:2525", "[::1]:25", ":25";
                            port 0 picks a free one); replaces the configuration's
  --spool-dir DIR           spool directory (default: esmtp_listener's spool_dir, else
                            Spool_Base, else "spool" beside the configuration file)
  --control-socket PATH     console socket (default: Control_Listener, else SPOOL/control.sock)
${SERVER_FLAGS_HELP}
Prints "listening on ADDRESS:PORT" for every address once it serves.
Exit status: 0 after a clean shutdown; 1 when the configuration, a script
or the spool is unusable; 2 on a usage error.
`;

function parse(args: string[], io: CliIo): (ServerArgs<ListenAddress> & { spoolDir?: string }) | string {
  const a = parseServerArgs<ListenAddress>(args, io.cwd, (text) => {
    const l = parseListenAddress(text);
    return typeof l === 'string' ? l : { ...l, origin: 'flag' };
  }, { 'spool-dir': { type: 'string' } });
  if (typeof a === 'string') return a;
  const spoolDir = a.values['spool-dir'];
  return typeof spoolDir === 'string' ? { ...a, spoolDir: path.resolve(io.cwd, spoolDir) } : a;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the reference SMTP server with the policy, a spool and a console',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const a = parse(args, io);
    if (typeof a === 'string') return helpOrUsageError(a, io, 'serve', USAGE);
    const { serve } = await import('../server/serve.js');
    return runServer('serve', io, (log) => serve({ conf: a.conf, ...(a.listen ? { listen: a.listen } : {}), ...(a.spoolDir ? { spoolDir: a.spoolDir } : {}), ...serverOptions(a), engine: a.engine as 'luajit' | 'lua51' | undefined, log }), (server) => [
      ...server.addresses.map((addr) => `listening on ${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`),
      `spool ${displayPath(server.spool.dir, io.cwd)}`,
      `control socket ${displayPath(server.controlSocket, io.cwd)}`,
      ...(server.metricsUrl ? [`metrics ${server.metricsUrl}`] : []),
      ...(server.adminUrl ? [`editor ${server.adminUrl}`] : []),
    ]);
  },
};
