// The ESMTP_Listener options for STARTTLS and SMTP AUTH, in Momentum's
// names where Momentum has one (listener-config.ts hands them here):
//
//   ESMTP_Listener {
//     tls_certificate = "/etc/scriptlet/mx.crt"   # PEM; STARTTLS is offered when both are set
//     tls_key = "/etc/scriptlet/mx.key"
//     tls_ciphers = "HIGH:!aNULL"                 # OpenSSL cipher list (default: Node's)
//     tls_protocols = "TLSv1.2"                   # the lowest version taken (default TLSv1.2)
//     AuthLoginParameters = [ uri = "file:///etc/scriptlet/smtp_passwd" ]
//     AuthPlainParameters = [ uri = "lua://myscheme" ]   # a msys.registerAuth scheme
//     allow_insecure_auth = false                 # AUTH only after STARTTLS (the default)
//   }

import * as path from 'node:path';
import type { ProblemList } from '../config/errors.js';
import { describeValue, scalarText, type ConfigOption, type Origin } from '../config/tree.js';

export const TLS_PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsProtocol = (typeof TLS_PROTOCOLS)[number];

export interface TlsSettings {
  certificate: string;
  key: string;
  ciphers: string | undefined;
  minVersion: TlsProtocol;
}

/** Where a SASL mechanism checks credentials: a credentials file, or a Lua scheme (msys.registerAuth). */
export type AuthSource = { kind: 'file'; path: string } | { kind: 'lua'; scheme: string };

export interface AuthSettings {
  /** By mechanism (LOGIN, PLAIN), in the order configured. */
  mechanisms: Map<'LOGIN' | 'PLAIN', AuthSource>;
  /** AUTH before STARTTLS (or without TLS configured at all). Default false. */
  allowInsecure: boolean;
}

export interface SecuritySettings {
  tls: TlsSettings | undefined;
  auth: AuthSettings | undefined;
}

/** The options this file reads, for listener-config.ts's list of what esmtp_listener holds. */
export const SECURITY_OPTIONS = ['tls_certificate', 'tls_key', 'tls_ciphers', 'tls_protocols', 'AuthLoginParameters', 'AuthPlainParameters', 'allow_insecure_auth'];

/** What the options read so far hold; finishSecurity() turns it into SecuritySettings. */
export interface SecurityDraft {
  certificate?: { path: string; origin: Origin };
  key?: { path: string; origin: Origin };
  ciphers?: string;
  minVersion?: TlsProtocol;
  mechanisms: Map<'LOGIN' | 'PLAIN', AuthSource>;
  allowInsecure: boolean;
  firstAuthOrigin?: Origin;
}

export function newSecurityDraft(): SecurityDraft {
  return { mechanisms: new Map(), allowInsecure: false };
}

/** Reads one esmtp_listener option if it is one of SECURITY_OPTIONS; false when it is not. */
export function readSecurityOption(node: ConfigOption, draft: SecurityDraft, problems: ProblemList): boolean {
  const name = node.name.toLowerCase();
  const text = scalarText(node.value);
  const file = (): string | undefined => {
    if (text === undefined || text === '') problems.add(node.value.origin, `option '${node.name}' expects a file name, found ${describeValue(node.value)}`);
    else return path.resolve(path.dirname(node.value.origin.file), text);
    return undefined;
  };
  if (name === 'tls_certificate' || name === 'tls_key') {
    const p = file();
    if (p !== undefined) draft[name === 'tls_key' ? 'key' : 'certificate'] = { path: p, origin: node.origin };
  } else if (name === 'tls_ciphers') {
    if (text === undefined || text === '') problems.add(node.value.origin, `option '${node.name}' expects an OpenSSL cipher list, found ${describeValue(node.value)}`);
    else draft.ciphers = text;
  } else if (name === 'tls_protocols') {
    const found = TLS_PROTOCOLS.find((p) => p.toLowerCase() === text?.toLowerCase());
    if (!found) problems.add(node.value.origin, `option '${node.name}' expects the lowest TLS version taken, one of ${TLS_PROTOCOLS.join(', ')}, found ${describeValue(node.value)}`);
    else draft.minVersion = found;
  } else if (name === 'allow_insecure_auth') {
    const b = /^(true|false|yes|no|1|0)$/i.exec(text ?? '');
    if (!b) problems.add(node.value.origin, `option '${node.name}' expects true or false, found ${describeValue(node.value)}`);
    else draft.allowInsecure = /^(true|yes|1)$/i.test(b[1]!);
  } else if (name === 'authloginparameters' || name === 'authplainparameters') {
    const source = authSource(node, problems);
    if (source) draft.mechanisms.set(name === 'authloginparameters' ? 'LOGIN' : 'PLAIN', source);
    draft.firstAuthOrigin ??= node.origin;
  } else {
    return false;
  }
  return true;
}

/** `[ uri = "file:///path" ]` or `[ uri = "lua://scheme" ]` (Momentum's shape; a relative file path is from the configuration file). */
function authSource(node: ConfigOption, problems: ProblemList): AuthSource | undefined {
  const expected = `option '${node.name}' expects [ uri = "file:///path/to/passwd" ] or [ uri = "lua://SCHEME" ]`;
  if (node.value.kind !== 'dict') {
    problems.add(node.value.origin, `${expected}, found ${describeValue(node.value)}`);
    return undefined;
  }
  let source: AuthSource | undefined;
  for (const e of node.value.entries) {
    const uri = scalarText(e.value);
    if (e.key.toLowerCase() === 'log_authentication') continue; // Momentum's; serve logs every failure anyway
    if (e.key.toLowerCase() !== 'uri' || uri === undefined) {
      problems.add(e.origin, `${expected}: unexpected '${e.key}'`);
    } else if (/^file:\/\//i.test(uri) && uri.length > 7) {
      source = { kind: 'file', path: path.resolve(path.dirname(e.origin.file), decodeURIComponent(uri.slice(7))) };
    } else if (/^lua:\/\/[A-Za-z0-9_.-]+$/i.test(uri)) {
      source = { kind: 'lua', scheme: uri.slice(6) };
    } else {
      problems.add(e.value.origin, `${expected}, found uri = ${JSON.stringify(uri)}`);
    }
  }
  if (!source && node.value.entries.every((e) => e.key.toLowerCase() !== 'uri')) problems.add(node.value.origin, `${expected}: no uri`);
  return source;
}

export function finishSecurity(draft: SecurityDraft, problems: ProblemList): SecuritySettings {
  let tls: TlsSettings | undefined;
  if (draft.certificate && draft.key) {
    tls = { certificate: draft.certificate.path, key: draft.key.path, ciphers: draft.ciphers, minVersion: draft.minVersion ?? 'TLSv1.2' };
  } else if (draft.certificate || draft.key) {
    const one = (draft.certificate ?? draft.key)!;
    problems.add(one.origin, `STARTTLS needs both tls_certificate and tls_key in esmtp_listener; only ${draft.certificate ? 'tls_certificate' : 'tls_key'} is set`);
  }
  let auth: AuthSettings | undefined;
  if (draft.mechanisms.size > 0) {
    auth = { mechanisms: draft.mechanisms, allowInsecure: draft.allowInsecure };
    // AUTH only after STARTTLS, and no STARTTLS to offer: no client could ever authenticate.
    if (!tls && !draft.allowInsecure) problems.add(draft.firstAuthOrigin!, `AUTH is only offered after STARTTLS, and no tls_certificate and tls_key are set: set them, or allow_insecure_auth = true`);
  }
  return { tls, auth };
}
