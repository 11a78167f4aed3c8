// The policy editor in a real browser (Debian's Chromium driven by
// playwright-core) against the real back end: `scriptlet serve` from dist/
// with its admin listener, the real engine behind the test pane, and a real
// SMTP client (nodemailer) that sees each saved policy take effect. The
// screenshots of docs/policy-editor.md are taken here, so they stay current.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CHROMIUM, chromiumMissing, ensureBuilt, SCREENSHOTS, startServe, type EditorServer } from './helpers.js';

const missing = chromiumMissing();
const USER = 'editor';
const PASSWORD = 'correct horse battery staple';

const CONF = `alerting { }
ESMTP_Listener {
  Listen "127.0.0.1:0" { }
  spool_dir = "spool"
  hostname = "mx.test"
}
Admin_Listener {
  Listen "127.0.0.1:0" { }
  credentials = [ ${USER} = "${PASSWORD}" ]
}
scriptlet "scriptlet" {
  threads = 1
  script "boot" { source = "msys.boot" }
}
`;

/** Sends one message; the final reply ("250 ...") or the refusal ("550 ..."). */
async function send(port: number, subject: string): Promise<string> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'client.test' });
  const raw = `From: <alice@example.org>\r\nTo: <bob@example.net>\r\nSubject: ${subject}\r\n\r\nHello.\r\n`;
  try {
    return (await transport.sendMail({ envelope: { from: 'alice@example.org', to: ['bob@example.net'] }, raw })).response;
  } catch (err) {
    return (err as { response?: string; message: string }).response ?? (err as Error).message;
  } finally {
    transport.close();
  }
}

/** The spooled copy of the message a "250 ... queued as ID" reply accepted. */
function spooledMessage(dir: string, reply: string): string {
  const id = /queued as ([A-Z0-9-]+)/.exec(reply)?.[1];
  assert.ok(id, `not queued: ${reply}`);
  return fs.readFileSync(path.join(dir, 'spool', 'new', `${id}.eml`), 'utf8');
}

/** Polls `read` until `ok` holds of its result (10 s: the machine may be busy), then returns the result. */
async function eventually<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let last: T | undefined;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    last = await read();
    if (ok(last)) return last;
  }
  assert.fail(`${what}: still ${JSON.stringify(last)} after 10 s`);
}

const text = (l: Locator) => l.innerText();
const statement = (page: Page, id: string) => page.locator(`li.stmt[data-id="${id}"]`);

/** The ids of the top-level statements of the tab shown, in order. */
async function topLevelIds(page: Page): Promise<(string | null)[]> {
  const items = await page.locator('ol[aria-label="Statements, top level"] > li').all();
  return Promise.all(items.map((l) => l.getAttribute('data-id')));
}

async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `policy-editor-${name}.png`) });
}

/** Clicks Save; what the page then says ("Saved revision N; ..." or "refused: <the banner>"). */
async function save(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const banner = page.locator('.banner');
  const outcome = async () => ((await banner.isVisible()) ? `refused: ${await text(banner)}` : text(page.locator('.status')));
  return eventually('the save', outcome, (s) => s.startsWith('Saved') || s.startsWith('refused'));
}

describe('the policy editor in Chromium, against scriptlet serve', { skip: missing }, () => {
  let dir: string;
  let server: EditorServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    ensureBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-editor-ui-'));
    fs.writeFileSync(path.join(dir, 'ecelerity.conf'), CONF);
    server = await startServe(dir);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: { width: 1400, height: 900 }, httpCredentials: { username: USER, password: PASSWORD } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(pageErrors, [], 'errors thrown in the page');
  });

  it('builds IF Subject Contains "[SPAM]" THEN reject 550 by clicking, flagging a bad regex as it is typed', async () => {
    await page.getByRole('tab', { name: /^DATA/ }).click();
    await page.getByRole('button', { name: 'Add IF statement, top level' }).click();
    const rule = statement(page, 'r1');
    await rule.getByLabel('Condition 1 function').selectOption({ label: 'Get Header' });
    await rule.getByLabel('Condition 1 Header name').fill('Subject');

    await rule.getByLabel('Condition 1 operator').selectOption({ label: 'Matches' });
    const value = rule.getByLabel('Condition 1 value');
    await value.fill('[SPAM');
    assert.match(await eventually('the regex check', () => text(rule.locator('.regex-msg')), (s) => s !== ''), /^invalid pattern/);
    assert.equal(await value.getAttribute('aria-invalid'), 'true');
    // The back end will not generate Lua from it either: the statement at fault is marked.
    await eventually('the statement marked invalid', async () => (await rule.getAttribute('class')) ?? '', (c) => /\binvalid\b/.test(c));
    await value.fill('^\\[SPAM\\]');
    await eventually('the regex check', () => value.getAttribute('aria-invalid'), (v) => v === 'false');
    await eventually('the statement no longer marked', async () => (await rule.getAttribute('class')) ?? '', (c) => !/\binvalid\b/.test(c));

    await rule.getByLabel('Condition 1 operator').selectOption({ label: 'Contains' });
    await rule.getByLabel('Condition 1 value').fill('[SPAM]');
    await rule.getByRole('button', { name: 'Add ACTION statement, r1 THEN' }).click();
    const reject = statement(page, 'r2');
    await reject.getByLabel('r2 action').selectOption({ label: 'Reject (5xx)' });
    await reject.getByLabel('r2 Code').fill('550');
    await reject.getByLabel('r2 Text').fill('5.7.1 No spam here');

    const lua = page.getByRole('textbox', { name: 'Generated Lua (read-only)' });
    const generated = await eventually('the generated Lua', () => text(lua), (s) => s.includes('5.7.1 No spam here'));
    assert.match(generated, /\[SPAM\]/);
    assert.match(generated, /550/);
    assert.match(await text(page.locator('.topbar')), /unsaved changes/);
    await screenshot(page, 'rules');
  });

  it('duplicates, moves and deletes statements, and CUSTOM CODE typed in its Lua editor lands in the generated Lua', async () => {
    const lua = page.getByRole('textbox', { name: 'Generated Lua (read-only)' });
    await page.getByRole('button', { name: 'Duplicate IF r1' }).click();
    assert.deepEqual(await topLevelIds(page), ['r1', 'r3']); // the copy's THEN action is r4
    assert.equal(await statement(page, 'r4').getByLabel('r4 Text').inputValue(), '5.7.1 No spam here');
    await page.getByRole('button', { name: 'Move IF r3 up' }).click();
    assert.deepEqual(await topLevelIds(page), ['r3', 'r1']);
    // The Lua follows the order of the statements: r3's function comes first now.
    await eventually('the reordered Lua', () => text(lua), (s) => s.includes('-- r3') && s.indexOf('-- r3') < s.indexOf('-- r1'));
    await page.getByRole('button', { name: 'Move IF r3 down' }).click();
    assert.deepEqual(await topLevelIds(page), ['r1', 'r3']);
    await page.getByRole('button', { name: 'Delete IF r3' }).click();

    await page.getByRole('button', { name: 'Add CUSTOM CODE statement, top level' }).click();
    assert.deepEqual(await topLevelIds(page), ['r1', 'r5']);
    await page.getByRole('textbox', { name: 'r5 custom Lua code' }).click();
    await page.keyboard.type('print("custom code of r5")');
    await eventually('the custom code in the Lua', () => text(lua), (s) => s.includes('print("custom code of r5")'));
    await page.getByRole('button', { name: 'Delete CUSTOM CODE r5' }).click();
    assert.deepEqual(await topLevelIds(page), ['r1']);
    await eventually('the Lua without the deleted statements', () => text(lua), (s) => !s.includes('r5') && !s.includes('r3'));
  });

  it('runs the unsaved rule in the test pane with the real engine: DATA rejects with 550 and the rule is marked as fired', async () => {
    await page.getByRole('tab', { name: 'Test' }).click();
    await page.getByLabel('Message (RFC 5322)').fill('From: <alice@example.org>\r\nTo: <bob@example.net>\r\nSubject: [SPAM] cheap watches\r\n\r\nBuy now.\r\n');
    await page.getByRole('button', { name: 'Run test' }).click();
    const row = page.locator('table.verdicts tr', { has: page.locator('th', { hasText: /^DATA$/ }) });
    const verdict = await eventually('the DATA verdict', () => text(row).catch(() => ''), (s) => s.includes('550'));
    assert.match(verdict, /reject/);
    assert.match(verdict, /5\.7\.1 No spam here/);
    assert.match(verdict, /\br1\b/);
    assert.equal(await text(page.locator('.final-answer')), 'Answer to the client: 550 5.7.1 No spam here (at DATA)');
    assert.match((await statement(page, 'r1').getAttribute('class')) ?? '', /\bfired\b/);
    assert.equal(await page.getByRole('tab', { name: /^DATA/ }).getAttribute('data-fired'), '');
    await screenshot(page, 'test');
  });

  it('saves revision 1, and the running server refuses a [SPAM] message with 550 and accepts a clean one', async () => {
    await page.getByLabel('Your name (recorded in the history)').fill('alice');
    assert.match(await save(page), /^Saved revision 1\b/);
    assert.equal(await send(server.smtpPort, '[SPAM] cheap watches'), '550 5.7.1 No spam here');
    assert.match(await send(server.smtpPort, 'lunch?'), /^250 /);
    assert.ok(fs.existsSync(path.join(dir, 'policy', 'policyeditor.lua')));
    assert.match(fs.readFileSync(path.join(dir, 'ecelerity.conf'), 'utf8'), /script "policyeditor"/);
  });

  it('adds an OTHERWISE branch; saved as revision 2, the reload makes the server add its header to clean mail', async () => {
    const stale = await context.newPage(); // opened at revision 1, saved after revision 2
    await stale.goto(server.url);
    await stale.getByRole('tab', { name: /^DATA/ }).click();

    await page.getByRole('button', { name: 'Add OTHERWISE to r1' }).click();
    await page.getByRole('button', { name: 'Add ACTION statement, r1 OTHERWISE' }).click();
    const header = page.locator('[data-list="r1 OTHERWISE"] li.stmt');
    const id = await header.getAttribute('data-id');
    await header.getByLabel(`${id} action`).selectOption({ label: 'Add a header' });
    await header.getByLabel(`${id} Header name`).fill('X-Editor');
    await header.getByLabel(`${id} Value`).fill('clean');
    assert.match(await save(page), /^Saved revision 2\b/);

    assert.equal(await send(server.smtpPort, '[SPAM] again'), '550 5.7.1 No spam here');
    const reply = await send(server.smtpPort, 'lunch?');
    assert.match(reply, /^250 /);
    assert.match(spooledMessage(dir, reply), /^X-Editor: clean\r?$/m);

    // The page opened before that save may not overwrite it.
    await statement(stale, 'r2').getByLabel('r2 Text').fill('5.7.1 Overwritten');
    await stale.getByRole('button', { name: 'Save', exact: true }).click();
    const banner = await eventually('the refusal', () => text(stale.getByRole('alert').filter({ hasText: 'Not saved' })).catch(() => ''), (s) => s !== '');
    assert.match(banner, /changed since you opened it/);
    await screenshot(stale, 'conflict');
    await stale.close();
    assert.match(await send(server.smtpPort, '[SPAM] again'), /^550 5\.7\.1 No spam here$/);
  });

  it('shows the history with the diffs of each revision, and rolls back to revision 1 (a new revision 3 the server runs)', async () => {
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('button', { name: /^Revision 2\b/ }).click();
    const rulesDiff = await eventually('the rules diff', () => text(page.getByLabel('Rules diff of revision 2')).catch(() => ''), (s) => s !== '');
    assert.match(rulesDiff, /^\+.*X-Editor/m);
    assert.match(await text(page.getByLabel('Lua diff of revision 2')), /^\+.*X-Editor/m);
    await screenshot(page, 'history');

    await page.getByRole('button', { name: /^Revision 1\b/ }).click();
    await page.getByRole('button', { name: 'Roll back to revision 1' }).click();
    assert.match(await eventually('the rollback', () => text(page.locator('.status')), (s) => s.startsWith('Rolled back')), /revision 3 is now running/);
    assert.equal(await page.locator('[data-list="r1 OTHERWISE"]').count(), 0);
    const reply = await send(server.smtpPort, 'lunch?');
    assert.match(reply, /^250 /);
    assert.doesNotMatch(spooledMessage(dir, reply), /X-Editor/);
    assert.equal(await send(server.smtpPort, '[SPAM] once more'), '550 5.7.1 No spam here');
  });

  it('will not open the policy once its Lua was edited by hand, and says why', async () => {
    const file = path.join(dir, 'policy', 'policyeditor.lua');
    fs.appendFileSync(file, '-- a quick fix by hand\n');
    await page.reload();
    await page.getByRole('heading', { name: 'This policy cannot be opened in the editor' }).waitFor();
    assert.match(await text(page.getByRole('alert')), /policyeditor\.lua was generated by the policy editor, but/);
    await screenshot(page, 'hand-edited');
  });
});
