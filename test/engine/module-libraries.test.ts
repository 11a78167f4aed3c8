// Libraries on the search path in Momentum's style, under the sandbox:
// module("inbound.limits", package.seeall), libraries that require each
// other, loaded when the script loads or first required by a callout; the
// globals their loading makes stay for later messages, while a call's own
// globals still do not, and the base library stays read-only.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openPolicy, type Policy } from '../../src/index.js';
import { twice } from '../helpers/lua-policy.js';

const lib = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-modules-'));
after(() => fs.rmSync(lib, { recursive: true, force: true }));

const LIBRARIES: Record<string, string> = {
  'inbound/limits.lua': `module("inbound.limits", package.seeall)
require("inbound.helpers")
max_size = 10
function check(n) return inbound.helpers.twice(n) <= max_size end
function flags(n) return n & 0x0f, n >> 4 end  -- Momentum's operators in a module
`,
  'inbound/helpers.lua': `module("inbound.helpers", package.seeall)
function twice(n) return n * 2 end
`,
  // Each requires the other: module() registers itself before the require.
  'ring/a.lua': `module("ring.a", package.seeall)
require("ring.b")
function name() return "a" .. ring.b.name() end
function leaf() return "!" end
`,
  'ring/b.lua': `module("ring.b", package.seeall)
require("ring.a")
function name() return "b" .. ring.a.leaf() end
`,
  // Plain tables returned, requiring each other by local.
  'plain/first.lua': `local second = require("plain.second")
return { value = function() return second.base() + 1 end }
`,
  'plain/second.lua': `return { base = function() return 41 end }
`,
  // No package.seeall: what it needs is taken before module().
  'closed.lua': `local tostring, bit = tostring, bit
module("closed")
function describe(n) return tostring(bit.bor(n, 1)) .. "/" .. tostring(n | 2) end
`,
  'counter.lua': `module("counter", package.seeall)
seen = 0
function bump() seen = seen + 1; return seen end
`,
  'intrusive.lua': `module("intrusive", package.seeall)
function patch() string.upper = function() return "patched" end end
`,
  'string/extra.lua': `module("string.extra", package.seeall)
`,
  'taken.lua': `module("taken", package.seeall)
`,
  'failing.lua': `module("failing", package.seeall)
function f() return 1 end
error("failing at load")
`,
  'broken.lua': `module("broken", package.seeall)
function f() return 1 end
local x = = 2
`,
};
for (const [name, text] of Object.entries(LIBRARIES)) {
  const file = path.join(lib, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** A policy whose connect callout runs body (which returns a string) and keeps it in the connection context. */
function policy(prelude: string, body: string): Policy {
  return openPolicy({
    scripts: [{
      name: 'p',
      source: `${prelude}
local m = {}
function m:validate_connect(accept, vctx)
  local ok, r = pcall(function() ${body} end)
  vctx:set(msys.core.VCTX_CONN, "r", ok and tostring(r) or ("error: " .. tostring(r)))
  return msys.core.VALIDATE_CONT
end
msys.registerModule("p", m)`,
    }],
    searchPath: [lib],
  });
}

function reply(p: Policy): string {
  const v = p.run('connect');
  assert.deepEqual(v.errors, []);
  return v.context.conn.r ?? '';
}

describe('module() libraries under the sandbox', () => {
  it('load with the script, and their functions and globals work on every message', () => {
    const p = policy('local limits = require("inbound.limits")', 'return tostring(limits.check(3)) .. tostring(inbound.limits.check(6)) .. select(2, limits.flags(0x5a))');
    twice(() => assert.equal(reply(p), 'truefalse5'));
    p.close();
  });

  it('first required by a callout keep their global for the next messages', () => {
    const p = policy('', 'require("inbound.limits") return tostring(inbound.limits.check(4)) .. tostring(inbound.helpers.twice(2))');
    twice(() => assert.equal(reply(p), 'true4'));
    assert.equal(reply(p), 'true4');
    p.close();
  });

  it('loaded late beside a sibling loaded with the script, keep both under one parent', () => {
    const p = policy('require("inbound.helpers")', 'require("inbound.limits") return tostring(inbound.helpers.twice(5)) .. "," .. tostring(inbound.limits.max_size)');
    twice(() => assert.equal(reply(p), '10,10'));
    p.close();
  });

  it('that require each other load, at load time and from a callout', () => {
    const early = policy('require("ring.a")', 'return ring.a.name()');
    twice(() => assert.equal(reply(early), 'ab!'));
    early.close();
    const late = policy('', 'return require("ring.b").name() .. require("ring.a").name()');
    twice(() => assert.equal(reply(late), 'b!ab!'));
    late.close();
  });

  it('work without package.seeall when they keep what they need in locals', () => {
    const p = policy('', 'return require("closed").describe(4)');
    twice(() => assert.equal(reply(p), '5/6'));
    p.close();
  });

  it('keep their own fields from one message to the next, as a library loaded once per state does', () => {
    const p = policy('local counter = require("counter")', 'return counter.bump()');
    assert.equal(reply(p), '1');
    assert.equal(reply(p), '2');
    p.close();
  });
});

describe('plain libraries that require each other', () => {
  it('load through require, at load time and from a callout', () => {
    const early = policy('local first = require("plain.first")', 'return first.value()');
    twice(() => assert.equal(reply(early), '42'));
    early.close();
    const late = policy('', 'return require("plain.first").value()');
    twice(() => assert.equal(reply(late), '42'));
    late.close();
  });
});

describe('the sandbox around libraries', () => {
  it('still clears the globals a call sets itself, when it also loads a library', () => {
    const p = policy('', 'local before = tostring(rawget(_G, "mine")) mine = "set" require("counter") return before .. "," .. tostring(mine)');
    twice(() => assert.equal(reply(p), 'nil,set'));
    p.close();
  });

  it('keeps the base library read-only from inside a module', () => {
    const p = policy('local intrusive = require("intrusive")', 'intrusive.patch() return "patched"');
    twice(() => assert.match(reply(p), /^error: .*the base library cannot be modified \(field 'upper'\)$/));
    p.close();
  });

  it('refuses a module whose name is taken by a script global that is no table, as Lua does', () => {
    const p = policy('taken = function() return "mine" end', 'local ok, err = pcall(require, "taken") return tostring(ok) .. "|" .. tostring(err):match("name conflict for module \'taken\'") .. "|" .. taken()');
    twice(() => assert.equal(reply(p), "false|name conflict for module 'taken'|mine"));
    p.close();
  });

  it('refuses a module named inside a base library', () => {
    const p = policy('', 'return require("string.extra")');
    twice(() => assert.match(reply(p), /^error: .*the base library cannot be modified \(global 'string'\)$/));
    p.close();
  });

  it('lets the next message try again a library whose loading failed', () => {
    const p = policy('', 'return require("failing")');
    twice(() => assert.match(reply(p), /^error: .*failing\.lua:3: failing at load$/));
    p.close();
  });

  it('still reports a require of something that is no name as require does', () => {
    const p = policy('', 'return select(2, pcall(require, nil)) .. "|" .. select(2, pcall(require, 0/0))');
    twice(() => assert.match(reply(p), /^bad argument #1 to '(require|\?)' \(string expected, got nil\)\|module '-?nan' not found:/));
    p.close();
  });

  it('reports a library that does not compile at its file and line, and the next message still runs', () => {
    const p = policy('', 'return require("broken")');
    twice(() => assert.match(reply(p), /^error: .*error loading module 'broken' from file '.*broken\.lua':\n\t.*broken\.lua:3: unexpected symbol near '='$/));
    p.close();
  });
});
