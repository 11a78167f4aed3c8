// STARTTLS and AUTH on serve's smtp-server: the options that turn them on,
// and what the session's connection context says of them (Momentum's
// variables, read by vctx:get and %{vctx_conn:...}):
//   tls          "1" after STARTTLS, else "0"
//   tls_version  "TLSv1.3", tls_cipher "TLS_AES_256_GCM_SHA384"  (after STARTTLS)
//   auth_user    the name the client authenticated as, auth_status "ok"  (after AUTH)
// RFC 3207 4.2: what was learnt before STARTTLS is forgotten after it, an
// AUTH identity included (smtp-server forgets its own; auth_user goes too).

import type { SMTPServerAuthentication, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { CapabilityEdit } from '../engine/verdict.js';
import type { PolicySession } from './policy-session.js';
import type { SmtpAuthenticator } from './smtp-auth.js';
import type { TlsCertificates } from './tls-options.js';

export interface SmtpSecurity {
  tls?: TlsCertificates;
  auth?: { authenticator: SmtpAuthenticator; allowInsecure: boolean };
}

/** smtp-server's options for what is configured: commands not configured stay disabled. */
export function smtpSecurityOptions(s: SmtpSecurity | undefined): Partial<SMTPServerOptions> {
  const disabled: string[] = [];
  if (!s?.tls) disabled.push('STARTTLS');
  if (!s?.auth) disabled.push('AUTH');
  return {
    disabledCommands: disabled,
    ...(s?.tls ? s.tls.options : {}),
    ...(s?.auth ? { authMethods: s.auth.authenticator.mechanisms, allowInsecureAuth: s.auth.allowInsecure } : {}),
  };
}

/**
 * The EHLO reply's changes: the policy's, and AUTH hidden before STARTTLS
 * when it is only taken after (smtp-server lists it anyway, then answers
 * 538: a client should not be invited to send a password in the clear).
 */
export function withSecurityEdits(edits: readonly CapabilityEdit[], session: SMTPServerSession, s: SmtpSecurity | undefined): readonly CapabilityEdit[] {
  if (!s?.auth || s.auth.allowInsecure || session.secure) return edits;
  return [...edits, { op: 'remove', capability: 'AUTH' }];
}

export function plaintextContext(policy: PolicySession): void {
  policy.setContext('conn', { tls: '0' });
}

/** After the TLS handshake of STARTTLS. */
export function secureContext(policy: PolicySession, session: SMTPServerSession): void {
  const cipher = session.tlsOptions as { name?: string; version?: string } | false | undefined;
  policy.dropContext('conn', ['auth_user', 'auth_status']);
  policy.setContext('conn', { tls: '1', tls_version: (cipher && cipher.version) || '', tls_cipher: (cipher && cipher.name) || '' });
}

function smtpError(code: number, text: string): Error & { responseCode: number } {
  return Object.assign(new Error(text), { responseCode: code });
}

/**
 * Checks AUTH; resolves with the user smtp-server keeps on the session, or
 * rejects with the reply: 535 for wrong credentials, 454 when they could
 * not be checked (RFC 4954).
 */
export async function authenticate(a: SmtpAuthenticator, auth: SMTPServerAuthentication, policy: PolicySession, log: (line: string) => void, sessionId: string, remote: string): Promise<{ user: string }> {
  const user = auth.username ?? '';
  let result;
  try {
    result = await a.authenticate(auth.method, user, auth.password ?? '');
  } catch (err) {
    log(`${sessionId} auth: ${auth.method} for ${JSON.stringify(user)} from ${remote} could not be checked: ${(err as Error).message}`);
    result = 'error' as const;
  }
  if (result === 'ok') {
    policy.setContext('conn', { auth_user: user, auth_status: 'ok' });
    return { user };
  }
  if (result === 'fail') log(`${sessionId} auth: ${auth.method} for ${JSON.stringify(user)} from ${remote} refused`);
  throw result === 'fail' ? smtpError(535, '5.7.8 Authentication credentials invalid') : smtpError(454, '4.7.0 Temporary authentication failure');
}
