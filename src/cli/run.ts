// `scriptlet run <conf> <message.eml>...`: every phase in SMTP order on each
// message, as an MTA would, printing one JSON object per message. How
// operators test a policy offline.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../config/errors.js';
import { loadScriptletConfig } from '../config/scriptlet-config.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_SCRIPT_ERRORS, type Command } from './command.js';
import { displayPath, type CliIo } from './io.js';
import { formatProblems } from './check-report.js';
import { helpOrUsageError, isUsageProblem, parseOptions } from './options.js';
import { formatRunJson, formatScriptErrors } from './run-report.js';

const USAGE = `usage: scriptlet run <conf> <message.eml>... [options]

Runs every phase of the configured policy in SMTP order on each message
(rcptto, core_pre_msg_each_rcpt, data_spool_each_rcpt,
core_post_msg_each_rcpt and set_binding once per recipient, then
core_final_validation), stopping at the first rejection, and prints one
JSON object per message: file, disposition (code, text, phase), mailfrom,
rcptto, headers, context, errors, logs, version (the hash of the scripts
it ran under) and, when set_binding chose any, bindings. Each
callout that failed (raised an error, hit a limit, returned no code) is
also printed on stderr: "file:line: message (module, callout, message)".

  --mailfrom ADDR   envelope sender (default: the null sender "")
  --rcpt ADDR       envelope recipient, repeatable (default: postmaster@localhost)
  --remote-ip IP    the client's address (default: 127.0.0.1)
  --helo NAME       the EHLO name (default: localhost)
  --engine NAME     luajit or lua51 (default: the default build)
  -h, --help

Exit status: 0 when every message ran without a script error (whatever
the verdicts); 3 when every message ran but a callout failed on one; 1
when the configuration or a script failed to load, or a message could not
be read (1 wins over 3); 2 on a usage error.
`;

interface RunArgs {
  conf: string;
  messages: string[];
  mailfrom: string;
  rcpt: string[];
  remoteIp: string;
  helo: string;
  engine?: string;
}

function parse(args: string[], io: CliIo): RunArgs | string {
  const parsed = parseOptions({
    args,
    allowPositionals: true,
    options: {
      mailfrom: { type: 'string' },
      rcpt: { type: 'string', multiple: true },
      'remote-ip': { type: 'string' },
      helo: { type: 'string' },
      engine: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (isUsageProblem(parsed)) return parsed.problem;
  if (parsed.values.help) return 'help';
  const [conf, ...messages] = parsed.positionals;
  if (conf === undefined || messages.length === 0) return 'expected a configuration file and at least one message';
  return {
    conf: path.resolve(io.cwd, conf),
    messages,
    mailfrom: parsed.values.mailfrom ?? '',
    rcpt: parsed.values.rcpt ?? ['postmaster@localhost'],
    remoteIp: parsed.values['remote-ip'] ?? '127.0.0.1',
    helo: parsed.values.helo ?? 'localhost',
    ...(parsed.values.engine ? { engine: parsed.values.engine } : {}),
  };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a policy on messages offline, one JSON verdict per message',
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const a = parse(args, io);
    if (typeof a === 'string') return helpOrUsageError(a, io, 'run', USAGE);
    let config;
    try {
      config = loadScriptletConfig(a.conf);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.stderr.write(formatProblems(err.problems, io.cwd));
      return EXIT_PROBLEMS;
    }
    const { policyFromConfig } = await import('../engine/from-config.js');
    const { runTransaction } = await import('../engine/transaction.js');
    const { loadAddon } = await import('../native/addon.js');
    const { LoadError } = await import('../engine/errors.js');
    let policy;
    try {
      policy = policyFromConfig(config, a.engine as 'luajit' | 'lua51' | undefined);
    } catch (err) {
      if (!(err instanceof LoadError)) throw err;
      io.stderr.write(`scriptlet run: ${err.message}\n`);
      return EXIT_PROBLEMS;
    }
    const addon = loadAddon(policy.engine);
    let status = EXIT_OK;
    try {
      for (const [i, file] of a.messages.entries()) {
        let message: Buffer;
        try {
          message = fs.readFileSync(path.resolve(io.cwd, file));
        } catch (err) {
          io.stderr.write(`scriptlet run: cannot read ${file}: ${(err as Error).message}\n`);
          status = EXIT_PROBLEMS;
          continue;
        }
        const r = runTransaction(policy, { message, mailfrom: a.mailfrom, rcptto: a.rcpt, helo: a.helo, remoteAddr: a.remoteIp, id: String(i + 1) });
        const shown = displayPath(path.resolve(io.cwd, file), io.cwd);
        io.stdout.write(formatRunJson(shown, r, addon.parseHeaders(r.message)));
        io.stderr.write(formatScriptErrors(shown, r.errors, io.cwd));
        if (r.errors.length > 0 && status === EXIT_OK) status = EXIT_SCRIPT_ERRORS;
      }
    } finally {
      policy.close();
    }
    return status;
  },
};
