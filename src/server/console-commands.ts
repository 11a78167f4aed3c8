// The console's commands, as Momentum's console spells them:
//
//   config get scriptlet scriptlet [OPTION]       the value in force (all without OPTION)
//   config set scriptlet scriptlet OPTION VALUE   a run-time change, lost on restart
//   config reload                                 re-read and rebuild the scripts
//   scriptlet stats                               engine, workers and server figures
//   tls reload                                    re-read tls_certificate and tls_key
//   shutdown                                      drain and stop
//
// Each answers lines of text, or fails with one line saying why.

import type { ScriptletConfig } from '../config/scriptlet-config.js';
import { configGet, configSet, type ConsoleAnswer } from '../pool/config-commands.js';
import type { Engine } from '../pool/index.js';
import type { ServerCounters } from './policy-smtp-server.js';

export interface ConsoleTarget {
  engine: Engine;
  config: ScriptletConfig;
  /** serve's figures, for `scriptlet stats` (a server that counts other things gives serverLines). */
  counters?: () => ServerCounters & { spooled: number };
  /** The server's lines of `scriptlet stats`, when it is not serve. */
  serverLines?: () => string[];
  /** Re-reads the STARTTLS certificate and key (serve with TLS configured); says which is in force. */
  reloadTls?: () => string;
  /** Starts the drain; resolves when it has begun. */
  shutdown: () => void;
}

export type { ConsoleAnswer } from '../pool/config-commands.js';
export { RUNTIME_OPTIONS } from '../pool/config-commands.js';

export const CONSOLE_HELP = [
  'config get scriptlet scriptlet [OPTION]',
  'config set scriptlet scriptlet OPTION VALUE',
  'config reload',
  'scriptlet stats',
  'tls reload',
  'shutdown',
  'help',
];

/** Splits a command line into words; the rest of a `config set` line after OPTION is its value. */
function words(line: string): string[] {
  return line.trim().split(/\s+/).filter((w) => w !== '');
}

export async function runConsoleCommand(line: string, t: ConsoleTarget): Promise<ConsoleAnswer> {
  const w = words(line);
  const verb = w.slice(0, 2).join(' ').toLowerCase();
  try {
    if (w.length === 1 && w[0]!.toLowerCase() === 'help') return { ok: true, lines: CONSOLE_HELP };
    if (w.length === 1 && w[0]!.toLowerCase() === 'shutdown') {
      t.shutdown();
      return { ok: true, lines: ['shutting down: draining connections'] };
    }
    if (verb === 'config reload' && w.length === 2) return await reload(t);
    if (verb === 'tls reload' && w.length === 2) {
      if (!t.reloadTls) return { ok: false, error: 'no STARTTLS here: esmtp_listener sets no tls_certificate and tls_key' };
      return { ok: true, lines: [`tls reloaded: ${t.reloadTls()}`] };
    }
    if (verb === 'scriptlet stats' && w.length === 2) return { ok: true, lines: await statsLines(t) };
    if (verb === 'config get') return configGet(w.slice(2), t);
    if (verb === 'config set') return await configSet(w.slice(2), line, t);
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  return { ok: false, error: `unknown command '${line.trim()}'; try 'help'` };
}

async function reload(t: ConsoleTarget): Promise<ConsoleAnswer> {
  const r = await t.engine.reload();
  if (!r.ok) return { ok: false, error: `reload failed: ${r.error?.message ?? 'unknown error'}; version ${r.version} keeps serving` };
  return { ok: true, lines: [r.version === r.previous ? `reloaded: version ${r.version} (unchanged)` : `reloaded: version ${r.previous} -> ${r.version}`] };
}

async function statsLines(t: ConsoleTarget): Promise<string[]> {
  const s = await t.engine.stats();
  const m = t.engine.masters;
  const lines = [
    `engine ${s.engine} (${t.engine.engineVersion}), scripts version ${s.version}, ${s.threads} worker threads`,
    `calls ${s.calls} in ${s.tasks} batches; waiting ${s.waitingCalls}, batches in flight ${s.tasksInFlight}; tempfailed: worker ${s.tempfailed.worker}, deadline ${s.tempfailed.deadline}; worker exits ${s.workerExits}`,
    `masters live ${m.live}, retiring ${m.retiring}`,
  ];
  for (const w of s.workers) {
    const p = w.policies.at(-1)?.stats;
    const lua = p ? `; lua threads: ${p.spareThreads} spare, ${p.threadsCreated} created, ${p.threadsReused} reused, ${p.threadsReaped} reaped, ${p.threadsDiscarded} discarded; ${p.memoryBytes} bytes` : '';
    lines.push(`worker ${w.threadId}: ${w.calls} calls in ${w.tasks} batches, busy ${Math.round(w.busyMs)} ms${lua}`);
  }
  if (t.serverLines) lines.push(...t.serverLines());
  else if (t.counters) {
    const c = t.counters();
    lines.push(
      `server: ${c.connections} connections open (${c.connectionsTotal} since start); messages accepted ${c.accepted}, spooled ${c.spooled}, discarded ${c.discarded}; refusals ${c.rejected} permanent, ${c.tempfailed} temporary; spool errors ${c.spoolErrors}`,
    );
  }
  return lines;
}
