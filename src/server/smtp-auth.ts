// SMTP AUTH (PLAIN, LOGIN) for `scriptlet serve`: checks what the client
// sent against a credentials file, or a Lua scheme a script registered with
// msys.registerAuth (run through the engine as the `auth` phase).
//
// The credentials file: one `user:secret` a line; `#` starts a comment.
// The secret is either
//   $scrypt$N$r$p$SALT$HASH   scrypt from node:crypto (SALT and HASH in base64)
//   {plain}password           the password itself (tests, throwaway setups)
// The file is read again at each AUTH whose file changed (its mtime), so an
// edit takes effect without a restart.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { AuthSettings, AuthSource } from './security-config.js';

const scrypt = promisify(crypto.scrypt) as (password: string, salt: Buffer, keylen: number, options: crypto.ScryptOptions) => Promise<Buffer>;

export type AuthResult = 'ok' | 'fail' | 'error';

type Secret = { kind: 'scrypt'; N: number; r: number; p: number; salt: Buffer; hash: Buffer } | { kind: 'plain'; password: Buffer };

/** The defaults `hashPassword` uses: scrypt's own recommendation for interactive logins (about 50 ms, 16 MB). */
export const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1, keylen: 32 } as const;

/** A `$scrypt$...` secret for the credentials file (docs/serve.md shows the same as a node one-liner). */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keylen } = SCRYPT_DEFAULTS;
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, keylen, { N, r, p });
  return `$scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Parses a credentials file; throws with `file:line: why` on the first bad line. */
export function parseCredentials(text: string, file: string): Map<string, Secret> {
  const users = new Map<string, Secret>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${i + 1}`;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${where}: expected user:secret`);
    const user = line.slice(0, colon);
    const secret = line.slice(colon + 1);
    const m = /^\$scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(secret);
    if (m) {
      const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
      // scrypt's own limits: N a power of two > 1; memory (128 N r) bounded so a bad line cannot exhaust it.
      if (N < 2 || (N & (N - 1)) !== 0 || r < 1 || p < 1 || 128 * N * r > 256 * 1024 * 1024) throw new Error(`${where}: scrypt parameters out of range (N a power of two, 128*N*r at most 256 MB)`);
      users.set(user, { kind: 'scrypt', N, r, p, salt: Buffer.from(m[4]!, 'base64'), hash: Buffer.from(m[5]!, 'base64') });
    } else if (secret.startsWith('{plain}')) {
      users.set(user, { kind: 'plain', password: Buffer.from(secret.slice(7)) });
    } else {
      throw new Error(`${where}: the secret of '${user}' is neither $scrypt$N$r$p$SALT$HASH nor {plain}PASSWORD`);
    }
  });
  return users;
}

/** A credentials file, read again when it changes. */
export class CredentialsFile {
  readonly path: string;
  #users = new Map<string, Secret>();
  #mtimeMs = -1;

  constructor(file: string) {
    this.path = file;
  }

  /** Reads the file if it changed; throws on a missing or bad file (at start: serve does not start). */
  load(): void {
    const st = fs.statSync(this.path);
    if (st.mtimeMs === this.#mtimeMs) return;
    this.#users = parseCredentials(fs.readFileSync(this.path, 'utf8'), this.path);
    this.#mtimeMs = st.mtimeMs;
  }

  async check(user: string, password: string): Promise<AuthResult> {
    this.load();
    const secret = this.#users.get(user);
    // An unknown user costs the same scrypt as a known one, so timing does not tell them apart.
    const s = secret ?? DUMMY;
    const given = Buffer.from(password);
    let equal: boolean;
    if (s.kind === 'scrypt') {
      const hash = await scrypt(password, s.salt, s.hash.length, { N: s.N, r: s.r, p: s.p, maxmem: 256 * 1024 * 1024 + 1024 });
      equal = crypto.timingSafeEqual(hash, s.hash);
    } else {
      equal = given.length === s.password.length && crypto.timingSafeEqual(given, s.password);
    }
    return secret && equal ? 'ok' : 'fail';
  }
}

const DUMMY: Secret = { kind: 'scrypt', ...SCRYPT_DEFAULTS, salt: Buffer.alloc(16), hash: Buffer.alloc(32) };

/** Runs a msys.registerAuth scheme (the engine's `auth` phase). */
export type LuaAuth = (scheme: string, user: string, password: string) => Promise<AuthResult>;

/** What serve calls at AUTH: the source configured for the mechanism decides. */
export class SmtpAuthenticator {
  readonly #sources: Map<string, AuthSource>;
  readonly #files = new Map<string, CredentialsFile>();
  readonly #lua: LuaAuth;

  constructor(settings: AuthSettings, lua: LuaAuth) {
    this.#sources = settings.mechanisms;
    this.#lua = lua;
    // Every file is read now: a missing or malformed one stops serve at start, with its line.
    for (const s of settings.mechanisms.values()) {
      if (s.kind === 'file' && !this.#files.has(s.path)) {
        const f = new CredentialsFile(s.path);
        f.load();
        this.#files.set(s.path, f);
      }
    }
  }

  get mechanisms(): string[] {
    return [...this.#sources.keys()];
  }

  async authenticate(mechanism: string, user: string, password: string): Promise<AuthResult> {
    const source = this.#sources.get(mechanism.toUpperCase());
    if (!source) return 'fail';
    if (source.kind === 'lua') return this.#lua(source.scheme, user, password);
    return this.#files.get(source.path)!.check(user, password);
  }
}
