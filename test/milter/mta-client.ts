// The MTA's side of the milter protocol, for tests without Postfix: sends
// commands as Postfix does (option negotiation, macros, events) and reads
// the filter's replies.

import * as net from 'node:net';
import { encodePacket, MilterFrameParser, type MilterPacket } from '../../src/milter/framing.js';
import { SMFIC, SMFIF, SMFIP } from '../../src/milter/protocol.js';

/** What Postfix 3.7 offers: every action, and every protocol step of version 6. */
export const POSTFIX_ACTIONS = 0x1ff;
export const POSTFIX_STEPS = 0x1fffff;

export const nul = (...s: string[]): Buffer => Buffer.concat(s.map((x) => Buffer.from(`${x}\0`, 'utf8')));

export class MtaClient {
  readonly #socket: net.Socket;
  readonly #parser = new MilterFrameParser();
  readonly #replies: MilterPacket[] = [];
  #waiters: (() => void)[] = [];
  closed = false;
  /** The protocol steps the filter chose (after negotiate()). */
  steps = 0;
  actions = 0;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#replies.push(...this.#parser.push(d));
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<MtaClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new MtaClient(s)));
      s.once('error', reject);
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  send(code: string, data: Buffer = Buffer.alloc(0)): void {
    this.#socket.write(encodePacket(code, data));
  }

  raw(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  /** The next reply, or null when the filter closed the connection first. */
  async reply(ms = 10_000): Promise<MilterPacket | null> {
    const until = Date.now() + ms;
    while (this.#replies.length === 0 && !this.closed) {
      if (Date.now() > until) throw new Error('no reply from the milter');
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.#replies.shift() ?? null;
  }

  /** The reply to an event, or a CONTINUE of our own when the filter chose not to answer it (step: its SMFIP_NR_* flag). */
  async replyTo(step: number): Promise<MilterPacket | null> {
    return this.steps & step ? { code: 'c', data: Buffer.alloc(0) } : this.reply();
  }

  /** Replies up to and including a final one (not a modification request). */
  async replies(ms = 10_000): Promise<MilterPacket[]> {
    const out: MilterPacket[] = [];
    for (;;) {
      const r = await this.reply(ms);
      if (!r) return out;
      out.push(r);
      if ('acdrty4O'.includes(r.code)) return out;
    }
  }

  async negotiate(actions = POSTFIX_ACTIONS, steps = POSTFIX_STEPS): Promise<MilterPacket> {
    const d = Buffer.alloc(12);
    d.writeUInt32BE(6, 0);
    d.writeUInt32BE(actions, 4);
    d.writeUInt32BE(steps, 8);
    this.send(SMFIC.OPTNEG, d);
    const r = await this.reply();
    if (!r || r.code !== 'O') throw new Error(`expected the option negotiation reply, got ${r?.code}`);
    this.actions = r.data.readUInt32BE(4);
    this.steps = r.data.readUInt32BE(8);
    return r;
  }

  macros(forCode: string, pairs: Record<string, string>): void {
    this.send(SMFIC.MACRO, Buffer.concat([Buffer.from(forCode), nul(...Object.entries(pairs).flat())]));
  }

  connectEvent(host = 'localhost', addr = '127.0.0.1', port = 40000): void {
    const p = Buffer.alloc(2);
    p.writeUInt16BE(port, 0);
    this.send(SMFIC.CONNECT, Buffer.concat([nul(host), Buffer.from('4'), p, nul(addr)]));
  }

  /** A whole transaction, as Postfix sends it; the replies to each event that gets one. */
  async message(o: { from: string; to: string[]; headers: [string, string][]; body: string }): Promise<{ mail: MilterPacket | null; rcpt: (MilterPacket | null)[]; eom: MilterPacket[] }> {
    this.send(SMFIC.MAIL, nul(`<${o.from}>`));
    const mail = await this.replyTo(SMFIP.NR_MAIL);
    const rcpt = [];
    for (const r of o.to) {
      this.send(SMFIC.RCPT, nul(`<${r}>`));
      rcpt.push(await this.replyTo(SMFIP.NR_RCPT));
    }
    const lead = this.steps & SMFIP.HDR_LEADSPC ? ' ' : '';
    for (const [k, v] of o.headers) {
      this.send(SMFIC.HEADER, nul(k, lead + v));
      if (!(this.steps & SMFIP.NR_HDR)) await this.reply();
    }
    this.send(SMFIC.EOH);
    if (!(this.steps & SMFIP.NR_EOH)) await this.reply();
    this.send(SMFIC.BODY, Buffer.from(o.body));
    if (!(this.steps & SMFIP.NR_BODY)) await this.reply();
    this.send(SMFIC.BODYEOB);
    return { mail, rcpt, eom: await this.replies() };
  }
}

export { SMFIF };
