// Shared by the policy editor's tests: a configuration directory (no
// policyeditor stanza yet), rules documents, and the admin API over HTTP
// with basic auth.

import type { TestContext } from 'node:test';
import { tempTree } from '../config/fixtures.js';
import type { RulesDocument, Statement } from '../../src/editor/rules.js';

export const PASSWORD = 'editor-secret';
export const AUTH = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;

export const CONF = `# the operator's comments stay as they are
alerting { }
ESMTP_Listener {
  Listen "127.0.0.1:0" { }
  spool_dir = "spool"
  hostname = "mx.test"
}
binding "gmail" { }
binding "yahoo" { }
scriptlet "scriptlet" {
  threads = 1
  script "boot" { source = "msys.boot" }   /* braces } in a comment */
}
Admin_Listener {
  Listen "127.0.0.1:0" { }
  credentials = [ admin = "${PASSWORD}" ]
}
`;

/** A directory holding ecelerity.conf (CONF unless given). */
export function confDir(t: TestContext, conf = CONF, files: Record<string, string> = {}): string {
  return tempTree(t, { 'ecelerity.conf': conf, ...files });
}

/** IF Subject Contains "[SPAM]" THEN reject 550 [OTHERWISE add X-Checked]. */
export function spamRule(otherwise = false, code = '550'): RulesDocument {
  const reject: Statement = { id: 'r2', type: 'action', action: 'reject', params: { code, text: '5.7.1 spam refused' } };
  const header: Statement = { id: 'r3', type: 'action', action: 'add_header', params: { name: 'X-Checked', value: 'clean' } };
  return {
    version: 1,
    phases: {
      data: [{ id: 'r1', type: 'if', match: 'all', conditions: [{ fn: 'get_header', args: { header: 'Subject' }, operator: 'contains', value: '[SPAM]' }], then: [reject], otherwise: otherwise ? [header] : [] }],
    },
  };
}

export interface Api {
  get(path: string): Promise<{ status: number; body: any }>;
  post(path: string, body: unknown): Promise<{ status: number; body: any }>;
}

export function api(base: string, auth = AUTH): Api {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(new URL(path, base), {
      method,
      headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
  };
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b) };
}

export const MESSAGE = (subject: string) => `From: <alice@example.org>\r\nTo: <bob@example.net>\r\nSubject: ${subject}\r\n\r\nHello.\r\n`;
