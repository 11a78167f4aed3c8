// Development only: serves dist/editor/ with a FAKE back end (canned catalog,
// in-memory save/history, a toy "test") to work on the screens without the
// engine. Never used by the tests, which run the real `scriptlet serve`.
// Usage: node scripts/build-editor.mjs --dev && node editor-ui/dev-server.mjs [port]

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/editor');
const port = Number(process.argv[2] ?? 8025);
const str = [{ id: 'contains', label: 'Contains' }, { id: 'not_contains', label: "Doesn't contain" }, { id: 'is', label: 'Is' }, { id: 'isnt', label: "Isn't" }, { id: 'matches', label: 'Matches' }, { id: 'not_matches', label: "Doesn't match" }];
const catalog = {
  phases: [['connect', 'CONNECT'], ['ehlo', 'EHLO'], ['mailfrom', 'MAIL FROM'], ['rcptto', 'RCPT TO'], ['data', 'DATA'], ['each_rcpt', 'EACH RECIPIENT'], ['set_binding', 'SET BINDING']].map(([id, label]) => ({ id, label })),
  functions: [
    { name: 'get_header', label: 'Header', kind: 'string', args: [{ name: 'header', label: 'Header name', placeholder: 'Subject' }] },
    { name: 'get_mailfrom', label: 'Envelope sender', kind: 'string', args: [] },
    { name: 'message_size', label: 'Message size', kind: 'numeric', args: [] },
    { name: 'pcre_match', label: 'Regex match', kind: 'boolean', args: [{ name: 'subject', label: 'Subject' }, { name: 'pattern', label: 'Pattern' }] },
  ],
  operators: { string: str, numeric: [{ id: 'gt', label: '>' }, { id: 'lt', label: '<' }, { id: 'is', label: 'Is' }], boolean: [{ id: 'true', label: 'is true' }, { id: 'false', label: 'is false' }] },
  actions: [
    { name: 'reject', label: 'Reject (5xx)', params: [{ name: 'code', label: 'Code', placeholder: '550' }, { name: 'text', label: 'Text' }] },
    { name: 'add_header', label: 'Add a header', params: [{ name: 'header', label: 'Header' }, { name: 'value', label: 'Value' }] },
    { name: 'set_binding', label: 'Assign a binding', phases: ['set_binding'], params: [{ name: 'binding', label: 'Binding' }] },
  ],
};
let saved = { rules: { version: 1, phases: {} }, revision: 0, lua: '-- nothing saved yet\n' };
const history = [];
const lua = (rules) => `-- FAKE generator (dev server)\nreturn ${JSON.stringify(rules, null, 2).replace(/"(\w+)":/g, '$1 =').replace(/\[/g, '{').replace(/\]/g, '}')}\n`;

const routes = {
  'GET /api/catalog': () => catalog,
  'GET /api/policy': () => saved,
  'POST /api/generate': (b) => ({ lua: lua(b.rules) }),
  'POST /api/validate-regex': (b) => { try { new RegExp(b.pattern); return { ok: true }; } catch (e) { return { ok: false, error: e.message, offset: 0 }; } },
  'POST /api/test': (b) => ({ phases: [{ phase: 'data', verdict: { code: 550, text: '5.7.1 fake', disposition: 'reject' }, fired: (b.rules.phases.data ?? []).map((s) => s.id).slice(0, 1) }], headers: { added: [['X-Fake', 'yes']], removed: [] }, logs: ['fake log line'] }),
  'POST /api/save': (b) => {
    if (b.baseRevision !== saved.revision) return [409, { error: 'changed since you opened it (revision ' + saved.revision + ')' }];
    saved = { rules: b.rules, revision: saved.revision + 1, lua: lua(b.rules) };
    history.unshift({ revision: saved.revision, author: b.author ?? 'dev', time: new Date().toISOString(), summary: 'saved', rules: b.rules });
    return { revision: saved.revision, lua: saved.lua };
  },
  'GET /api/history': () => history.map(({ rules, ...e }) => e),
  'POST /api/rollback': (b) => routes['POST /api/save']({ rules: history.find((e) => e.revision === b.revision).rules, baseRevision: b.baseRevision, author: 'rollback' }),
};

http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const url = req.url ?? '/';
    const send = (status, type, data) => res.writeHead(status, { 'content-type': type }).end(data);
    if (url === '/' || url.startsWith('/assets/')) {
      const file = path.join(DIST, url === '/' ? 'index.html' : path.basename(url));
      if (!fs.existsSync(file)) return send(404, 'text/plain', 'not found');
      return send(200, { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' }[path.extname(file)], fs.readFileSync(file));
    }
    const rev = /^\/api\/history\/(\d+)$/.exec(url);
    const handler = rev ? () => ({ ...history.find((e) => e.revision === Number(rev[1])), rulesDiff: '--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n', luaDiff: '' }) : routes[`${req.method} ${url}`];
    if (!handler) return send(404, 'application/json', JSON.stringify({ error: `no route ${req.method} ${url}` }));
    const out = handler(body ? JSON.parse(body) : {});
    const [status, json] = Array.isArray(out) ? out : [200, out];
    send(status, 'application/json', JSON.stringify(json));
  });
}).listen(port, '127.0.0.1', () => console.log(`fake editor back end on http://127.0.0.1:${port}/`));
