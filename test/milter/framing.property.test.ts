// Fuzzing the milter framing and command decoding, as the message parser
// is fuzzed: valid packets cut anywhere parse back to the same packets;
// random bytes, and valid packets truncated or mutated, either parse or fail
// with a MilterProtocolError, never another exception; and against a
// running milter, a malformed or truncated packet closes that connection
// only, while another connection's transaction goes on and new ones are
// served. MILTER_FUZZ_RUNS sets the runs of each property (default 300).

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeCommand } from '../../src/milter/commands.js';
import { encodePacket, MilterFrameParser, type MilterPacket } from '../../src/milter/framing.js';
import { MilterProtocolError, SMFIC } from '../../src/milter/protocol.js';
import { milterDir, startMilter } from './helpers.js';
import { MtaClient, nul } from './mta-client.js';

const RUNS = Number(process.env.MILTER_FUZZ_RUNS ?? 300);
const CODES = Object.values(SMFIC);

const packet = fc.record({ code: fc.constantFrom(...CODES, 'z', '\0'), data: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) });
/** Valid packets of each command, as an MTA would send them. */
const validPacket = fc.oneof(
  fc.tuple(fc.string({ maxLength: 30 }), fc.string({ maxLength: 60 })).map(([n, v]) => ({ code: SMFIC.HEADER, data: nul(n.replace(/\0/g, '') || 'X', v.replace(/\0/g, '')) })),
  fc.string({ maxLength: 60 }).map((a) => ({ code: SMFIC.MAIL, data: nul(`<${a.replace(/\0/g, '')}>`, 'SIZE=10') })),
  fc.uint8Array({ maxLength: 2000 }).map((b) => ({ code: SMFIC.BODY, data: Buffer.from(b) })),
  fc.constant({ code: SMFIC.EOH, data: Buffer.alloc(0) }),
  fc.constant({ code: SMFIC.MACRO, data: Buffer.concat([Buffer.from('C'), nul('j', 'mx.test', '{daemon_port}', '25')]) }),
);

/** Splits bytes at the given cut points. */
function cut(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** Parses and decodes everything; only MilterProtocolError may be thrown. */
function parseAll(chunks: Buffer[], end: boolean): MilterPacket[] {
  const parser = new MilterFrameParser(4096);
  const packets: MilterPacket[] = [];
  try {
    for (const c of chunks) packets.push(...parser.push(c));
    for (const p of packets) decodeCommand(p);
    if (end) parser.end();
  } catch (err) {
    assert.ok(err instanceof MilterProtocolError, `not a MilterProtocolError: ${(err as Error).stack}`);
  }
  return packets;
}

describe('the milter framing parser, fuzzed', () => {
  it('gives back the packets it was sent, however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.array(packet, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (packets, cuts) => {
        const bytes = Buffer.concat(packets.map((p) => encodePacket(p.code, p.data)));
        const parser = new MilterFrameParser(4096);
        const got = cut(bytes, cuts).flatMap((c) => parser.push(c));
        parser.end();
        assert.deepEqual(got.map((p) => [p.code, p.data.toString('hex')]), packets.map((p) => [p.code, p.data.toString('hex')]));
      }),
      { numRuns: RUNS },
    );
  });

  it('random bytes parse or fail with a MilterProtocolError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        parseAll(cut(Buffer.from(bytes), cuts), true);
      }),
      { numRuns: RUNS },
    );
  });

  it('valid packets truncated or with a byte changed parse or fail with a MilterProtocolError', () => {
    fc.assert(
      fc.property(fc.array(validPacket, { minLength: 1, maxLength: 6 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (packets, at, drop, value) => {
        const bytes = Buffer.concat(packets.map((p) => encodePacket(p.code, p.data)));
        const mutated = Buffer.from(bytes);
        mutated[at % mutated.length] = value;
        parseAll([mutated], true);
        parseAll([bytes.subarray(0, bytes.length - 1 - (drop % bytes.length))], true);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a length of 0, a length over the bound and a packet cut short at the end', () => {
    const zero = Buffer.from([0, 0, 0, 0]);
    assert.throws(() => new MilterFrameParser().push(zero), /length 0/);
    const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x42]);
    assert.throws(() => new MilterFrameParser().push(huge), /over the limit of 1048576 bytes/);
    const parser = new MilterFrameParser();
    assert.deepEqual(parser.push(encodePacket('B', 'abc').subarray(0, 6)), []);
    assert.throws(() => parser.end(), /truncated packet: the connection ended with 6 bytes/);
    assert.throws(() => decodeCommand({ code: 'L', data: Buffer.from('Subject\0no end') }), /malformed 'L' packet/);
    assert.throws(() => decodeCommand({ code: 'O', data: Buffer.alloc(8) }), /option negotiation needs 12 bytes/);
    assert.throws(() => decodeCommand({ code: 'C', data: Buffer.from('host\0' + '4') }), /a port and an address/);
    assert.throws(() => decodeCommand({ code: 'x', data: Buffer.alloc(0) }), /unknown command code 0x78/);
  });
});

describe('a running milter and malformed input', () => {
  it('closes only the connection that sent a malformed or truncated packet; the others go on', async (t) => {
    const m = await startMilter(t, milterDir(t));
    const good = await MtaClient.connect(m.port);
    await good.negotiate();
    good.connectEvent();
    assert.equal((await good.reply())?.code, 'c');
    const garbage = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 200 }), { numRuns: Math.min(RUNS, 60), seed: 42 });
    const malformed = [
      Buffer.from([0, 0, 0, 0]),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0x41]),
      encodePacket('L', 'Subject\0no terminator'),
      encodePacket('x'),
      encodePacket('O', Buffer.alloc(3)),
      ...garbage.map((g) => Buffer.from(g)),
    ];
    for (const bytes of malformed) {
      const bad = await MtaClient.connect(m.port);
      await bad.negotiate();
      bad.raw(bytes);
      bad.end();
      // The filter closes it (on the bad packet, or on the bytes left when the stream ends), whatever it answered first.
      const until = Date.now() + 5000;
      while (!bad.closed && Date.now() < until) await bad.reply(5000).catch(() => null);
      assert.ok(bad.closed, `not closed after ${bytes.toString('hex')}`);
    }
    assert.ok(m.milter.counters().protocolErrors >= 5, JSON.stringify(m.milter.counters()));
    // The good connection's transaction goes on.
    const r = await good.message({ from: 'alice@example.org', to: ['bob@example.net'], headers: [['Subject', 'still here']], body: 'Hello.\r\n' });
    assert.equal(r.mail?.code, 'c');
    assert.equal(r.eom.at(-1)?.code, 'c');
    good.destroy();
  });
});
