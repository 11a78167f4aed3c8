// The macros a filter asks the MTA for at each stage, and what they become
// for the policy: the facts of the call (client and server addresses) and
// context variables, under Momentum's names where it has one (what
// msys.expandMacro's %{vctx_conn:KEY} and %{vctx_mess:KEY} read, and
// vctx:get) and as `milter.NAME` (braces dropped) for every macro received.

import type { Context } from '../engine/verdict.js';
import { SMFIM } from './protocol.js';

/** Asked for in the option negotiation reply (SMFIR_SETSYMLIST), replacing the MTA's milter_*_macros. */
export const WANTED_MACROS: ReadonlyMap<number, readonly string[]> = new Map([
  [SMFIM.CONNECT, ['j', '_', 'v', '{daemon_name}', '{daemon_addr}', '{daemon_port}', '{client_addr}', '{client_port}', '{client_name}', '{client_ptr}']],
  [SMFIM.HELO, ['{tls_version}', '{cipher}', '{cipher_bits}', '{cert_subject}', '{cert_issuer}']],
  [SMFIM.ENVFROM, ['i', '{auth_type}', '{auth_authen}', '{auth_author}', '{mail_addr}', '{mail_host}', '{mail_mailer}']],
  [SMFIM.ENVRCPT, ['i', '{rcpt_addr}', '{rcpt_host}', '{rcpt_mailer}']],
  [SMFIM.EOM, ['i']],
]);

/** `{client_addr}` -> `client_addr`; `j` stays `j`. */
export function macroKey(name: string): string {
  return name.startsWith('{') && name.endsWith('}') ? name.slice(1, -1) : name;
}

/** Every macro as `milter.NAME`. */
export function rawMacroContext(macros: ReadonlyMap<string, string>): Context {
  const out: Context = {};
  for (const [name, value] of macros) out[`milter.${macroKey(name)}`] = value;
  return out;
}

/**
 * Connection context: the connect and HELO stages' macros as they are, and
 * TLS and authentication (whenever the MTA said them) as Momentum's
 * connection context variables name them.
 */
export function connectionContext(macros: ReadonlyMap<string, string>, ...stages: ReadonlyMap<string, string>[]): Context {
  const out: Context = Object.assign({}, ...stages.map(rawMacroContext));
  const tls = macros.get('{tls_version}');
  if (tls !== undefined) {
    out.tls = tls === '' ? '0' : '1';
    out.tls_version = tls;
  }
  const cipher = macros.get('{cipher}');
  if (cipher !== undefined) out.tls_cipher = cipher;
  const user = macros.get('{auth_authen}');
  if (user !== undefined && user !== '') {
    out.auth_user = user;
    out.auth_status = 'ok';
  }
  return out;
}

/** The envelope address's parts as Momentum's message context names them (PREFIX_string, _localpart, _domain). */
export function addressContext(prefix: 'mailfrom' | 'rcptto', address: string): Context {
  const at = address.lastIndexOf('@');
  return {
    [`${prefix}_string`]: address,
    [`${prefix}_localpart`]: at < 0 ? address : address.slice(0, at),
    [`${prefix}_domain`]: at < 0 ? '' : address.slice(at + 1),
  };
}

/** `<a@b>` -> `a@b`. */
export function bareAddress(arg: string): string {
  const t = arg.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}
