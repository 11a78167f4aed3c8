// The MTA's commands, decoded from their packets. Anything that does not
// have the shape its command requires (a missing NUL, a short option
// negotiation, an unknown code) is a MilterProtocolError.

import type { MilterPacket } from './framing.js';
import { MilterProtocolError, SMFIA, SMFIC } from './protocol.js';

export type MilterCommand =
  | { kind: 'optneg'; version: number; actions: number; protocol: number }
  | { kind: 'macro'; for: string; macros: Map<string, string> }
  | { kind: 'connect'; hostname: string; family: string; port: number | undefined; address: string | undefined }
  | { kind: 'helo'; name: string }
  | { kind: 'mail'; args: string[] }
  | { kind: 'rcpt'; args: string[] }
  | { kind: 'data' }
  | { kind: 'header'; name: Buffer; value: Buffer }
  | { kind: 'eoh' }
  | { kind: 'body'; chunk: Buffer }
  | { kind: 'eom'; chunk: Buffer }
  | { kind: 'abort' }
  | { kind: 'quit' }
  | { kind: 'quit_nc' }
  | { kind: 'unknown'; command: string };

const FAMILIES = new Set<string>(Object.values(SMFIA));

export function decodeCommand(p: MilterPacket): MilterCommand {
  const d = p.data;
  switch (p.code) {
    case SMFIC.OPTNEG:
      if (d.length < 12) throw bad(p, `option negotiation needs 12 bytes, found ${d.length}`);
      return { kind: 'optneg', version: d.readUInt32BE(0), actions: d.readUInt32BE(4), protocol: d.readUInt32BE(8) };
    case SMFIC.MACRO: {
      if (d.length < 1) throw bad(p, 'a macro packet names the command it is for');
      const strings = nulStrings(p, d.subarray(1));
      if (strings.length % 2 !== 0) throw bad(p, `macro names and values come in pairs, found ${strings.length} strings`);
      const macros = new Map<string, string>();
      for (let i = 0; i < strings.length; i += 2) macros.set(strings[i]!, strings[i + 1]!);
      return { kind: 'macro', for: String.fromCharCode(d[0]!), macros };
    }
    case SMFIC.CONNECT:
      return decodeConnect(p);
    case SMFIC.HELO:
      return { kind: 'helo', name: oneString(p, d) };
    case SMFIC.MAIL:
    case SMFIC.RCPT: {
      const args = nulStrings(p, d);
      if (args.length === 0) throw bad(p, 'an address is required');
      return { kind: p.code === SMFIC.MAIL ? 'mail' : 'rcpt', args };
    }
    case SMFIC.DATA:
      return { kind: 'data' };
    case SMFIC.HEADER: {
      const name = d.indexOf(0);
      const end = name < 0 ? -1 : d.indexOf(0, name + 1);
      if (name <= 0 || end !== d.length - 1) throw bad(p, 'a header is a name and a value, each ending with NUL');
      return { kind: 'header', name: d.subarray(0, name), value: d.subarray(name + 1, end) };
    }
    case SMFIC.EOH:
      return { kind: 'eoh' };
    case SMFIC.BODY:
      return { kind: 'body', chunk: d };
    case SMFIC.BODYEOB:
      return { kind: 'eom', chunk: d };
    case SMFIC.ABORT:
      return { kind: 'abort' };
    case SMFIC.QUIT:
      return { kind: 'quit' };
    case SMFIC.QUIT_NC:
      return { kind: 'quit_nc' };
    case SMFIC.UNKNOWN:
      return { kind: 'unknown', command: oneString(p, d) };
    default:
      throw new MilterProtocolError(`unknown command code 0x${p.code.charCodeAt(0).toString(16).padStart(2, '0')}`);
  }
}

function decodeConnect(p: MilterPacket): MilterCommand {
  const d = p.data;
  const host = d.indexOf(0);
  if (host < 0 || host + 1 >= d.length) throw bad(p, 'connect needs a host name and an address family');
  const hostname = d.toString('utf8', 0, host);
  const family = String.fromCharCode(d[host + 1]!);
  if (!FAMILIES.has(family)) throw bad(p, `unknown address family '${family}'`);
  if (family === SMFIA.UNKNOWN) {
    if (host + 2 !== d.length) throw bad(p, 'nothing follows an unknown address family');
    return { kind: 'connect', hostname, family, port: undefined, address: undefined };
  }
  if (d.length < host + 5) throw bad(p, 'connect needs a port and an address');
  const port = d.readUInt16BE(host + 2);
  const address = oneString(p, d.subarray(host + 4));
  return { kind: 'connect', hostname, family, port, address };
}

/** A run of NUL-terminated strings filling the data exactly. */
function nulStrings(p: MilterPacket, d: Buffer): string[] {
  if (d.length === 0) return [];
  if (d[d.length - 1] !== 0) throw bad(p, 'a string is not terminated by NUL');
  return d.toString('utf8', 0, d.length - 1).split('\0');
}

function oneString(p: MilterPacket, d: Buffer): string {
  const s = nulStrings(p, d);
  if (s.length !== 1) throw bad(p, `expected one NUL-terminated string, found ${s.length}`);
  return s[0]!;
}

function bad(p: MilterPacket, why: string): MilterProtocolError {
  return new MilterProtocolError(`malformed '${p.code}' packet: ${why}`);
}
