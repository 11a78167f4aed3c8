// The milter framing: a 32-bit big-endian length, then a one-byte command
// code and length - 1 bytes of data. The parser takes the bytes as they
// arrive on the socket and gives back whole packets; a length of 0 or past
// the bound, or bytes left over when the stream ends, is a
// MilterProtocolError (the connection is closed; the server goes on).

import { MilterProtocolError } from './protocol.js';

export interface MilterPacket {
  /** The command (or reply) code, one character. */
  code: string;
  data: Buffer;
}

/**
 * The largest packet taken by default: Postfix sends body chunks of at most
 * 64 KB and headers up to header_size_limit (100 KB); 1 MB leaves room
 * without letting one connection hold much memory.
 */
export const DEFAULT_MAX_PACKET = 1024 * 1024;

export class MilterFrameParser {
  readonly #max: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** The bytes the incomplete packet needs in all (0: not known yet), so that its pieces are joined once. */
  #need = 0;

  constructor(maxPacket = DEFAULT_MAX_PACKET) {
    this.#max = maxPacket;
  }

  /** Bytes received and not yet part of a whole packet. */
  get buffered(): number {
    return this.#pendingBytes;
  }

  /** Adds bytes; returns the packets they complete, in order. Throws on a malformed length. */
  push(chunk: Buffer): MilterPacket[] {
    if (chunk.length === 0) return [];
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes < this.#need) return [];
    const buf = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    const packets: MilterPacket[] = [];
    let p = 0;
    while (buf.length - p >= 4) {
      const length = buf.readUInt32BE(p);
      if (length === 0) throw new MilterProtocolError('malformed packet: length 0 (no command code)');
      if (length > this.#max) throw new MilterProtocolError(`malformed packet: length ${length} is over the limit of ${this.#max} bytes`);
      if (buf.length - p - 4 < length) break;
      packets.push({ code: String.fromCharCode(buf[p + 4]!), data: buf.subarray(p + 5, p + 4 + length) });
      p += 4 + length;
    }
    const rest = buf.subarray(p);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingBytes = rest.length;
    this.#need = rest.length >= 4 ? 4 + rest.readUInt32BE(0) : 0;
    return packets;
  }

  /** The stream ended: a packet cut short is an error. */
  end(): void {
    if (this.#pendingBytes > 0) throw new MilterProtocolError(`truncated packet: the connection ended with ${this.#pendingBytes} bytes of an incomplete packet`);
  }
}

/** One packet on the wire: the length, the code, the data. */
export function encodePacket(code: string, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out = Buffer.allocUnsafe(5 + body.length);
  out.writeUInt32BE(body.length + 1, 0);
  out[4] = code.charCodeAt(0);
  body.copy(out, 5);
  return out;
}
