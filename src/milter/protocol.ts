// The Sendmail milter protocol, version 6 (libmilter's mfdef.h; Postfix's
// milter8.c is the MTA side this is tested against). Every packet is a
// 32-bit big-endian length, then that many bytes: a command (or reply) code
// and its data. Strings in the data end with a NUL.

export const MILTER_VERSION = 6;

/** Commands the MTA sends (SMFIC_*). */
export const SMFIC = {
  ABORT: 'A',
  BODY: 'B',
  CONNECT: 'C',
  MACRO: 'D',
  BODYEOB: 'E',
  HELO: 'H',
  QUIT_NC: 'K',
  HEADER: 'L',
  MAIL: 'M',
  EOH: 'N',
  OPTNEG: 'O',
  QUIT: 'Q',
  RCPT: 'R',
  DATA: 'T',
  UNKNOWN: 'U',
} as const;

/** Replies the filter sends (SMFIR_*). */
export const SMFIR = {
  ADDRCPT: '+',
  DELRCPT: '-',
  SHUTDOWN: '4',
  ACCEPT: 'a',
  REPLBODY: 'b',
  CONTINUE: 'c',
  DISCARD: 'd',
  CHGFROM: 'e',
  ADDHEADER: 'h',
  INSHEADER: 'i',
  CHGHEADER: 'm',
  OPTNEG: 'O',
  QUARANTINE: 'q',
  REJECT: 'r',
  TEMPFAIL: 't',
  REPLYCODE: 'y',
} as const;

/** Actions the filter may take (SMFIF_*), offered by the MTA in option negotiation. */
export const SMFIF = {
  ADDHDRS: 0x01,
  CHGBODY: 0x02,
  ADDRCPT: 0x04,
  DELRCPT: 0x08,
  CHGHDRS: 0x10,
  QUARANTINE: 0x20,
  CHGFROM: 0x40,
  ADDRCPT_PAR: 0x80,
  SETSYMLIST: 0x100,
} as const;

/** Protocol steps (SMFIP_*): events the MTA need not send, and replies the filter will not send. */
export const SMFIP = {
  NOCONNECT: 0x01,
  NOHELO: 0x02,
  NOMAIL: 0x04,
  NORCPT: 0x08,
  NOBODY: 0x10,
  NOHDRS: 0x20,
  NOEOH: 0x40,
  NR_HDR: 0x80,
  NOUNKNOWN: 0x100,
  NODATA: 0x200,
  SKIP: 0x400,
  RCPT_REJ: 0x800,
  NR_CONN: 0x1000,
  NR_HELO: 0x2000,
  NR_MAIL: 0x4000,
  NR_RCPT: 0x8000,
  NR_DATA: 0x10000,
  NR_UNKN: 0x20000,
  NR_EOH: 0x40000,
  NR_BODY: 0x80000,
  HDR_LEADSPC: 0x100000,
} as const;

/** The stages a filter may ask macros for (SMFIM_*), in the option negotiation reply. */
export const SMFIM = {
  CONNECT: 0,
  HELO: 1,
  ENVFROM: 2,
  ENVRCPT: 3,
  DATA: 4,
  EOM: 5,
  EOH: 6,
} as const;

/** Address families in the connect event (SMFIA_*). */
export const SMFIA = {
  UNKNOWN: 'U',
  UNIX: 'L',
  INET: '4',
  INET6: '6',
} as const;

/** Most bytes of body one SMFIR_REPLBODY may carry (MILTER_CHUNK_SIZE). */
export const MILTER_CHUNK_SIZE = 65535;

/** A malformed or unexpected packet: the connection that sent it is closed, nothing else. */
export class MilterProtocolError extends Error {
  readonly code = 'ERR_MILTER_PROTOCOL';
  override readonly name = 'MilterProtocolError';
}
