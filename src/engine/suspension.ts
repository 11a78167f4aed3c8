// What a suspended call waits for, done by Node: msys.sleep is a timer,
// msys.dnsLookup a query through node:dns (c-ares, asynchronous). The answer
// goes back to the Lua thread through Master.resume.

import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type SuspendRequest = { kind: 'sleep'; seconds: number } | { kind: 'dnsLookup'; name: string; type: string };

/** undefined (sleep), the answers, or the error for msys.dnsLookup's nil, err. */
export type ResumeResult = undefined | string[] | string;

export class SuspensionRunner {
  readonly #resolver: dns.Resolver;

  /** servers: "ip" or "ip:port" entries; default: the system's resolvers. */
  constructor(servers?: string[], timeoutMs = 5000) {
    this.#resolver = new dns.Resolver({ timeout: timeoutMs, tries: 2 });
    if (servers && servers.length > 0) this.#resolver.setServers(servers);
  }

  async perform(request: SuspendRequest): Promise<ResumeResult> {
    if (request.kind === 'sleep') {
      await sleep(request.seconds * 1000);
      return undefined;
    }
    try {
      return await this.#lookup(request.name, request.type);
    } catch (err) {
      // Node's codes: ENOTFOUND (NXDOMAIN), ENODATA (no such record), ETIMEOUT, ...
      return (err as NodeJS.ErrnoException).code ?? 'SERVFAIL';
    }
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
