// msys.registerAuth and the auth phase: a scheme registered from init is
// called as authtable:authenticate(filename, paramsdict, user, password),
// its answer becomes the verdict's code (235 / 535 / 454), and bad schemes,
// bad answers and bad registrations are clear errors, never a crash.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { policyFrom, twice } from '../helpers/lua-policy.js';

const SCHEME = `
local mod = {}
local auth = {}
function auth:authenticate(filename, paramsdict, username, password)
  assert(self == auth, "authenticate is a method of the scheme table")
  assert(filename == "" and type(paramsdict) == "table")
  if username == "boom" then error("lookup failed") end
  if username == "weird" then return "yes" end
  if username == "down" then return msys.core.EC_AUTH_ERROR end
  if username == "bool" then return password == "b" end
  if username == "alice" and password == "s3cret" then return msys.core.EC_AUTH_OK end
  return msys.core.EC_AUTH_FAIL
end
function mod:init()
  msys.registerAuth("myscheme", auth)
  return true
end
function mod:validate_connect(ac, vctx)
  local ok, err = pcall(msys.registerAuth, "late", auth)
  vctx:set(msys.core.VCTX_CONN, "late", tostring(err))
  return msys.core.VALIDATE_CONT
end
msys.registerModule("t", mod)`;

function auth(scheme: string, user: string, password: string): { 'auth.scheme': string; 'auth.user': string; 'auth.password': string } {
  return { 'auth.scheme': scheme, 'auth.user': user, 'auth.password': password };
}

describe('msys.registerAuth', () => {
  it('answers 235 when the scheme returns EC_AUTH_OK (or true) and 535 for EC_AUTH_FAIL (or false)', () => {
    const p = policyFrom(SCHEME);
    twice(() => {
      assert.equal(p.run('auth', { context: { conn: auth('myscheme', 'alice', 's3cret') } }).disposition?.code, 235);
      assert.equal(p.run('auth', { context: { conn: auth('myscheme', 'alice', 'wrong') } }).disposition?.code, 535);
      assert.equal(p.run('auth', { context: { conn: auth('myscheme', 'mallory', '') } }).disposition?.code, 535);
      assert.equal(p.run('auth', { context: { conn: auth('myscheme', 'bool', 'b') } }).disposition?.code, 235);
      assert.equal(p.run('auth', { context: { conn: auth('myscheme', 'bool', 'x') } }).disposition?.code, 535);
    });
  });

  it('answers 454 for EC_AUTH_ERROR and for a scheme nobody registered', () => {
    const p = policyFrom(SCHEME);
    assert.equal(p.run('auth', { context: { conn: auth('myscheme', 'down', '') } }).disposition?.code, 454);
    const v = p.run('auth', { context: { conn: auth('other', 'alice', 's3cret') } });
    assert.equal(v.disposition?.code, 454);
    assert.equal(v.callouts, 0);
  });

  it('does not hand the password back in the verdict context', () => {
    const v = policyFrom(SCHEME).run('auth', { context: { conn: auth('myscheme', 'alice', 's3cret') } });
    assert.equal(v.context.conn['auth.password'], undefined);
  });

  it('reports a scheme that fails or answers something else as a script error, without an answer', () => {
    const p = policyFrom(SCHEME);
    const boom = p.run('auth', { context: { conn: auth('myscheme', 'boom', '') } });
    assert.match(boom.errors[0]!.message, /lookup failed/);
    assert.equal(boom.errors[0]!.callout, 'authenticate');
    assert.notEqual(boom.disposition?.code, 235);
    const weird = p.run('auth', { context: { conn: auth('myscheme', 'weird', '') } });
    assert.match(weird.errors[0]!.message, /authenticate returned a string; expected msys.core.EC_AUTH_OK, EC_AUTH_FAIL or EC_AUTH_ERROR/);
    assert.notEqual(weird.disposition?.code, 235);
    assert.equal(p.run('auth', { context: { conn: auth('myscheme', 'alice', 's3cret') } }).disposition?.code, 235);
  });

  it('refuses a registration during a call, and bad arguments, naming them', () => {
    const p = policyFrom(SCHEME);
    assert.match(p.run('connect', {}).context.conn.late ?? '', /msys.registerAuth: register a scheme from init\(\) or the script's main chunk/);
    assert.throws(() => policyFrom(`local m = {} function m:init() msys.registerAuth("x", {}) return true end msys.registerModule("t", m)`), /registerAuth.*the table must have an authenticate function/);
    assert.throws(() => policyFrom(`msys.registerAuth("", { authenticate = print }) msys.registerModule("t", { init = function() return true end })`), /registerAuth.*the scheme name must not be empty/);
  });

  it('runs authenticate under the guard rails: a scheme that loops is stopped by the instruction limit', () => {
    const p = policyFrom(
      `local auth = {}
function auth:authenticate() while true do end end
msys.registerAuth("loop", auth)
msys.registerModule("t", { init = function() return true end })`,
      { instructionLimit: 100_000 },
    );
    const v = p.run('auth', { context: { conn: auth('loop', 'a', 'b') } });
    assert.equal(v.errors[0]?.kind, 'instructions');
    assert.notEqual(v.disposition?.code, 235);
  });

  it('takes authenticate from a class-style table (through its metatable), resolved at registration', () => {
    const p = policyFrom(`local Class = {}
Class.__index = Class
function Class:authenticate(f, params, user, password) return user == self.who end
msys.registerAuth("class", setmetatable({ who = "ann" }, Class))
msys.registerModule("t", { init = function() return true end })`);
    assert.equal(p.run('auth', { context: { conn: auth('class', 'ann', '') } }).disposition?.code, 235);
    assert.equal(p.run('auth', { context: { conn: auth('class', 'bob', '') } }).disposition?.code, 535);
  });

  it('is not a module callout: a module that only defines authenticate does not load', () => {
    assert.throws(() => policyFrom(`msys.registerModule("t", { authenticate = function() end })`), /init, validate_connect/);
  });
});
