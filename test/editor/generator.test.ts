// The Lua generator: deterministic text that reads like a hand-written
// policy (one local function per rule, the rule in words above it, the
// hashes in the first line), refusing what cannot be generated with the id of
// the statement at fault, and running as the rules say on the real engine.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPolicy } from '../../src/engine/policy.js';
import { runTransaction } from '../../src/engine/transaction.js';
import { generateLua } from '../../src/editor/generate.js';
import { generatedState } from '../../src/editor/generated-file.js';
import { canonicalJson, RulesError, type RulesDocument } from '../../src/editor/rules.js';
import { parseRulesDocument } from '../../src/editor/validate.js';
import { publicCatalog } from '../../src/editor/catalog.js';
import { MESSAGE, spamRule } from './helpers.js';

const RICH: RulesDocument = {
  version: 1,
  phases: {
    mailfrom: [{ id: 'm1', type: 'if', match: 'all', conditions: [{ fn: 'get_mailfrom', args: {}, operator: 'is', value: 'bad@spam.example' }], then: [{ id: 'm2', type: 'action', action: 'reject', params: { code: '553', text: '5.7.1 sender refused' } }], otherwise: [] }],
    data: [
      { id: 'd1', type: 'assign', variable: 'tag', value: 'checked' },
      {
        id: 'd2', type: 'if', match: 'any', note: 'Large mail or a sender we parse',
        conditions: [
          { fn: 'message_size', args: {}, operator: 'gt', value: '100000' },
          { fn: 'get_mailfrom', args: {}, operator: 'matches', value: '^(?<user>[^@]+)@(.+)$' },
        ],
        then: [
          { id: 'd3', type: 'action', action: 'add_header', params: { name: 'X-Sender-User', value: '$user at $2 ($tag)' } },
          { id: 'd4', type: 'if', match: 'all', conditions: [{ fn: 'get_header', args: { header: 'Subject' }, operator: 'not_contains', value: 'hello' }], then: [{ id: 'd5', type: 'action', action: 'tempfail', params: {} }], otherwise: [] },
        ],
        otherwise: [],
      },
      { id: 'd6', type: 'custom', code: 'vctx:set(core.VCTX_MESS, "custom", "ran")' },
    ],
    set_binding: [{ id: 'b1', type: 'if', match: 'all', conditions: [{ fn: 'get_rcptto', args: {}, operator: 'is', value: 'person@gmail.com' }], then: [{ id: 'b2', type: 'action', action: 'set_binding', params: { binding: 'gmail' } }], otherwise: [{ id: 'b3', type: 'action', action: 'set_binding', params: { binding: 'yahoo' } }] }],
  },
};

const policy = openPolicy({ scripts: [{ name: 'policyeditor', source: generateLua(RICH).lua }], bindings: ['gmail', 'yahoo'] });
after(() => policy.close());

const transaction = (over: Partial<{ mailfrom: string; rcptto: string[]; subject: string }>) =>
  runTransaction(policy, { message: Buffer.from(MESSAGE(over.subject ?? 'hello there')), mailfrom: over.mailfrom ?? 'alice@example.org', rcptto: over.rcptto ?? ['bob@example.net'], helo: 'client.test', remoteAddr: '192.0.2.7' });

describe('the generated Lua', () => {
  it('is the same text for the same rules, whatever order the keys came in', () => {
    const reverse = (v: unknown): unknown => (Array.isArray(v) ? v.map(reverse) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)])) : v);
    const shuffled = reverse(RICH);
    assert.notEqual(JSON.stringify(shuffled), JSON.stringify(RICH));
    assert.equal(generateLua(parseRulesDocument(shuffled)).lua, generateLua(RICH).lua);
    assert.equal(generateLua(RICH).rulesJson, canonicalJson(RICH));
  });

  it('starts with the hashes of the rules JSON and of the Lua after it, which tell it from an edited file', () => {
    const { lua, rulesJson } = generateLua(RICH);
    assert.match(lua.split('\n')[0] as string, /^-- policyeditor rules-sha256=[0-9a-f]{64} lua-sha256=[0-9a-f]{64}$/);
    assert.deepEqual(generatedState(lua, rulesJson), { kind: 'generated' });
    assert.equal(generatedState(lua.replace('"gmail"', '"yahoo"'), rulesJson).kind, 'edited');
    assert.equal(generatedState(lua, rulesJson.replace('gmail', 'yahoo')).kind, 'edited');
    assert.equal(generatedState(lua, undefined).kind, 'edited');
    assert.deepEqual(generatedState('local mod = {}\n', undefined), { kind: 'hand-written' });
  });

  it('has one local function per top-level rule, the rule in words above it, called in order by the callout', () => {
    const { lua } = generateLua(RICH);
    assert.match(lua, /-- d2: Large mail or a sender we parse\n-- If ANY of the following conditions are met:\n--     Message Size \(bytes\) Greater than "100000"\n/);
    assert.match(lua, /local function data_d1\(msg, accept, vctx, ctx, vars\)\n  vars\.tag = "checked"\nend/);
    assert.match(lua, /function mod:validate_data\(msg, accept, vctx\)\n  local ctx = \{ ec_message = msg \}\n  local vars = \{\}\n  return data_d1\(msg, accept, vctx, ctx, vars\)\n    or data_d2\(msg, accept, vctx, ctx, vars\)\n    or data_d6\(msg, accept, vctx, ctx, vars\)\n    or core\.VALIDATE_CONT\nend/);
    // A phase without helpers or variables allocates neither.
    assert.match(lua, /function mod:validate_mailfrom\(mailfrom, accept, vctx\)\n  return mailfrom_m1\(mailfrom, accept, vctx\)\n/);
    assert.match(lua, /msys\.registerModule\("policyeditor", mod\)\n$/);
  });

  it('runs as the rules say: reject at MAIL FROM, captures and variables in a header, nested tempfail, custom code, bindings', () => {
    for (let round = 0; round < 2; round++) {
      const refused = transaction({ mailfrom: 'bad@spam.example' });
      assert.deepEqual([refused.disposition.code, refused.disposition.text, refused.disposition.phase], [553, '5.7.1 sender refused', 'mailfrom']);
      const ok = transaction({ rcptto: ['person@gmail.com', 'other@example.net'] });
      assert.equal(ok.disposition.code, 250, JSON.stringify(ok.errors));
      assert.match(ok.message.toString(), /\r\nX-Sender-User: alice at example\.org \(checked\)\r\n/);
      assert.equal(ok.context.mess.custom, 'ran');
      assert.deepEqual(ok.bindings, { 'person@gmail.com': 'gmail', 'other@example.net': 'yahoo' });
      const later = transaction({ subject: 'no greeting' });
      assert.deepEqual([later.disposition.code, later.disposition.phase], [451, 'data']);
    }
  });

  it('refuses a statement that cannot be generated, naming it', () => {
    const bad = (doc: unknown) => {
      try {
        generateLua(parseRulesDocument(doc));
      } catch (err) {
        assert.ok(err instanceof RulesError);
        return { message: err.message, path: err.path };
      }
      assert.fail('no error');
    };
    const withData = (s: unknown) => ({ version: 1, phases: { data: [s] } });
    assert.deepEqual(bad(withData({ id: 'x1', type: 'action', action: 'set_binding', params: { binding: 'a' } })), { message: "statement x1: 'Assign a binding' is not available in DATA (only in SET BINDING)", path: 'x1' });
    assert.deepEqual(bad(withData({ id: 'x2', type: 'action', action: 'reject', params: { code: '450' } })), { message: 'statement x2: Reject (5xx): code must be 5xx, found "450"', path: 'x2' });
    assert.equal(bad(withData({ id: 'x3', type: 'if', match: 'all', conditions: [{ fn: 'message_size', args: {}, operator: 'contains', value: '1' }], then: [], otherwise: [] })).path, 'x3');
    assert.match(bad(withData({ id: 'x4', type: 'if', match: 'all', conditions: [{ fn: 'message_size', args: {}, operator: 'gt', value: 'big' }], then: [], otherwise: [] })).message, /expects a number or a \$variable, found "big"/);
    assert.match(bad(withData({ id: 'x5', type: 'assign', variable: '1x', value: 'v' })).message, /variable name starts with a letter/);
    assert.match(bad({ version: 1, phases: { data: [{ id: 'a', type: 'custom', code: '' }, { id: 'a', type: 'custom', code: '' }] } }).message, /statement id a is used twice/);
    assert.match(bad({ version: 2, phases: {} }).message, /rules\.version must be 1/);
    assert.match(bad({ version: 1, phases: { nowhere: [] } }).message, /unknown phase 'nowhere'/);
  });

  it('loads with no rules at all (a module that lets everything through)', () => {
    const empty = openPolicy({ scripts: [{ name: 'policyeditor', source: generateLua({ version: 1, phases: {} }).lua }] });
    try {
      assert.equal(runTransaction(empty, { message: Buffer.from(MESSAGE('x')), mailfrom: 'a@b.example', rcptto: ['c@d.example'], helo: 'h', remoteAddr: '127.0.0.1' }).disposition.code, 250);
    } finally {
      empty.close();
    }
  });

  it('offers every function and action of the catalog in at least one phase, each operator list by kind', () => {
    const c = publicCatalog();
    assert.deepEqual(c.phases.map((p) => p.id), ['connect', 'ehlo', 'mailfrom', 'rcptto', 'data', 'each_rcpt', 'set_binding']);
    for (const f of c.functions) assert.ok(f.phases.length > 0, f.name);
    assert.deepEqual(c.operators.numeric.map((o) => o.id), ['gt', 'ge', 'lt', 'le', 'is', 'isnt']);
    assert.deepEqual(c.operators.string.map((o) => o.id), ['contains', 'not_contains', 'is', 'isnt', 'matches', 'not_matches']);
    for (const a of ['set_binding', 'set_binding_group', 'set_context', 'set_variable', 'send_email', 'log', 'reject', 'tempfail', 'discard', 'disconnect', 'add_header', 'replace_header', 'delete_header', 'stop']) {
      assert.ok(c.actions.some((x) => x.name === a), a);
    }
  });

  it('generates every function and action where the catalog offers it, and each result loads', () => {
    const c = publicCatalog();
    const fill = (args: { name: string }[]) => Object.fromEntries(args.map((a) => [a.name, a.name === 'code' ? '' : a.name === 'scope' ? 'connection' : a.name === 'throttle' || a.name === 'windows' || a.name === 'ip_only' ? '1' : a.name === 'file' ? '' : `v_${a.name}`]));
    const doc: RulesDocument = { version: 1, phases: {} };
    let n = 0;
    for (const p of c.phases) {
      const list = [];
      for (const f of c.functions.filter((x) => x.phases.includes(p.id))) {
        const op = c.operators[f.kind][0]!.id;
        list.push({ id: `f${n++}`, type: 'if' as const, match: 'all' as const, conditions: [{ fn: f.name, args: fill(f.args), operator: op, value: f.kind === 'numeric' ? '1' : 'x' }], then: [], otherwise: [] });
      }
      for (const a of c.actions.filter((x) => x.phases.includes(p.id))) {
        list.push({ id: `a${n++}`, type: 'if' as const, match: 'all' as const, conditions: [], then: [{ id: `a${n++}`, type: 'action' as const, action: a.name, params: fill(a.params) }], otherwise: [] });
      }
      doc.phases[p.id] = list;
    }
    const p = openPolicy({ scripts: [{ name: 'policyeditor', source: generateLua(doc).lua }] });
    assert.deepEqual(p.calloutModules('data'), ['policyeditor']);
    p.close();
  });

  it('keeps text values as literals, with $$ for a dollar and Lua escapes for quotes and newlines', () => {
    const { lua } = generateLua({ version: 1, phases: { data: [{ id: 'l', type: 'action', action: 'log', params: { text: 'cost $$5 "quoted"\nnext' } }] } });
    assert.match(lua, /print\("cost \$5 \\"quoted\\"\\nnext"\)/);
  });
});

describe('spamRule (the browser test\'s rule)', () => {
  it('rejects with 550 a Subject containing [SPAM]', () => {
    const p = openPolicy({ scripts: [{ name: 'policyeditor', source: generateLua(spamRule()).lua }] });
    try {
      const r = runTransaction(p, { message: Buffer.from(MESSAGE('[SPAM] buy')), mailfrom: 'a@b.example', rcptto: ['c@d.example'], helo: 'h', remoteAddr: '127.0.0.1' });
      assert.deepEqual([r.disposition.code, r.disposition.text], [550, '5.7.1 spam refused']);
    } finally {
      p.close();
    }
  });
});
