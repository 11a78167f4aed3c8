// msys.idn.to_idn / to_utf8 against node:url's domainToASCII and
// domainToUnicode (WHATWG URL: UTS-46, non-transitional) on a list of names.
// The names where this engine differs, and how, are listed at the end: it
// maps case and full-width forms but does not normalise (NFC) or apply the
// rest of UTS-46's table.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { domainToASCII, domainToUnicode } from 'node:url';
import { evaluator } from '../helpers/lua-eval.js';

const lua = evaluator();
after(() => lua.close());

const call = (fn: string, name: string) => lua.value(`return msys.idn.${fn}(${JSON.stringify(name)})`);

const SAME_AS_NODE = [
  'example.com',
  'EXAMPLE.Com',
  'bücher.example',
  'Bücher.Example',
  'münchen.de',
  'MÜNCHEN.DE',
  'straße.de', // non-transitional: ß stays
  'ελληνικά.gr',
  'ΕΛΛΗΝΙΚΆ.GR',
  'пример.рф',
  'ПРИМЕР.РФ',
  'ёлка.рф',
  '日本語.jp',
  '例え.テスト',
  'مثال.إختبار',
  'उदाहरण.परीक्षा',
  '😀.example',
  'ｅｘａｍｐｌｅ.com', // full-width
  '例え。テスト', // ideographic full stop
  'xn--bcher-kva.example',
  'a.b.c.d',
  'ŁÓDŹ.pl',
  'hyphen-ated.example',
  'under_score.example',
  'trailing.dot.',
  'հայերեն.am',
  'ÇAĞRI.com.tr',
];

describe('msys.idn.to_idn', () => {
  for (const name of SAME_AS_NODE) {
    it(`gives node:url's domainToASCII for ${name}`, () => {
      assert.equal(call('to_idn', name), domainToASCII(name));
    });
  }

  it('raises, naming itself, for what is not a domain name', () => {
    for (const bad of ['a b.com', 'a/b', 'user@host', 'a%41.com', 'xn--a.com']) {
      assert.match(lua.error(`local v = msys.idn.to_idn(${JSON.stringify(bad)}) return v`), /msys\.idn\.to_idn: '.*' is not a valid domain name/, bad);
    }
    assert.match(lua.error(`local v = msys.idn.to_idn("\\255") return v`), /is not a valid domain name/);
    assert.match(lua.error('local v = msys.idn.to_idn({}) return v'), /bad argument #1/);
  });
});

describe('msys.idn.to_utf8', () => {
  for (const name of SAME_AS_NODE) {
    const ascii = domainToASCII(name);
    it(`gives node:url's domainToUnicode for ${ascii}`, () => {
      assert.equal(call('to_utf8', ascii), domainToUnicode(ascii));
    });
  }

  it('round-trips with to_idn', () => {
    for (const name of SAME_AS_NODE) assert.equal(call('to_utf8', call('to_idn', name)), domainToUnicode(domainToASCII(name)));
  });

  it('raises for a label that is not valid punycode', () => {
    assert.match(lua.error('local v = msys.idn.to_utf8("xn--99999999999.com") return v'), /msys\.idn\.to_utf8: 'xn--99999999999\.com' is not a valid domain name/);
  });
});

describe('where msys.idn differs from node:url (documented in docs/lua-api.md)', () => {
  it('does not compose a decomposed accent (no NFC): e + U+0301', () => {
    const name = 'cafe\u0301.example';
    assert.notEqual(call('to_idn', name), domainToASCII(name));
    assert.equal(call('to_idn', 'caf\u00e9.example'), domainToASCII(name));
  });

  it("does not map what UTS-46's table maps beyond case and full width (the ﬁ ligature)", () => {
    assert.notEqual(call('to_idn', 'ﬁle.example'), domainToASCII('ﬁle.example'));
  });

  it('keeps a capital I with a dot (U+0130), which UTS-46 maps to i + U+0307', () => {
    assert.notEqual(call('to_idn', 'İstanbul.tr'), domainToASCII('İstanbul.tr'));
  });
});
