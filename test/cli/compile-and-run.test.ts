// The CLI with the real engine: `scriptlet check` compiles every script
// (reporting file:line:col), and `scriptlet run` runs every phase in SMTP
// order on each message and prints one JSON verdict per message.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.js';
import { compileScript } from '../../src/cli/compile-script.js';
import { memoryIo } from './memory-io.js';

const root = path.resolve('.');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const CONF = `alerting { }
scriptlet "scriptlet" {
  script "boot" { source = "msys.boot" }
  script "policy" { source = "policy" }
}
`;

function project(name: string, policy: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ecelerity.conf'), CONF);
  fs.writeFileSync(path.join(dir, 'policy.lua'), policy);
  return path.join(dir, 'ecelerity.conf');
}

async function cli(args: string[]) {
  const io = memoryIo(root);
  const code = await main(args, io, { compileScript });
  return { code, out: io.out(), err: io.err() };
}

describe('scriptlet check with the engine', () => {
  it('passes a configuration whose scripts compile and register their names', async () => {
    const r = await cli(['check', 'examples/ecelerity.conf']);
    assert.equal(r.code, 0, r.err);
  });

  it('reports a syntax error as file:line:col', async () => {
    const conf = project('syntax', 'local m = {}\nfunction m:validate_data(\nmsys.registerModule("policy", m)\n');
    const r = await cli(['check', conf]);
    assert.equal(r.code, 1);
    assert.equal(r.err, `${path.join(tmp, 'syntax', 'policy.lua')}:3:1: ')' expected near '.'\n`);
  });

  it('reports a syntax error at its line in a script whose path the engine shortens', async () => {
    const conf = project(`long-${'x'.repeat(80)}`, 'local m = {}\nfunction m:validate_data(\nmsys.registerModule("policy", m)\n');
    const r = await cli(['check', conf]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`^${path.join(path.dirname(conf), 'policy.lua').replace(/[.\\/]/g, '\\$&')}:3:1: `));
  });

  it('reports a script that registers another name at its stanza', async () => {
    const conf = project('name', 'msys.registerModule("other", { init = function() end })\n');
    const r = await cli(['check', conf]);
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      `${conf}:4:3: script 'policy' (${path.join(tmp, 'name', 'policy.lua')}) registered module 'other'; expected msys.registerModule("policy", module)\n`,
    );
  });

  it('does not run init() while checking', async () => {
    const marker = path.join(tmp, 'init-ran');
    const conf = project('init', `msys.registerModule("policy", { init = function() io.open(${JSON.stringify(marker)}, "w"):close() end })\n`);
    assert.equal((await cli(['check', conf])).code, 0);
    assert.equal(fs.existsSync(marker), false);
  });
});

describe('scriptlet run', () => {
  const messages = ['examples/messages/clean.eml', 'examples/messages/rejected.eml'];

  it('prints one JSON verdict per message, in SMTP order, stopping at the rejection', async () => {
    const r = await cli(['run', 'examples/ecelerity.conf', ...messages, '--mailfrom', 'alice@example.org', '--rcpt', 'bob@example.net', '--rcpt', 'carol@example.net', '--remote-ip', '192.0.2.9', '--helo', 'client.example']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    const [clean, rejected] = lines;
    assert.equal(clean.file, 'examples/messages/clean.eml');
    assert.deepEqual(clean.disposition, { code: 250, text: '2.0.0 OK', phase: null });
    assert.equal(clean.mailfrom, 'alice@example.org');
    assert.deepEqual(clean.rcptto, ['bob@example.net', 'carol@example.net']);
    assert.deepEqual(clean.headers.at(-1), ['X-Policy', 'checked']);
    assert.deepEqual(clean.context, { conn: { policy_client: '192.0.2.9' }, mess: { checked: 'yes' } });
    assert.deepEqual(clean.errors, []);
    assert.match(clean.version, /^[0-9a-f]{16}$/);
    assert.deepEqual(rejected.disposition, { code: 550, text: '5.7.1 message refused by local policy', phase: 'data' });
    assert.equal(rejected.headers.some(([name]: [string]) => name === 'X-Policy'), false, 'nothing after the rejection ran');
  });

  it('prints the bindings set_binding chose, and a refusal at core_final_validation', async () => {
    const conf = project('bindings', `msys.registerModule("policy", {
      validate_set_binding = function(self, msg) msg:binding_group("pool") return msys.core.VALIDATE_CONT end,
      core_final_validation = function(self, msg, accept, vctx)
        if (msg:header("Subject")[1] or ""):find("REJECT", 1, true) then vctx:set_code(554, "5.7.1 final " .. msys.expandMacro("%{vctx_mess:rcptto_domain}")) end
        return msys.core.VALIDATE_CONT
      end })`);
    fs.appendFileSync(conf, 'binding_group "pool" { binding "mta1" { } }\n');
    const r = await cli(['run', conf, ...messages, '--rcpt', 'bob@example.net']);
    const [clean, rejected] = r.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(clean.bindings, { 'bob@example.net': 'mta1' }, r.err);
    assert.equal(clean.disposition.code, 250);
    assert.deepEqual(rejected.disposition, { code: 554, text: '5.7.1 final example.net', phase: 'core_final_validation' });
  });

  it('reports script errors in the JSON and on stderr, goes on, and exits 3', async () => {
    const conf = project('err', 'local m = {}\nfunction m:validate_data(msg, accept, vctx)\n  error("broken")\nend\nmsys.registerModule("policy", m)\n');
    const source = path.join(tmp, 'err', 'policy.lua');
    const r = await cli(['run', conf, 'examples/messages/clean.eml', 'examples/messages/rejected.eml']);
    assert.equal(r.code, 3);
    const [clean, rejected] = r.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(clean.errors, [{ module: 'policy', callout: 'validate_data', message: `${source}:3: broken`, location: `${source}:3` }]);
    assert.equal(clean.disposition.code, 250);
    assert.equal(rejected.errors.length, 1);
    assert.equal(
      r.err,
      `${source}:3: broken (module 'policy', callout 'validate_data', message examples/messages/clean.eml)\n` +
        `${source}:3: broken (module 'policy', callout 'validate_data', message examples/messages/rejected.eml)\n`,
    );
  });

  it('reports a callout that returns no code with its source, and exits 3', async () => {
    const conf = project('nil', 'msys.registerModule("policy", { validate_mailfrom = function() return nil end })\n');
    const r = await cli(['run', conf, 'examples/messages/clean.eml']);
    assert.equal(r.code, 3);
    assert.equal(
      r.err,
      `${path.join(tmp, 'nil', 'policy.lua')}: validate_mailfrom returned a nil; expected msys.core.VALIDATE_CONT or msys.core.VALIDATE_DONE (module 'policy', callout 'validate_mailfrom', message examples/messages/clean.eml)\n`,
    );
  });

  it('exits 1, not 3, when a message could not be read besides a script error', async () => {
    const conf = project('err-and-missing', 'msys.registerModule("policy", { validate_data = function() error("broken") end })\n');
    const r = await cli(['run', conf, 'examples/messages/clean.eml', 'no-such.eml']);
    assert.equal(r.code, 1);
    assert.match(r.err, /: broken \(module 'policy', callout 'validate_data', message examples\/messages\/clean\.eml\)\nscriptlet run: cannot read no-such\.eml/);
  });

  it('runs on the engine asked for', async () => {
    for (const engine of ['luajit', 'lua51']) {
      const conf = project(`engine-${engine}`, 'msys.registerModule("policy", { validate_connect = function(s, a, vctx) vctx:set(msys.core.VCTX_CONN, "engine", msys.engine) return 0 end })\n');
      const r = await cli(['run', conf, 'examples/messages/clean.eml', '--engine', engine]);
      assert.equal(r.code, 0, r.err);
      assert.match(JSON.parse(r.out).context.conn.engine, engine === 'luajit' ? /^LuaJIT 2\.1/ : /^Lua 5\.1\.5$/);
    }
  });

  it('exits 1 with the problem when a script does not load, and 2 on bad usage', async () => {
    const conf = project('noload', 'this is not lua\n');
    const r = await cli(['run', conf, 'examples/messages/clean.eml']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^scriptlet run: cannot load script 'policy': .*policy\.lua:1: /);
    assert.equal((await cli(['run', 'examples/ecelerity.conf'])).code, 2);
    const missing = await cli(['run', 'examples/ecelerity.conf', 'no-such.eml']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /cannot read no-such\.eml/);
  });
});
