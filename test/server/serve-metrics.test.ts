// scriptlet serve's /metrics endpoint: off unless asked, then serving the
// engine's figures for what real SMTP clients sent, and closed on shutdown.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { serve } from '../../src/server/serve.js';
import { policyDir, send, startServer } from './helpers.js';

const FROM = 'alice@example.org';
const TO = ['bob@example.net'];

/** The value of one series in exposition text (undefined when absent). */
function sampleOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('scriptlet serve /metrics', () => {
  it('serves no metrics endpoint unless the configuration or a flag asks for one', async (t) => {
    const { server } = await startServer(t);
    assert.equal(server.metricsUrl, undefined);
  });

  it('serves the figures of the messages it handled, and stops serving at shutdown', async (t) => {
    const dir = policyDir(t);
    const server = await serve({ conf: path.join(dir, 'ecelerity.conf'), metricsListen: { host: '127.0.0.1', port: 0, origin: 'flag' }, log: () => {}, drainDeadlineMs: 2000 });
    t.after(() => server.shutdown());
    const port = server.addresses[0]!.port;
    assert.equal((await send(port, { from: FROM, to: TO })).code, 250);
    assert.equal((await send(port, { from: 'reject@example.org', to: TO })).code, 550);
    const url = server.metricsUrl!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const text = await (await fetch(url)).text();
    assert.equal(sampleOf(text, 'scriptlet_calls_total{phase="data",result="none"}'), 1);
    assert.equal(sampleOf(text, 'scriptlet_calls_total{phase="mailfrom",result="reject"}'), 1);
    assert.equal(sampleOf(text, 'scriptlet_calls_total{phase="mailfrom",result="none"}'), 1);
    assert.equal(sampleOf(text, 'scriptlet_pool_threads'), 2);
    await server.shutdown();
    await assert.rejects(fetch(url));
  });
});
