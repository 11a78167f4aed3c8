// The plugin file Haraka runs (haraka/scriptlet.js) and what its one line
// calls (haraka/load.cjs, require('scriptlet/haraka')), without a Haraka:
// the line is the one docs/haraka.md shows, and plugin() says which of
// Haraka's constants it was not given.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { plugin } = createRequire(import.meta.url)(path.join(REPO, 'haraka', 'load.cjs')) as {
  plugin(target: Record<string, unknown>, replies: unknown): void;
};
const REPLIES = { DENY: 902, DENYSOFT: 903, DENYDISCONNECT: 904, DENYSOFTDISCONNECT: 909 };

describe('the Haraka plugin file', () => {
  it('is the one line of code docs/haraka.md shows', () => {
    const code = fs.readFileSync(path.join(REPO, 'haraka', 'scriptlet.js'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('//'));
    const shown = /^```js haraka-plugin-file\n([\s\S]*?)^```$/m.exec(fs.readFileSync(path.join(REPO, 'docs', 'haraka.md'), 'utf8'))?.[1];
    assert.deepEqual(code, [shown?.trimEnd()]);
  });

  it('puts register, the hooks and shutdown on the plugin object', () => {
    const target: Record<string, unknown> = {};
    plugin(target, REPLIES);
    const names = ['register', 'hook_connect', 'hook_helo', 'hook_ehlo', 'hook_mail', 'hook_rcpt', 'hook_data_post', 'hook_delivered', 'hook_bounce', 'hook_deferred', 'hook_capabilities', 'hook_disconnect', 'shutdown'];
    assert.deepEqual(Object.keys(target).sort(), [...names].sort());
    for (const name of names) assert.equal(typeof target[name], 'function', name);
  });

  it("names the Haraka constants it was not given", () => {
    const prefix = "scriptlet: plugin(exports, { DENY, DENYSOFT, DENYDISCONNECT, DENYSOFTDISCONNECT }) needs Haraka's constants; missing ";
    assert.throws(() => plugin({}, undefined), { message: `${prefix}DENY, DENYSOFT, DENYDISCONNECT, DENYSOFTDISCONNECT` });
    assert.throws(() => plugin({}, { ...REPLIES, DENYSOFTDISCONNECT: undefined }), { message: `${prefix}DENYSOFTDISCONNECT` });
  });
});
