// msys.http.client against a real node:http server on loopback: do_request
// suspends the call while Node's client talks to the server; get_status,
// get_body, get_headers and parse_headers read the response; set_header
// and set_timeout shape the request; the call's deadline bounds it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runLua } from './helpers.js';

let server: http.Server;
let base: string;
const seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3000).unref();
      if (req.url === '/missing') {
        res.writeHead(404, 'Not Found', { 'Content-Type': 'text/plain' });
        return void res.end('no');
      }
      res.writeHead(200, 'OK', [['Content-Type', 'text/xml'], ['X-Multi', 'a'], ['X-Multi', 'b']]);
      res.end(`<ok method="${req.method}">${body}</ok>`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

describe('msys.http.client', () => {
  it('POSTs a body with the headers set, then reads status, body and headers', async () => {
    seen.length = 0;
    const r = await runLua(`local c = msys.http.client.new()
      c:set_header("Content-Type: text/xml")
      c:set_header("X-Policy: yes")
      local ok = c:do_request("POST", "${base}/api", "<q/>")
      local code, text = c:get_status()
      local h = c:parse_headers(c:get_headers())
      return { ok = ok, code = code, text = text, body = c:get_body(), ctype = h["Content-Type"], multi = h["X-Multi"] }`);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.out, { ok: true, code: 200, text: 'OK', body: '<ok method="POST"><q/></ok>', ctype: 'text/xml', multi: 'a, b' });
    assert.equal(seen[0]!.headers['content-type'], 'text/xml');
    assert.equal(seen[0]!.headers['x-policy'], 'yes');
    assert.equal(seen[0]!.body, '<q/>');
  });

  it('get_headers returns the raw header lines', async () => {
    const r = await runLua(`local c = msys.http.client.new()
      c:do_request("GET", "${base}/")
      return c:get_headers()`);
    assert.ok((r.out as string[]).includes('Content-Type: text/xml'));
    assert.ok((r.out as string[]).includes('X-Multi: a'));
  });

  it('takes GET, PUT and DELETE, in any case, and reports a 404 as a status', async () => {
    const r = await runLua(`local c = msys.http.client.new()
      local out = {}
      for _, m in ipairs({"get", "PUT", "Delete"}) do c:do_request(m, "${base}/") out[#out + 1] = c:get_body() end
      c:do_request("GET", "${base}/missing")
      local code, text = c:get_status()
      out[#out + 1] = code .. " " .. text
      return out`);
    assert.deepEqual(r.out, ['<ok method="GET"></ok>', '<ok method="PUT"></ok>', '<ok method="DELETE"></ok>', '404 Not Found']);
  });

  it('set_header() with no argument clears the headers', async () => {
    seen.length = 0;
    await runLua(`local c = msys.http.client.new()
      c:set_header("X-Gone: 1") c:set_header() c:do_request("GET", "${base}/") return 1`);
    assert.equal(seen[0]!.headers['x-gone'], undefined);
  });

  it('returns false and the reason when no response comes: refused, timed out', async () => {
    const r = await runLua(`local c = msys.http.client.new()
      local ok1, e1 = c:do_request("GET", "http://127.0.0.1:1/")
      c:set_timeout(0.2)
      local ok2, e2 = c:do_request("GET", "${base}/slow")
      return { ok1 = ok1, e1 = e1, ok2 = ok2, e2 = e2, status = c:get_status() == nil }`);
    const out = r.out as Record<string, unknown>;
    assert.deepEqual([out.ok1, out.ok2, out.status], [false, false, true]);
    assert.match(String(out.e1), /ECONNREFUSED/);
    assert.match(String(out.e2), /timed out after 0\.2 s/);
  });

  it('ends at the call deadline (call_timeout) when the server is slower', async () => {
    const started = Date.now();
    const r = await runLua(`local c = msys.http.client.new() c:do_request("GET", "${base}/slow") return 1`, { callTimeout: 0.3 });
    assert.ok(Date.now() - started < 2500);
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!, /time/i);
  });

  it('rejects bad arguments with the method and argument named', async () => {
    const cases: [string, RegExp][] = [
      ['c:do_request("FETCH", "http://x/")', /client:do_request: type must be GET, POST, PUT or DELETE, got FETCH/],
      ['c:do_request("GET", "ftp://x/")', /client:do_request: url must be an http:\/\/ or https:\/\/ URL, got ftp:\/\/x\//],
      ['c:do_request("POST", "http://x/", {})', /client:do_request: data must be a string, got table/],
      ['c:set_header("no colon")', /client:set_header: header must be one line 'Name: value', got 'no colon'/],
      ['c:set_header("X: a\\r\\nY: b")', /client:set_header: header must be one line/],
      ['c:set_timeout(-1)', /client:set_timeout: timeout must be a number of seconds above 0, got -1/],
      ['c.get_body({})', /client:get_body: not called on a client/],
    ];
    for (const [call, re] of cases) {
      const r = await runLua(`local c = msys.http.client.new() ${call} return 1`);
      assert.equal(r.errors.length, 1, call);
      assert.match(r.errors[0]!, re, call);
      assert.match(r.errors[0]!, /^=?t:\d+: /, call);
    }
  });

  it('cannot run in a synchronous run, and says to use runAsync', async () => {
    const r = await runLua(`local c = msys.http.client.new() return c:do_request("GET", "${base}/")`, {}, true);
    assert.match(r.errors[0]!, /client:do_request suspends the call, which this caller cannot wait for/);
  });

  it('gives nil status, body and headers before any request', async () => {
    const r = await runLua(`local c = msys.http.client.new()
      return { s = c:get_status() == nil, b = c:get_body() == nil, h = c:get_headers() == nil }`);
    assert.deepEqual(r.out, { s: true, b: true, h: true });
  });
});
