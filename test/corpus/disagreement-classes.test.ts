// One small message per class of disagreement between the engine and
// mailparser (disagreements.ts, docs/corpus.md): pins what the engine gives a
// script, and shows what mailparser gives, so that a change on either side
// is seen. Also the two things the comparison normalises: folding and raw
// 8-bit bytes. Each case runs twice on the same state.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eml, twice } from '../helpers/lua-policy.js';
import { CLASSES } from './disagreements.js';
import { engineView, mailparserView, openProbe, type HeaderName, type HeaderView } from './views.js';

const probe = openProbe();
after(() => probe.close());

function bothSides(message: Buffer): Promise<[HeaderView, HeaderView]> {
  let engine!: HeaderView;
  twice(() => {
    engine = engineView(probe.run('data', { message }));
  });
  return mailparserView(message).then((reference) => [engine, reference]);
}

/** msg:address_header(h) and mailparser's addresses of a message with one field "h: value". */
async function addresses(h: HeaderName, value: string): Promise<[string[], string[]]> {
  const [engine, reference] = await bothSides(eml([`${h}: ${value}`, 'Subject: s']));
  return [engine.addresses.get(h)!, reference.addresses.get(h)!];
}

describe('disagreements with mailparser, pinned', () => {
  it('latin1-c1: an iso-8859-1 word with byte 0x99 gives U+0099, where mailparser reads windows-1252', async () => {
    const [engine, reference] = await bothSides(eml(['Subject: =?iso-8859-1?Q?Parhelia=99_now?=']));
    assert.deepEqual(engine.values.get('Subject'), ['Parhelia\u0099 now']);
    assert.deepEqual(reference.values.get('Subject'), ['Parhelia\u2122 now']);
  });

  it('empty-angle-address: "" <> and Name<> give no address, where mailparser gives an empty one', async () => {
    assert.deepEqual(await addresses('To', '"" <>'), [[], ['']]);
    assert.deepEqual(await addresses('From', 'Brokers<>'), [[], ['']]);
  });

  it('encoded-word-in-addr-spec: an encoded-word in an address stays as written, where mailparser decodes it', async () => {
    assert.deepEqual(await addresses('To', '=?iso-2022-jp?B?MTIx?=@example.org'), [['=?iso-2022-jp?B?MTIx?=@example.org'], ['121@example.org']]);
  });

  it('agrees on a quoted local part: its quotes stay, so the address names the same mailbox (RFC 5321 4.1.2)', async () => {
    assert.deepEqual(await addresses('From', '<"Books@Books"@example.com>'), [['"Books@Books"@example.com'], ['"Books@Books"@example.com']]);
    assert.deepEqual(await addresses('To', '"John  Smith"@example.com'), [['"John  Smith"@example.com'], ['"John  Smith"@example.com']]);
  });

  it('space-in-local-part: white space inside an angle address is dropped, where mailparser drops the first word', async () => {
    assert.deepEqual(await addresses('To', '<Undisclosed Recipients@example.com>'), [['UndisclosedRecipients@example.com'], ['Recipients@example.com']]);
  });

  it('group-inside-angle-brackets: <Group:;> is taken as the address, where mailparser gives an empty one', async () => {
    assert.deepEqual(await addresses('To', '<Undisclosed-Recipient:;>'), [['Undisclosed-Recipient:;'], ['']]);
  });

  it('quoted-string-in-domain: a quoted domain part is kept as written, where mailparser cuts it', async () => {
    assert.deepEqual(await addresses('To', 'a@b.example, jm@loyno."edu\\]"'), [['a@b.example', 'jm@loyno."edu\\]"'], ['a@b.example', 'jm@loyno.']]);
  });

  it('no-at-sign: a field with no "@" gives its words as the address, where mailparser gives a name and no address', async () => {
    assert.deepEqual(await addresses('To', 'Deal Shopper'), [['DealShopper'], ['']]);
    assert.deepEqual(await addresses('To', 'sec2901ole'), [['sec2901ole'], ['']]);
  });

  it('has a pinned case above for every class the list uses', () => {
    assert.deepEqual(Object.keys(CLASSES).sort(), [
      'empty-angle-address',
      'encoded-word-in-addr-spec',
      'group-inside-angle-brackets',
      'latin1-c1',
      'no-at-sign',
      'quoted-string-in-domain',
      'space-in-local-part',
    ]);
  });
});

describe('what the comparison normalises, pinned', () => {
  it('folding: the engine keeps the white space after a line break (RFC 5322 2.2.3); mailparser makes it one space', async () => {
    const message = eml(['Received: from a', '\tby b', '    for c', 'Subject: =?utf-8?Q?one?=', ' =?utf-8?Q?_two?=']);
    const [engine, reference] = await bothSides(message);
    assert.deepEqual(engine.values.get('Received'), ['from a\tby b    for c']);
    assert.deepEqual(reference.values.get('Received'), ['from a by b for c']);
    assert.deepEqual(reference.unfolded!.get('Received'), engine.values.get('Received'));
    // Between encoded-words the folding white space goes on both sides (RFC 2047 6.2).
    assert.deepEqual(engine.values.get('Subject'), ['one two']);
    assert.deepEqual(reference.values.get('Subject'), ['one two']);
  });

  it('8-bit bytes: the engine gives them as they are, mailparser as U+FFFD (UTF-8 decoding, which the comparison applies to both)', async () => {
    const message = Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9]), Buffer.from(' ok\r\n\r\nbody\r\n')]);
    const raw8bit = { count: 0 };
    const verdict = probe.run('data', { message });
    const engine = engineView(verdict, raw8bit);
    const reference = await mailparserView(message);
    assert.equal(raw8bit.count, 1);
    assert.deepEqual(engine.values.get('Subject'), ['caf\ufffd ok']);
    assert.deepEqual(reference.values.get('Subject'), ['caf\ufffd ok']);
    // What a script sees: the original byte, 0xE9.
    assert.equal(verdict.context.mess['h:Subject'], `1:${Buffer.from('caf\xe9 ok', 'latin1').toString('hex')}`);
  });
});
