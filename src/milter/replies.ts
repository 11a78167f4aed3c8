// The filter's replies, as packets. The SMTP reply a verdict becomes is
// checked the way Postfix checks it (milter8.c): a 4xx or 5xx code, an
// enhanced status code, if any, of the same class, and '%' doubled (Sendmail
// reads the reply as a format); several lines become a multi-line reply.

import { encodePacket } from './framing.js';
import { SMFIR } from './protocol.js';

const NUL = Buffer.from([0]);

export const continueReply = (): Buffer => encodePacket(SMFIR.CONTINUE);
export const acceptReply = (): Buffer => encodePacket(SMFIR.ACCEPT);
export const discardReply = (): Buffer => encodePacket(SMFIR.DISCARD);

/** SMFIR_REPLYCODE: "CODE TEXT", or "CODE-TEXT1\r\nCODE TEXT2" for several lines. */
export function replyCodeReply(code: number, text: string): Buffer {
  return encodePacket(SMFIR.REPLYCODE, Buffer.concat([Buffer.from(smtpReply(code, text), 'utf8'), NUL]));
}

/**
 * The reply to every event after a policy disconnected: a 421, after which
 * Postfix and Sendmail both close the session. (SMFIR_SHUTDOWN would do for
 * Postfix, but Sendmail takes it for a bogus reply: the filter's failure.)
 */
export const hangupReply = (): Buffer => replyCodeReply(421, '4.7.0 Server closing connection');

/** The reply text as Postfix and Sendmail take it. */
export function smtpReply(code: number, text: string): string {
  const c = code >= 400 && code < 600 ? code : 451;
  const lines = text.split(/\r?\n/).filter((l, i, all) => l !== '' || all.length === 1);
  const cls = String(c)[0]!;
  const shaped = lines.map((line) => {
    // An enhanced code of the other class would make Postfix call the reply malformed and take milter_default_action.
    const fixed = line.replace(/^([245])(\.\d{1,3}\.\d{1,3})(?=\s|$)/, (_m, _k: string, rest: string) => cls + rest);
    return fixed.replace(/%/g, '%%').replace(/[\0]/g, ' ');
  });
  return shaped.map((line, i) => `${c}${i === shaped.length - 1 ? ' ' : '-'}${line}`).join('\r\n');
}

function strings(...values: string[]): Buffer {
  return Buffer.concat(values.flatMap((v) => [Buffer.from(v.replace(/\0/g, ' '), 'utf8'), NUL]));
}

function indexed(index: number, rest: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(index, 0);
  return Buffer.concat([head, rest]);
}

export const addHeaderReply = (name: string, value: string): Buffer => encodePacket(SMFIR.ADDHEADER, strings(name, value));
/** Insert at index (0: before every header). */
export const insertHeaderReply = (index: number, name: string, value: string): Buffer => encodePacket(SMFIR.INSHEADER, indexed(index, strings(name, value)));
/** Change the index-th (from 1) header of that name; an empty value deletes it. */
export const changeHeaderReply = (index: number, name: string, value: string): Buffer => encodePacket(SMFIR.CHGHEADER, indexed(index, strings(name, value)));
export const addRcptReply = (rcpt: string): Buffer => encodePacket(SMFIR.ADDRCPT, strings(rcpt));
export const delRcptReply = (rcpt: string): Buffer => encodePacket(SMFIR.DELRCPT, strings(rcpt));
export const chgFromReply = (from: string): Buffer => encodePacket(SMFIR.CHGFROM, strings(from));
export const quarantineReply = (reason: string): Buffer => encodePacket(SMFIR.QUARANTINE, strings(reason));
export const replaceBodyReply = (chunk: Buffer): Buffer => encodePacket(SMFIR.REPLBODY, chunk);

/** The option negotiation reply, with the macros wanted at each stage (SMFIM_*). */
export function optnegReply(version: number, actions: number, protocol: number, macros: ReadonlyMap<number, readonly string[]>): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32BE(version, 0);
  head.writeUInt32BE(actions, 4);
  head.writeUInt32BE(protocol, 8);
  const parts = [head];
  for (const [stage, names] of macros) {
    const s = Buffer.alloc(4);
    s.writeUInt32BE(stage, 0);
    parts.push(s, Buffer.from(names.join(' '), 'utf8'), NUL);
  }
  return encodePacket(SMFIR.OPTNEG, Buffer.concat(parts));
}
