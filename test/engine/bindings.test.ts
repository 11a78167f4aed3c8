// msg:binding and msg:binding_group in validate_set_binding: the configured
// bindings ("default" always among them) and groups, the name or nil as
// Momentum's pages say, the choice in the verdict; anywhere else a clear error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runTransaction, UsageError } from '../../src/index.js';
import { eml, policyFrom, twice } from '../helpers/lua-policy.js';

const BINDINGS = { bindings: ['mta1', 'mta2', 'mta3'], bindingGroups: [{ name: 'pool', bindings: ['mta2', 'mta3'] }, { name: 'empty', bindings: [] }] };

/** validate_set_binding runs body; what it returns goes to the message context as "out". */
function bindingPolicy(body: string) {
  return policyFrom(
    `msys.registerModule("t", { validate_set_binding = function(self, msg)
       local function show(v) return v == nil and "nil" or tostring(v) end
       local out = {}
       ${body}
       msg:context_set(msys.core.VCTX_MESS, "out", table.concat(out, ","))
       return msys.core.VALIDATE_CONT
     end })`,
    BINDINGS,
  );
}

const INPUT = { message: eml(['Subject: hi']), mailfrom: 'a@example.net', rcptto: ['b@example.com'], rcpt: 'b@example.com' };

describe('msg:binding', () => {
  it('returns the name of a configured binding and puts it in the verdict', () => {
    const p = bindingPolicy('out[1] = show(msg:binding()); out[2] = show(msg:binding("mta1")); out[3] = show(msg:binding())');
    twice(() => {
      const v = p.run('set_binding', INPUT);
      assert.deepEqual(v.errors, []);
      assert.equal(v.context.mess.out, 'nil,mta1,mta1');
      assert.equal(v.binding, 'mta1');
      assert.equal(v.bindingGroup, undefined);
    });
    p.close();
  });

  it('returns nil for a name no binding has, and leaves the binding as it was', () => {
    const p = bindingPolicy('out[1] = show(msg:binding("mta2")); out[2] = show(msg:binding("nope")); out[3] = show(msg:binding())');
    twice(() => {
      const v = p.run('set_binding', INPUT);
      assert.equal(v.context.mess.out, 'mta2,nil,mta2');
      assert.equal(v.binding, 'mta2');
    });
    p.close();
  });

  it('accepts "default" even when no binding is configured', () => {
    const p = policyFrom('msys.registerModule("t", { validate_set_binding = function(self, msg) msg:binding("default"); return msys.core.VALIDATE_CONT end })');
    twice(() => assert.equal(p.run('set_binding', INPUT).binding, 'default'));
    p.close();
  });

  it('leaves a verdict without a binding when the script chose none', () => {
    const p = bindingPolicy('out[1] = "x"');
    assert.equal(p.run('set_binding', INPUT).binding, undefined);
    p.close();
  });

  it('is an error outside validate_set_binding, naming the callout', () => {
    const p = policyFrom(`msys.registerModule("t", {
      validate_data = function(self, msg) msg:binding("mta1"); return msys.core.VALIDATE_CONT end,
      validate_data_spool = function(self, msg) msg:binding_group("pool"); return msys.core.VALIDATE_CONT end })`, BINDINGS);
    twice(() => {
      const d = p.run('data', INPUT);
      assert.equal(d.errors.length, 1);
      assert.match(d.errors[0]!.message, /msg:binding is only available in validate_set_binding \(called in validate_data\)/);
      assert.equal(d.binding, undefined);
      const s = p.run('data_spool', INPUT);
      assert.match(s.errors[0]!.message, /msg:binding_group is only available in validate_set_binding \(called in validate_data_spool\)/);
    });
    p.close();
  });

  it('raises on a name that is not a string', () => {
    const p = bindingPolicy('msg:binding({})');
    const v = p.run('set_binding', INPUT);
    assert.match(v.errors[0]!.message, /bad argument #1 to 'binding' \(string expected, got table\)/);
    p.close();
  });
});

describe('msg:binding_group', () => {
  it('binds to one binding of the group and returns the group', () => {
    const p = bindingPolicy('out[1] = show(msg:binding_group("pool")); out[2] = show(msg:binding_group()); out[3] = show(msg:binding())');
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const v = p.run('set_binding', INPUT);
      const [group, current, binding] = v.context.mess.out!.split(',');
      assert.equal(group, 'pool');
      assert.equal(current, 'pool');
      assert.ok(binding === 'mta2' || binding === 'mta3', binding);
      assert.equal(v.binding, binding);
      assert.equal(v.bindingGroup, 'pool');
      seen.add(binding!);
    }
    assert.equal(seen.size, 2, 'every binding of the group is eligible');
    p.close();
  });

  it('returns nil for an unknown or empty group and binds nothing', () => {
    const p = bindingPolicy('out[1] = show(msg:binding_group("nope")); out[2] = show(msg:binding_group("empty")); out[3] = show(msg:binding())');
    twice(() => {
      const v = p.run('set_binding', INPUT);
      assert.equal(v.context.mess.out, 'nil,nil,nil');
      assert.equal(v.binding, undefined);
    });
    p.close();
  });

  it('gives way to a later msg:binding, which clears the group', () => {
    const p = bindingPolicy('msg:binding_group("pool"); msg:binding("mta1"); out[1] = show(msg:binding_group())');
    const v = p.run('set_binding', INPUT);
    assert.equal(v.context.mess.out, 'nil');
    assert.equal(v.binding, 'mta1');
    assert.equal(v.bindingGroup, undefined);
    p.close();
  });
});

describe('msys.core.config_get_binding_*', () => {
  it('numbers "default" 0 and the configured bindings from 1 (-1 for no binding), and sizes groups', () => {
    const p = policyFrom(
      `msys.registerModule("t", { validate_connect = function(self, accept, vctx)
         local c = msys.core
         local out = { c.config_get_binding_id_from_name("default"), c.config_get_binding_id_from_name("mta3"),
           tostring(c.config_get_binding_id_from_name("nope")), c.config_get_binding_name_from_id(2),
           tostring(c.config_get_binding_name_from_id(9)), c.config_get_binding_group_size("pool"),
           c.config_get_binding_group_size("nope") }
         vctx:set(c.VCTX_MESS, "out", table.concat(out, ","))
         return c.VALIDATE_CONT end })`,
      BINDINGS,
    );
    twice(() => assert.equal(p.run('connect', {}).context.mess.out, '0,3,-1,mta2,nil,2,0'));
    p.close();
  });
});

describe('bindings in a transaction', () => {
  it('notes the binding chosen for each recipient', () => {
    const p = policyFrom(
      `msys.registerModule("t", { validate_set_binding = function(self, msg)
         msg:binding(msg:rcptto():match("^b") and "mta1" or "mta3")
         return msys.core.VALIDATE_CONT end })`,
      BINDINGS,
    );
    const r = runTransaction(p, { message: eml(['Subject: x']), mailfrom: 'a@example.net', rcptto: ['b@example.com', 'c@example.com'], helo: 'h', remoteAddr: '192.0.2.1' });
    assert.deepEqual(r.bindings, { 'b@example.com': 'mta1', 'c@example.com': 'mta3' });
    p.close();
  });

  it("gives each recipient its own message context after data_spool, so each_rcpt's key is the one set_binding reads for that recipient (Momentum's idiom)", () => {
    const p = policyFrom(
      `local mod = {}
       function mod:validate_data_spool(msg, accept, vctx) msg:context_set(msys.core.VCTX_MESS, "spooled", "yes") return msys.core.VALIDATE_CONT end
       function mod:validate_data_spool_each_rcpt(msg, accept, vctx)
         msg:context_set(msys.core.VCTX_MESS, "binding", msg:rcptto():match("^b") and "mta1" or "mta3")
         msg:context_set(msys.core.VCTX_CONN, "seen", msg:context_get(msys.core.VCTX_CONN, "seen") .. msg:rcptto():sub(1, 1))
         return msys.core.VALIDATE_CONT
       end
       function mod:validate_set_binding(msg)
         local e, b = msg:context_exists_and_get(msys.core.VCTX_MESS, "binding")
         if e == 1 and msg:context_get(msys.core.VCTX_MESS, "spooled") == "yes" then msg:binding(b) end
         return msys.core.VALIDATE_CONT
       end
       function mod:core_final_validation(msg, accept, vctx)
         msg:context_set(msys.core.VCTX_MESS, "final", msg:context_get(msys.core.VCTX_MESS, "binding") .. "|" .. msg:context_get(msys.core.VCTX_CONN, "seen"))
         return msys.core.VALIDATE_CONT
       end
       msys.registerModule("t", mod)`,
      BINDINGS,
    );
    twice(() => {
      const r = runTransaction(p, { message: eml(['Subject: x']), mailfrom: 'a@example.net', rcptto: ['b@example.com', 'c@example.com'], helo: 'h', remoteAddr: '192.0.2.1' });
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.bindings, { 'b@example.com': 'mta1', 'c@example.com': 'mta3' });
      // The message as a whole keeps the context data_spool left; the connection context is shared.
      assert.equal(r.context.mess.final, '|bc');
    });
    p.close();
  });

  it('refuses binding options of the wrong shape with exact messages', () => {
    const src = 'msys.registerModule("t", { validate_set_binding = function() return 0 end })';
    assert.throws(() => policyFrom(src, { bindings: 'mta1' as never }), (e: unknown) => e instanceof UsageError && e.message === 'options.bindings must be an array of binding names');
    assert.throws(() => policyFrom(src, { bindingGroups: [{ name: 'g' }] as never }), (e: unknown) => e instanceof UsageError && e.message === 'options.bindingGroups must be an array of { name, bindings: [names] }');
  });
});
