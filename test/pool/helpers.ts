// Builders shared by the pool tests: an engine from inline Lua (on the
// engine SCRIPTLET_ENGINE names), whose warnings are kept rather than
// printed, and a busy policy that keeps calls in flight for a while.
import { openEngine, type Engine, type EngineOptions } from '../../src/pool/index.js';

export interface TestEngine {
  engine: Engine;
  /** What the engine logged. */
  logs: string[];
}

/** An engine running module "t" from Lua source, two workers by default. */
export function engineFrom(source: string, opts: Partial<EngineOptions> = {}): TestEngine {
  const logs: string[] = [];
  const engine = openEngine({ threads: 2, log: (m) => logs.push(m), ...opts, scripts: [{ name: 't', source }] });
  return { engine, logs };
}

/** A module whose callouts for the given phases run body (with msg, accept, vctx in scope), then continue. */
export function module(callouts: Record<string, string>): string {
  const fns = Object.entries(callouts).map(([phase, body]) => {
    const args = phase === 'connect' ? 'accept, vctx' : ['ehlo', 'mailfrom'].includes(phase) ? 'str, accept, vctx' : phase === 'rcptto' ? 'msg, str, accept, vctx' : 'msg, accept, vctx';
    return `function mod:validate_${phase}(${args})\n${body}\nreturn msys.core.VALIDATE_CONT\nend`;
  });
  return `local mod = {}\n${fns.join('\n')}\nmsys.registerModule("t", mod)`;
}

/** Lua that keeps the CPU busy for about ms milliseconds. */
export function busyFor(ms: number): string {
  return `local t0 = os.clock() while os.clock() - t0 < ${ms / 1000} do end`;
}

export function message(headers: string[], body = 'body\r\n'): Buffer {
  return Buffer.from(headers.map((h) => h + '\r\n').join('') + '\r\n' + body, 'utf8');
}
