// A real DNS server on loopback (dns2, an npm DNS server), with a small zone
// for msys.dnsLookup tests. Answers go out over UDP like any server's.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-var-requires
const dns2 = require('dns2') as {
  createServer(o: { udp: boolean; handle: (req: DnsRequest, send: (r: unknown) => void) => void }): DnsServer;
  Packet: {
    TYPE: Record<string, number>;
    CLASS: { IN: number };
    RCODE: { NXDOMAIN: number };
    createResponseFromRequest(req: DnsRequest): { answers: object[]; header: { rcode: number } };
  };
};

interface DnsRequest {
  questions: { name: string; type: number }[];
}
interface DnsServer {
  listen(o: { udp: { port: number; address: string } }): Promise<void>;
  addresses(): { udp: { port: number } };
  close(): Promise<void>;
}

type Zone = Record<string, Partial<Record<'A' | 'AAAA' | 'MX' | 'TXT' | 'NS' | 'PTR', object[]>>>;

export const ZONE: Zone = {
  'a.test': { A: [{ address: '192.0.2.1' }, { address: '192.0.2.2' }] },
  'v6.test': { AAAA: [{ address: '2001:db8::1' }] },
  'mx.test': { MX: [{ exchange: 'mx2.test', priority: 20 }, { exchange: 'mx1.test', priority: 10 }] },
  'txt.test': { TXT: [{ data: ['v=spf1 ', 'ip4:192.0.2.0/24 -all'] }] },
  'ns.test': { NS: [{ ns: 'ns1.test' }] },
  '1.2.0.192.in-addr.arpa': { PTR: [{ domain: 'host.test' }] },
  'slow.test': { A: [{ address: '192.0.2.9' }] },
};

export interface TestDns {
  server: string; // "127.0.0.1:port"
  queries: number;
  close(): Promise<void>;
}

/** Starts the server; slow.test answers after slowMs. */
export async function startTestDns(slowMs = 200): Promise<TestDns> {
  const { Packet } = dns2;
  const typeName = Object.fromEntries(Object.entries(Packet.TYPE).map(([k, v]) => [v, k]));
  const state = { queries: 0 };
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      state.queries++;
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      const name = (q?.name ?? '').toLowerCase();
      const type = typeName[q?.type ?? -1] as keyof Zone[string];
      const records = ZONE[name];
      if (!records) response.header.rcode = Packet.RCODE.NXDOMAIN;
      for (const r of records?.[type] ?? []) response.answers.push({ name, type: q!.type, class: Packet.CLASS.IN, ttl: 60, ...r });
      if (name === 'slow.test') setTimeout(() => send(response), slowMs);
      else send(response);
    },
  });
  await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = server.addresses().udp.port;
  return {
    server: `127.0.0.1:${port}`,
    get queries() {
      return state.queries;
    },
    close: () => server.close(),
  };
}
