// Who may use the admin listener: HTTP basic auth against the configured
// credentials, or a bearer token. Compared in constant time. With neither
// configured (allowed on loopback only), a random password for "admin" is
// kept in admin-password beside the configuration, mode 0600, so that only
// the configuration's owner can read it.

import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { AdminSettings } from './admin-config.js';

export const GENERATED_USER = 'admin';
export const PASSWORD_FILE = 'admin-password';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export interface Credentials {
  users: Map<string, string>;
  token: string | undefined;
  /** Where the generated password is, when it was generated. */
  passwordFile: string | undefined;
}

/** The configured credentials, or a generated password (reused from its file when there is one). */
export function credentialsFor(settings: Pick<AdminSettings, 'credentials' | 'token'>, confFile: string): Credentials {
  if (settings.credentials.size > 0 || settings.token !== undefined) return { users: settings.credentials, token: settings.token, passwordFile: undefined };
  const file = path.join(path.dirname(path.resolve(confFile)), PASSWORD_FILE);
  let password: string;
  try {
    password = fs.readFileSync(file, 'utf8').trim();
  } catch {
    password = '';
  }
  if (password.length < 16) {
    password = randomBytes(18).toString('base64url');
    fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  }
  return { users: new Map([[GENERATED_USER, password]]), token: undefined, passwordFile: file };
}

/** The authenticated user's name, or undefined. */
export function authenticate(req: IncomingMessage, c: Credentials): string | undefined {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer (.+)$/i.exec(header);
  if (bearer) return c.token !== undefined && same(bearer[1] as string, c.token) ? 'token' : undefined;
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const password = c.users.get(user);
  // Compared even for an unknown user, so that timing does not tell which users exist.
  const ok = same(decoded.slice(colon + 1), password ?? '\0unknown');
  return ok && password !== undefined ? user : undefined;
}
