// The admin HTTP listener: the policy editor's UI (dist/editor/) and its
// JSON API (/editor-contract: catalog, policy, generate, validate-regex,
// test, save, history, rollback). Every route needs credentials
// (admin-auth.ts). A POST must be JSON (application/json), which a page of
// another site cannot send without CORS permission, so the browser's saved
// basic-auth credentials cannot be used against it from elsewhere.

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../config/package-root.js';
import type { EngineName } from '../native/addon.js';
import { authenticate, type Credentials } from './admin-auth.js';
import { publicCatalog } from './catalog.js';
import { EngineCheck } from './engine-check.js';
import { EditorError, PolicyStore, type Reloader } from './policy-store.js';
import { testRules, type TestEnvelope } from './test-run.js';

const MAX_BODY = 32 * 1024 * 1024;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.json': 'application/json',
};

export interface AdminServerOptions {
  conf: string;
  host: string | undefined;
  port: number;
  credentials: Credentials;
  engine?: EngineName;
  /** Loads the saved policy into a running engine (scriptlet serve); none standalone. */
  reload?: Reloader;
  log: (line: string) => void;
  /** Where the UI's files are; default: the package's dist/editor/. */
  uiDir?: string;
}

export interface AdminServer {
  url: string;
  store: PolicyStore;
  close(): Promise<void>;
}

export function defaultUiDir(): string {
  return path.join(findPackageRoot(path.dirname(fileURLToPath(import.meta.url))), 'dist', 'editor');
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new EditorError(415, 'send the request body as application/json');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new EditorError(413, `the request body is over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new EditorError(400, `the request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new EditorError(400, 'the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function serveFile(res: http.ServerResponse, dir: string, name: string): void {
  const file = path.join(dir, name);
  if (!file.startsWith(dir + path.sep) || name.includes('\0')) return send(res, 404, { error: 'not found' });
  fs.readFile(file, (err, data) => {
    if (err) return send(res, 404, { error: err.code === 'ENOENT' ? `not found: ${name}${name === 'index.html' ? ' (the UI is not built: npm run build:ts)' : ''}` : err.message });
    res.writeHead(200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(data);
  });
}

function envelopeOf(v: unknown): TestEnvelope {
  const e = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const str = (x: unknown, fallback: string) => (typeof x === 'string' ? x : fallback);
  const rcpt = Array.isArray(e.rcptto) ? e.rcptto.filter((r): r is string => typeof r === 'string' && r !== '') : [];
  return { mailfrom: str(e.mailfrom, ''), rcptto: rcpt.length > 0 ? rcpt : ['postmaster@localhost'], clientIp: str(e.clientIp, '127.0.0.1') || '127.0.0.1', ehlo: str(e.ehlo, 'localhost') || 'localhost' };
}

export async function startAdminServer(o: AdminServerOptions): Promise<AdminServer> {
  const check = new EngineCheck(o.engine);
  const store = new PolicyStore(o.conf, check, o.reload);
  const uiDir = path.resolve(o.uiDir ?? defaultUiDir());

  async function api(req: http.IncomingMessage, route: string, user: string): Promise<[number, unknown]> {
    const method = req.method ?? 'GET';
    if (method === 'GET' && route === '/api/catalog') return [200, publicCatalog()];
    if (method === 'GET' && route === '/api/policy') return [200, store.read()];
    if (method === 'GET' && route === '/api/history') return [200, store.history().list()];
    const rev = /^\/api\/history\/([0-9]+)$/.exec(route);
    if (method === 'GET' && rev) {
      const r = store.history().withDiffs(Number(rev[1]));
      if (!r) throw new EditorError(404, `no revision ${rev[1]} in the history`);
      return [200, { revision: r.revision, author: r.author, time: r.time, summary: r.summary, rules: r.rules, lua: r.lua, rulesDiff: r.rulesDiff, luaDiff: r.luaDiff }];
    }
    if (method !== 'POST') throw new EditorError(404, `no route ${method} ${route}`);
    const body = await readJson(req);
    const named = typeof body.author === 'string' ? body.author.replace(/[\x00-\x1f\x7f]/g, ' ').trim().slice(0, 100) : '';
    const author = named !== '' ? `${named} (${user})` : user;
    switch (route) {
      case '/api/generate':
        return [200, { lua: store.generate(body.rules).lua }];
      case '/api/validate-regex': {
        if (typeof body.pattern !== 'string') throw new EditorError(400, 'pattern must be a string');
        return [200, check.checkRegex(body.pattern)];
      }
      case '/api/test': {
        const { doc } = store.generate(body.rules);
        if (typeof body.message !== 'string') throw new EditorError(400, 'message must be the raw RFC 5322 message as a string');
        return [200, await testRules(doc, Buffer.from(body.message, 'utf8'), envelopeOf(body.envelope), store.config(), o.engine)];
      }
      case '/api/save': {
        const r = await store.save(body.rules, body.baseRevision, author);
        o.log(`policy editor: revision ${r.revision} saved by ${author}${r.stanzaAdded ? ' (script "policyeditor" added to the configuration)' : ''}`);
        return [200, { revision: r.revision, lua: r.lua }];
      }
      case '/api/rollback': {
        const r = await store.rollback(body.revision, body.baseRevision, author);
        o.log(`policy editor: revision ${r.revision} (a rollback to revision ${String(body.revision)}) saved by ${author}`);
        return [200, { revision: r.revision, lua: r.lua }];
      }
    }
    throw new EditorError(404, `no route ${method} ${route}`);
  }

  const server = http.createServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://admin').pathname;
    const user = authenticate(req, o.credentials);
    if (!user) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="scriptlet policy editor", charset="UTF-8"', 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'credentials required (HTTP basic auth, or Authorization: Bearer <token>)' }));
      return;
    }
    if (req.method === 'GET' && (route === '/' || route === '/index.html')) return serveFile(res, uiDir, 'index.html');
    if (req.method === 'GET' && route.startsWith('/assets/')) return serveFile(res, uiDir, decodeURIComponent(route.slice('/assets/'.length)));
    api(req, route, user).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => {
        if (err instanceof EditorError) return send(res, err.status, { error: err.message, ...(err.path ? { path: err.path } : {}) });
        o.log(`policy editor: ${req.method} ${route} failed: ${(err as Error).stack ?? String(err)}`);
        send(res, 500, { error: (err as Error).message });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '::', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}/`,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        check.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
