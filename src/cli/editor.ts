// `scriptlet editor <conf>`: the policy editor on its own, without an SMTP
// server. Saves write policy/policyeditor.lua, its rules and history, and
// add the stanza to the configuration; a `scriptlet serve` running the same
// configuration picks the new policy up at its next `config reload` (or its
// script_ttl). In serve, the Admin_Listener scope serves the same editor and
// reloads the engine at each save.

import * as path from 'node:path';
import { parseListenAddress, type ListenAddress } from '../server/listener-config.js';
import type { Command } from './command.js';
import type { CliIo } from './io.js';
import { helpOrUsageError, isUsageProblem, parseOptions } from './options.js';
import { runServer } from './server-command.js';

const USAGE = `usage: scriptlet editor <conf> [options]

Serves the policy editor (a web UI that writes policy/policyeditor.lua and
the rules beside it) on the configuration's Admin_Listener, else on
127.0.0.1:8025:

  Admin_Listener {
    Listen "127.0.0.1:8025" { }
    credentials = [ admin = "a long secret" ]   # HTTP basic auth
  }

Credentials are always required. On a loopback address without any, a
password for the user "admin" is generated into admin-password beside the
configuration (mode 0600). Any other address needs configured credentials.

  --listen ADDR     where to serve ("127.0.0.1:8025"; port 0 picks a free one)
  --engine NAME     luajit or lua51, to check and test the rules (default: the default build)
  -h, --help

Prints "editor http://ADDRESS:PORT/" once it serves; SIGTERM or SIGINT stop it.
`;

interface EditorArgs {
  conf: string;
  listen?: ListenAddress;
  engine?: 'luajit' | 'lua51';
}

function parse(args: string[], io: CliIo): EditorArgs | string {
  const parsed = parseOptions({ args, allowPositionals: true, options: { listen: { type: 'string' }, engine: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (isUsageProblem(parsed)) return parsed.problem;
  if (parsed.values.help) return 'help';
  if (parsed.positionals.length !== 1) return `expected one configuration file, got ${parsed.positionals.length}`;
  const out: EditorArgs = { conf: path.resolve(io.cwd, parsed.positionals[0] as string) };
  if (parsed.values.listen !== undefined) {
    const l = parseListenAddress(parsed.values.listen);
    if (typeof l === 'string') return `--listen: ${l}`;
    out.listen = { ...l, origin: 'flag' };
  }
  const engine = parsed.values.engine;
  if (engine !== undefined && engine !== 'luajit' && engine !== 'lua51') return `--engine must be luajit or lua51, found ${JSON.stringify(engine)}`;
  if (engine) out.engine = engine;
  return out;
}

export const editorCommand: Command = {
  name: 'editor',
  summary: 'serve the policy editor (web UI) for a configuration',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const a = parse(args, io);
    if (typeof a === 'string') return helpOrUsageError(a, io, 'editor', USAGE);
    const { parseConfigFile } = await import('../config/read.js');
    const { loadScriptletConfig } = await import('../config/scriptlet-config.js');
    const { startAdminFromConfig } = await import('../editor/admin-listener.js');
    const { shutdownOnce } = await import('../server/policy-runtime.js');
    return runServer('editor', io, async (log) => {
      loadScriptletConfig(a.conf); // a configuration that does not load is reported before serving
      const admin = await startAdminFromConfig({ conf: a.conf, tree: parseConfigFile(a.conf), always: true, log, ...(a.listen ? { listen: a.listen } : {}), ...(a.engine ? { engine: a.engine } : {}) });
      if (!admin) throw new Error('no admin listener');
      return { url: admin.url, ...shutdownOnce(() => admin.close()) };
    }, (server) => [`editor ${server.url}`]);
  },
};
