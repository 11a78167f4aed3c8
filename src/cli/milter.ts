// `scriptlet milter <conf>`: the policy as a milter for Postfix and Sendmail (src/milter/).

import * as path from 'node:path';
import { parseMilterAddress, type MilterAddress } from '../milter/milter-config.js';
import type { Command } from './command.js';
import { displayPath, type CliIo } from './io.js';
import { helpOrUsageError, parseServerArgs, SERVER_FLAGS_HELP, serverOptions, type ServerArgs } from './options.js';
import { runServer } from './server-command.js';

const USAGE = `usage: scriptlet milter <conf> [--listen inet:127.0.0.1:PORT | unix:/path] [options]

A milter (Sendmail's mail filter protocol, version 6) that runs the
configured policy at every SMTP phase of the MTA that connects: Postfix
(smtpd_milters = inet:127.0.0.1:8891) or Sendmail (INPUT_MAIL_FILTER).
Takes console commands on a control socket (scriptlet console). SIGTERM,
SIGINT or the console's 'shutdown' drain it. See docs/milter.md.

Addresses come from the configuration:
  Milter_Listener { Listen "inet:127.0.0.1:8891" { }  max_message_size = 25M }
  Control_Listener { Listen "/path/to/control.sock" { } }
  Metrics_Listener { Listen "127.0.0.1:9464" { } }

  --listen ADDR             milter address, repeatable: "inet:HOST:PORT", "inet:PORT@HOST"
                            or "unix:/path" (port 0 picks a free one); replaces the
                            configuration's (default inet:127.0.0.1:8891)
  --control-socket PATH     console socket (default: Control_Listener, else spool/control.sock
                            beside the configuration file, as for scriptlet serve)
${SERVER_FLAGS_HELP}
Prints "milter listening on ADDRESS" for every address once it serves.
Exit status: 0 after a clean shutdown; 1 when the configuration, a script
or an address is unusable; 2 on a usage error.
`;

function parse(args: string[], io: CliIo): ServerArgs<MilterAddress> | string {
  return parseServerArgs(args, io.cwd, (text) => {
    const a = parseMilterAddress(text);
    return typeof a === 'object' && a.kind === 'unix' ? { kind: 'unix', path: path.resolve(io.cwd, a.path) } : a;
  });
}

export const milterCommand: Command = {
  name: 'milter',
  summary: 'run the policy as a milter for Postfix or Sendmail, with a console',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const a = parse(args, io);
    if (typeof a === 'string') return helpOrUsageError(a, io, 'milter', USAGE);
    const { milter, formatMilterAddress } = await import('../milter/milter.js');
    return runServer('milter', io, (log) => milter({ conf: a.conf, ...(a.listen ? { listen: a.listen } : {}), ...serverOptions(a), engine: a.engine as 'luajit' | 'lua51' | undefined, log }), (server) => [
      ...server.addresses.map((addr) => `milter listening on ${formatMilterAddress(addr)}`),
      `control socket ${displayPath(server.controlSocket, io.cwd)}`,
      ...(server.metricsUrl ? [`metrics ${server.metricsUrl}`] : []),
    ]);
  },
};
