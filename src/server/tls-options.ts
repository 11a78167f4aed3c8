// The certificate and key STARTTLS offers, read from the files
// esmtp_listener names, and read again by the console's `tls reload`
// (a renewed certificate without a restart): the new pair is checked
// (a key that does not match its certificate is refused) before any
// listener takes it, and connections already in TLS keep theirs.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import type { TlsSettings } from './security-config.js';

/** What smtp-server's constructor and updateSecureContext take. */
export interface SmtpTlsOptions {
  key: Buffer;
  cert: Buffer;
  ciphers?: string;
  minVersion: tls.SecureVersion;
}

/** Reads and checks the pair; throws naming the file at fault. */
export function loadTlsOptions(s: TlsSettings): SmtpTlsOptions {
  const read = (file: string, what: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const options: SmtpTlsOptions = { key: read(s.key, 'tls_key'), cert: read(s.certificate, 'tls_certificate'), minVersion: s.minVersion, ...(s.ciphers ? { ciphers: s.ciphers } : {}) };
  try {
    tls.createSecureContext(options);
  } catch (err) {
    throw new Error(`tls_certificate ${s.certificate} with tls_key ${s.key}: ${(err as Error).message}`);
  }
  return options;
}

/** One line on the certificate in force, for the log and the console: subject, expiry, fingerprint. */
export function describeCertificate(cert: Buffer): string {
  try {
    const x = new crypto.X509Certificate(cert);
    return `${x.subject.replace(/\n/g, ', ')}, valid until ${new Date(x.validTo).toISOString()}, sha256 ${x.fingerprint256.slice(0, 23)}...`;
  } catch {
    return 'a certificate Node cannot describe';
  }
}

/** The pair in force for every listener, and how to swap it. */
export class TlsCertificates {
  readonly #settings: TlsSettings;
  #options: SmtpTlsOptions;
  readonly #listeners = new Set<(o: SmtpTlsOptions) => void>();

  constructor(settings: TlsSettings) {
    this.#settings = settings;
    this.#options = loadTlsOptions(settings);
  }

  get options(): SmtpTlsOptions {
    return this.#options;
  }

  /** Called with the new pair at each reload (a listener's updateSecureContext). */
  onReload(apply: (o: SmtpTlsOptions) => void): void {
    this.#listeners.add(apply);
  }

  /** Reads the files again; on any problem the pair in force stays and the error says why. */
  reload(): string {
    const next = loadTlsOptions(this.#settings);
    for (const apply of this.#listeners) apply(next);
    this.#options = next;
    return describeCertificate(next.cert);
  }
}
