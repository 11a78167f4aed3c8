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

import { SCRIPTLET_OPTION_KEYS, SCRIPTLET_OPTION_SPECS, unknownOptionMessage, validateScriptletOption, type ScriptletOptionName, type ScriptletOptionSpec } from '../config/scriptlet-options.js';
import type { ScriptletConfig } from '../config/scriptlet-config.js';
import { TUNING_KEYS } from '../engine/options.js';
import type { Engine, EngineTuning } from '../pool/index.js';
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

export type ConsoleAnswer = { ok: true; lines: string[] } | { ok: false; error: string };

/**
 * Options `config set` may change while the engine runs: what the workers'
 * configure() takes, and the pool's reap interval. docs/serve.md's list is
 * generated from this (test/helpers/generated-docs.ts).
 */
const RUNTIME_KEYS = new Set<string>([...TUNING_KEYS, 'reapInterval']);

/** The options `config set` changes, as the configuration names them, in the configuration's order. */
export const RUNTIME_OPTIONS: readonly ScriptletOptionSpec[] = SCRIPTLET_OPTION_SPECS.filter((s) => RUNTIME_KEYS.has(s.key));

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

/** Checks `scriptlet INSTANCE`, the module and instance a config command names. */
function checkInstance(args: string[], t: ConsoleTarget): string | null {
  if (args.length < 2) return `expected 'scriptlet ${t.config.instance}' after the command`;
  if (args[0]!.toLowerCase() !== 'scriptlet') return `unknown module '${args[0]}': only 'scriptlet' is configured here`;
  if (args[1] !== t.config.instance) return `unknown instance '${args[1]}' of module scriptlet: the instance is '${t.config.instance}'`;
  return null;
}

function configGet(args: string[], t: ConsoleTarget): ConsoleAnswer {
  const bad = checkInstance(args, t);
  if (bad) return { ok: false, error: bad };
  if (args.length > 3) return { ok: false, error: 'config get takes at most one option name' };
  const tuning = t.engine.tuning as Record<string, unknown>;
  const valueOf = (key: string): unknown => (RUNTIME_KEYS.has(key) && tuning[key] !== undefined ? tuning[key] : (t.config.options as unknown as Record<string, unknown>)[key]);
  if (args.length === 3) {
    const spec = SCRIPTLET_OPTION_SPECS.find((s) => s.name === args[2]!.toLowerCase());
    if (!spec) return { ok: false, error: unknownOptionMessage(args[2]!) };
    return { ok: true, lines: [`${spec.name} = ${show(valueOf(spec.key))}`] };
  }
  return { ok: true, lines: SCRIPTLET_OPTION_SPECS.map((s) => `${s.name} = ${show(valueOf(s.key))}`) };
}

async function configSet(args: string[], line: string, t: ConsoleTarget): Promise<ConsoleAnswer> {
  const bad = checkInstance(args, t);
  if (bad) return { ok: false, error: bad };
  if (args.length < 4) return { ok: false, error: 'usage: config set scriptlet scriptlet OPTION VALUE' };
  const name = args[2]!.toLowerCase();
  // The value is the rest of the line, so that a list such as ( "a" "b" ) survives.
  const value = line.trim().replace(/^(\S+\s+){5}/, '');
  const typed = validateScriptletOption(name, value);
  const key = SCRIPTLET_OPTION_KEYS[name as ScriptletOptionName];
  if (!RUNTIME_KEYS.has(key)) return { ok: false, error: `option '${name}' cannot be changed at run time: edit the configuration and restart` };
  await t.engine.configure({ [key]: typed } as EngineTuning);
  return { ok: true, lines: [`${name} = ${show(typed)} (until restart)`] };
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

function show(value: unknown): string {
  if (Array.isArray(value)) return `( ${value.map((v) => JSON.stringify(v)).join(' ')} )`;
  if (value === '') return '""'; // state_dir unset: a value `config set` reads back
  return String(value);
}
