// What a suspended call waits for, done by Node: msys.sleep is a timer,
// msys.dnsLookup a query through node:dns (c-ares, asynchronous), msys.config
// a console line the host runs. The answer goes back to the Lua thread
// through Master.resume.

import { promises as dns } from 'node:dns';
import { open } from 'node:fs/promises';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { performHttpRequest, type DatasourceSet, type DbRequest, type HttpRequest } from '../datasource/index.js';

/** timeLeft: seconds before the call's deadline (absent: none); the wait ends then. */
export type SuspendRequest = (
  | { kind: 'sleep'; seconds: number }
  | { kind: 'dnsLookup'; name: string; type: string }
  | { kind: 'readFile'; path: string } // a real path the addon checked
  | { kind: 'console'; line: string } // msys.config: "config get ..." / "config set ..."
  | ({ kind: 'dbQuery' } & DbRequest) // msys.db (src/datasource/)
  | ({ kind: 'httpRequest' } & HttpRequest) // client:do_request of msys.http.client
) & { timeLeft?: number };

/**
 * Runs msys.config's console line for a script: lines of text, or why not.
 * The host sets it (engineFromConfig does, on the engine's configuration).
 */
export type ScriptConsole = (line: string) => Promise<{ ok: true; lines: string[] } | { ok: false; error: string }>;

/** Why msys.config answers nil where no console was given (in-thread, or by the pool's engine). */
export const NO_SCRIPT_CONSOLE = 'no console here (the engine was not made from a configuration; engineFromConfig gives one)';

/** undefined (sleep), the answers, the file's (or the encoded rows' or response's) bytes, or the error for nil, err. */
export type ResumeResult = undefined | string[] | [Buffer] | string;

/** msys.readfile's limit (the addon's, for a synchronous read, is the same). */
export const READFILE_MAX_BYTES = 16 * 1024 * 1024;

/** What perform() gives when the call's deadline came first: the call is then ended. */
export const DEADLINE: { readonly deadline: true } = Object.freeze({ deadline: true });

export class SuspensionRunner {
  readonly #resolver: dns.Resolver;
  /** Where msys.config's lines go; none: msys.config answers nil, why. */
  console: ScriptConsole | undefined;
  /** The datasources msys.db names (none: every query fails, saying so). */
  datasources: DatasourceSet | undefined;

  /** servers: "ip" or "ip:port" entries; default: the system's resolvers. */
  constructor(servers?: string[], timeoutMs = 5000) {
    this.#resolver = new dns.Resolver({ timeout: timeoutMs, tries: 2 });
    if (servers && servers.length > 0) this.#resolver.setServers(servers);
  }

  /**
   * Does what the call waits for, but no longer than its time left: at the
   * deadline it resolves to DEADLINE, and the call is ended there.
   */
  async perform(request: SuspendRequest): Promise<ResumeResult | typeof DEADLINE> {
    if (request.kind === 'dbQuery') {
      const hit = this.datasources?.cached(request); // no deadline timer for an answer already here
      if (hit) return [hit];
    }
    const done = new AbortController();
    const work = this.#perform(request, done.signal);
    if (request.timeLeft === undefined) return work;
    const late = sleep(request.timeLeft * 1000, undefined, { signal: done.signal }).then(
      () => DEADLINE,
      () => DEADLINE,
    );
    try {
      return await Promise.race([work, late]);
    } finally {
      done.abort(); // the other timer, so that nothing keeps the loop alive
    }
  }

  async #perform(request: SuspendRequest, signal: AbortSignal): Promise<ResumeResult> {
    if (request.kind === 'sleep') {
      await sleep(request.seconds * 1000, undefined, { signal }).catch(() => undefined);
      return undefined;
    }
    if (request.kind === 'readFile') return readWhole(request.path);
    if (request.kind === 'console') return this.#runConsole(request.line);
    if (request.kind === 'dbQuery') {
      if (!this.datasources) return `no datasource named '${request.datasource}' is configured`;
      const answer = await this.datasources.run(request);
      return typeof answer === 'string' ? answer : [answer];
    }
    if (request.kind === 'httpRequest') {
      const answer = await performHttpRequest(request, signal);
      return typeof answer === 'string' ? answer : [answer];
    }
    try {
      return await this.#lookup(request.name, request.type);
    } catch (err) {
      // Node's codes (ENODATA: no such record, ETIMEOUT, ...), except a name
      // that does not exist, which Momentum calls NXDOMAIN and real policies test for.
      const code = (err as NodeJS.ErrnoException).code ?? 'SERVFAIL';
      return code === 'ENOTFOUND' ? 'NXDOMAIN' : code;
    }
  }

  // msys.config's value and console text: the value is what follows "name = "
  // in a one-line answer (" (until restart)" dropped), the whole text otherwise.
  async #runConsole(line: string): Promise<ResumeResult> {
    if (!this.console) return `msys.config: ${NO_SCRIPT_CONSOLE}`;
    const answer = await this.console(line);
    if (!answer.ok) return `msys.config: ${answer.error}`;
    const text = answer.lines.join('\n');
    const single = answer.lines.length === 1 ? /^\S+ = (.*?)(?: \(until restart\))?$/.exec(answer.lines[0]!) : null;
    return [single ? single[1]! : text, text];
  }

  async #lookup(name: string, type: string): Promise<string[]> {
    const r = this.#resolver;
    switch (type) {
      case 'A':
        return r.resolve4(name);
      case 'AAAA':
        return r.resolve6(name);
      case 'MX': // exchanges, most preferred first
        return (await r.resolveMx(name)).sort((a, b) => a.priority - b.priority).map((mx) => mx.exchange);
      case 'TXT': // each record's strings joined, as SPF and DKIM read them
        return (await r.resolveTxt(name)).map((chunks) => chunks.join(''));
      case 'PTR': // an address is looked up in in-addr.arpa / ip6.arpa
        return isIP(name) ? r.reverse(name) : r.resolvePtr(name);
      case 'NS':
        return r.resolveNs(name);
      default:
        throw Object.assign(new Error(`unsupported type ${type}`), { code: 'ENOTIMP' });
    }
  }
}

/** The file's bytes, or "cannot read PATH: CODE" (ENOENT, EISDIR, EFBIG, ...). */
async function readWhole(path: string): Promise<[Buffer] | string> {
  try {
    const file = await open(path, 'r');
    try {
      if ((await file.stat()).size > READFILE_MAX_BYTES) return `cannot read ${path}: EFBIG (more than ${READFILE_MAX_BYTES} bytes)`;
      return [await file.readFile()];
    } finally {
      await file.close();
    }
  } catch (err) {
    return `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'EIO'}`;
  }
}
