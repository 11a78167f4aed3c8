// The milter's cases every MTA answers alike, with the same policy
// (MILTER_POLICY): registered in the suite of each real MTA the milter is
// tested behind (postfix.test.ts, sendmail.test.ts), beside the cases where
// the MTAs differ.

import * as assert from 'node:assert/strict';
import { it } from 'node:test';
import { headerBlock, rawSession, swaks, type Delivered } from './helpers.js';

export interface MtaUnderTest {
  /** The MTA's SMTP port whose milter runs MILTER_POLICY. */
  port: number;
  /** The message the MTA delivered with that Subject (waits for it). */
  deliveredWith(subject: string): Promise<Delivered>;
  /** The milter's log lines. */
  milterLogs: string[];
}

const FROM = 'alice@example.org';
const TO = ['bob@example.net'];

/** Registers the shared cases; mta() is read when they run (after the suite's before()). */
export function casesOnEveryMta(mta: () => MtaUnderTest): void {
  it('answers 451 when a script fails with on_error = tempfail, and logs the error', async () => {
    const { port, milterLogs } = mta();
    const r = await swaks(port, { from: FROM, to: TO, subject: 'boom' });
    assert.match(r.last, /^451 4\./, r.transcript);
    assert.ok(milterLogs.some((l) => /data: policy: .*boom at data/.test(l)), milterLogs.join('\n'));
  });

  it('adds, prepends, changes and deletes headers, repeated ones included', async () => {
    const subject = 'edit headers';
    const r = await swaks(mta().port, {
      from: FROM,
      to: TO,
      subject,
      headers: { 'X-Edit': 'yes', 'X-Keep': 'kept' },
      added: [['X-Change', 'one'], ['X-Remove', 'first'], ['X-Change', 'two'], ['X-Remove', 'second']],
    });
    assert.match(r.last, /^250 /, r.transcript);
    const h = headerBlock(await mta().deliveredWith(subject));
    // Prepended above the MTA's own Received:.
    assert.match(h, /^X-Top: prepended\r\nReceived: /, h);
    assert.equal((h.match(/^X-Change:/gim) ?? []).length, 1, h);
    assert.match(h, /\r\nX-Change: changed\r\n/);
    assert.doesNotMatch(h, /X-Remove/i);
    assert.match(h, /\r\nX-Keep: kept\r\n/);
    assert.match(h, /\r\nX-Added: appended\r\n/);
  });

  it('replaces a recipient (SMFIR_DELRCPT and SMFIR_ADDRCPT) and the sender (SMFIR_CHGFROM)', async () => {
    const subject = 'envelope';
    const r = await swaks(mta().port, { from: FROM, to: ['bob@example.net', 'carol@example.net'], subject, headers: { 'X-Chgfrom': 'yes' } });
    assert.match(r.last, /^250 /, r.transcript);
    const d = await mta().deliveredWith(subject);
    assert.equal(d.mailfrom, 'bounces@example.org');
    assert.deepEqual([...d.rcptto].sort(), ['bob@example.net', 'dave@example.net']);
  });

  it('disconnects: the policy reply, then 421 and the connection closed at the next command', async () => {
    const lines = await rawSession(mta().port, ['EHLO client.test', 'MAIL FROM:<bye@example.org>', 'MAIL FROM:<alice@example.org>', 'NOOP']);
    assert.ok(lines.includes('554 5.7.0 go away'), lines.join('\n'));
    assert.match(lines.at(-1)!, /^421 /, lines.join('\n'));
  });

  it('refuses a message over max_message_size with 552', async () => {
    const r = await swaks(mta().port, { from: FROM, to: TO, subject: 'big', body: 'x'.repeat(70 * 1024) });
    assert.match(r.last, /^552 5\.3\.4 Message exceeds the maximum size of 65536 bytes$/, r.transcript);
  });
}
