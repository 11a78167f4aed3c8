// A call through the pool: the same verdict as in this thread, every field
// of it; calls made close together go to a worker as one task; contexts
// travel with the call, so any worker serves any phase; a call's facts are
// read when it is made; a bad call fails alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openPolicy, ScriptError, UsageError, type CallInput, type Phase, type Policy, type Verdict } from '../../src/index.js';
import { openEngine, type Engine, type PoolVerdict } from '../../src/pool/index.js';
import { engineFrom, message, module } from './helpers.js';

// Two modules that between them touch every part of a verdict.
const FIRST = module({
  connect: `
    vctx:set(msys.core.VCTX_CONN, "seen", (vctx:get(msys.core.VCTX_CONN, "seen") or "") .. "c")
    vctx:set(msys.core.VCTX_CONN, "addr", accept.remote_addr .. ":" .. tostring(accept.remote_port))
    if accept.remote_addr == "192.0.2.66" then vctx:disconnect(421, "4.7.0 go away") return msys.core.VALIDATE_DONE end`,
  rcptto: `
    vctx:set(msys.core.VCTX_MESS, "rcpt", str)
    if str:find("nobody", 1, true) then vctx:set_code(550, "5.1.1 no such user") return msys.core.VALIDATE_DONE end`,
  data: `
    local subject = msg:header("Subject")[1] or ""
    vctx:set(msys.core.VCTX_MESS, "subject", subject)
    vctx:set(msys.core.VCTX_MESS, "nul\\0key", "v\\0al ü")
    vctx:set(msys.core.VCTX_CONN, "seen", (vctx:get(msys.core.VCTX_CONN, "seen") or "") .. "d")
    if subject == "edit" then
      msg:header("X-Policy", "checked")
      msg:header("X-Top", "first", "prepend")
      msg:header("Received", "")
      msg:mailfrom("bounce@example.org")
      msg:rcptto("rewritten@example.org")
    elseif subject == "discard" then
      msg:discard()
    elseif subject == "fail" then
      error("policy failure on purpose")
    elseif subject == "print" then
      print("looked at " .. subject)
    elseif subject == "reject" then
      vctx:set_code(554, "5.7.1 rejected")
      return msys.core.VALIDATE_DONE
    end`,
});
const SECOND = `local mod = {}
function mod:validate_data(msg, accept, vctx)
  if msg:header("Subject")[1] == "nothing" then return end
  vctx:set(msys.core.VCTX_MESS, "second", "ran")
  return msys.core.VALIDATE_CONT
end
msys.registerModule("second", mod)`;
const scripts = [
  { name: 't', source: FIRST },
  { name: 'second', source: SECOND },
];

const subjects = ['plain', 'edit', 'discard', 'fail', 'print', 'reject', 'nothing', '=?UTF-8?B?w6l0w6k=?='];
function dataInput(subject: string): CallInput {
  return {
    message: message([`Subject: ${subject}`, 'Received: from a by b', 'From: alice@example.net']),
    mailfrom: 'alice@example.net',
    rcptto: ['bob@example.com', 'carol@example.com'],
    helo: 'client.example',
    remoteAddr: '192.0.2.7',
    remotePort: 40000,
    context: { conn: { seen: 'c' }, mess: {} },
  };
}

/** A verdict's fields as plain data, to compare a Verdict with a pool verdict. */
function fields(v: Verdict | PoolVerdict): Record<string, unknown> {
  return { ...v, errors: v.errors.map((e) => ({ ...e.toJSON(), name: e.name, code: e.code })) };
}

describe('a call through the pool', () => {
  let engine: Engine;
  let policy: Policy;
  const logs: string[] = [];

  before(async () => {
    engine = openEngine({ scripts, threads: 2, log: (m) => logs.push(m) });
    policy = openPolicy({ scripts });
    await engine.ready();
  });
  after(async () => {
    policy.close();
    await engine.close();
  });

  it('gives the verdict a call in this thread gives, field by field (twice over)', async () => {
    for (let round = 0; round < 2; round++) {
      for (const subject of subjects) {
        const input = dataInput(subject);
        const expected = policy.run('data', input);
        const got = await engine.run('data', input);
        assert.deepEqual(fields(got), fields(expected), subject);
        assert.equal(got.version, engine.version);
      }
    }
  });

  it('rebuilds script errors as ScriptError, and edited messages as Buffers', async () => {
    const failed = await engine.run('data', dataInput('fail'));
    assert.equal(failed.errors.length, 1);
    const err = failed.errors[0]!;
    assert.ok(err instanceof ScriptError);
    assert.equal(err.code, 'ERR_SCRIPTLET_SCRIPT');
    assert.equal(err.module, 't');
    assert.equal(err.callout, 'validate_data');
    assert.match(err.message, /policy failure on purpose/);
    assert.match(err.traceback, /traceback/);
    const edited = await engine.run('data', dataInput('edit'));
    assert.ok(Buffer.isBuffer(edited.message));
    assert.match(edited.message.toString(), /^X-Top: first\r\nSubject: edit\r\nFrom: alice@example.net\r\nX-Policy: checked\r\n\r\n/);
    assert.deepEqual(edited.envelopeChanged, { mailfrom: true, rcptto: true });
  });

  it('gives back the caller\'s own objects for what a call left unchanged, as in this thread', async () => {
    const input = dataInput('nothing');
    input.context = { conn: { seen: 'c' }, mess: { kept: 'yes' } };
    const got = await engine.run('connect', { ...input, remoteAddr: '192.0.2.9' });
    assert.equal(got.rcptto, input.rcptto, 'the same array');
    assert.equal(got.context.mess, input.context.mess, 'the mess context, untouched by connect');
    assert.deepEqual(got.context.conn, { seen: 'cc', addr: '192.0.2.9:40000' });
  });

  it('answers every phase, with the same verdicts as in this thread for each', async () => {
    const cases: [Phase, CallInput][] = [
      ['connect', { remoteAddr: '192.0.2.66', remotePort: 1 }],
      ['rcptto', { rcpt: 'nobody@example.com', rcptto: ['a@example.com'] }],
      ['rcptto', { rcpt: 'b@example.com' }],
      ['ehlo', { helo: 'x' }],
    ];
    for (const [phase, input] of cases) assert.deepEqual(fields(await engine.run(phase, input)), fields(policy.run(phase, input)), phase);
  });

  it('sends calls made close together to a worker as one task', async () => {
    const before = await engine.stats();
    const verdicts = await Promise.all(Array.from({ length: 300 }, (_, i) => engine.run('data', dataInput(`n${i}`))));
    const afterwards = await engine.stats();
    const tasks = afterwards.tasks - before.tasks;
    assert.equal(afterwards.calls - before.calls, 300);
    assert.ok(tasks <= 10, `300 calls in ${tasks} tasks`);
    verdicts.forEach((v, i) => assert.equal(v.context.mess.subject, `n${i}`, 'each call its own verdict, in order'));
  });

  it('batches calls per phase: a batch never mixes phases', async () => {
    const calls = [];
    for (let i = 0; i < 20; i++) {
      calls.push(engine.run('connect', { remoteAddr: '192.0.2.1', remotePort: i }));
      calls.push(engine.run('rcptto', { rcpt: `r${i}@example.com` }));
    }
    const verdicts = await Promise.all(calls);
    verdicts.forEach((v, i) => {
      assert.equal(v.phase, i % 2 === 0 ? 'connect' : 'rcptto');
      if (i % 2 === 0) assert.equal(v.context.conn.addr, `192.0.2.1:${i / 2}`);
      else assert.equal(v.context.mess.rcpt, `r${(i - 1) / 2}@example.com`);
    });
  });

  it('carries contexts with the call: the next phase, on any worker, sees what the last one set', async () => {
    const perWorker = new Set<number>();
    for (let i = 0; i < 8; i++) {
      // Many transactions at once, so that the phases of one land on different workers.
      const transactions = await Promise.all(
        Array.from({ length: 16 }, async () => {
          const connect = await engine.run('connect', { remoteAddr: '198.51.100.1', remotePort: 25 });
          const data = await engine.run('data', { ...dataInput('plain'), context: connect.context });
          return data;
        }),
      );
      for (const data of transactions) {
        assert.equal(data.context.conn.seen, 'cd');
        assert.equal(data.context.conn.addr, '198.51.100.1:25');
      }
    }
    for (const w of (await engine.stats()).workers) if (w.calls > 0) perWorker.add(w.threadId);
    assert.equal(perWorker.size, 2, 'both workers served calls');
  });

  it('reads a call when it is made: the caller may reuse the input object at once', async () => {
    const input: CallInput = { rcpt: 'first@example.com', context: { conn: {}, mess: {} } };
    const one = engine.run('rcptto', input);
    input.rcpt = 'second@example.com';
    const two = engine.run('rcptto', input);
    assert.equal((await one).context.mess.rcpt, 'first@example.com');
    assert.equal((await two).context.mess.rcpt, 'second@example.com');
  });

  it('runs a batch the caller made as tasks of at most maxBatch calls, verdicts in order', async () => {
    const before = await engine.stats();
    const inputs = Array.from({ length: 150 }, (_, i) => dataInput(`b${i}`));
    const verdicts = await engine.runBatch('data', inputs);
    assert.equal(verdicts.length, 150);
    verdicts.forEach((v, i) => assert.equal(v.context.mess.subject, `b${i}`));
    assert.equal((await engine.stats()).tasks - before.tasks, 3, '64 + 64 + 22');
    assert.deepEqual(await engine.runBatch('data', []), []);
  });

  it('reads a message given as a plain Uint8Array as it reads a Buffer', async () => {
    const input = dataInput('bytes');
    const bytes = new Uint8Array(input.message!);
    assert.equal((await engine.run('data', { ...input, message: bytes as Buffer })).context.mess.subject, 'bytes');
    const [v] = await engine.runBatch('data', [{ ...input, message: bytes as Buffer }]);
    assert.equal(v!.context.mess.subject, 'bytes');
  });

  it('refuses a bad call alone, with the in-thread messages, leaving the calls beside it alone', async () => {
    const good = engine.run('data', dataInput('plain'));
    await assert.rejects(engine.run('nophase' as Phase, {}), (e: unknown) => e instanceof UsageError && /^unknown phase 'nophase': expected one of connect, /.test(e.message));
    await assert.rejects(engine.run('data', { message: 'text' as unknown as Buffer }), /^UsageError: call input 0: message must be a Buffer$/);
    await assert.rejects(engine.run('data', null as unknown as CallInput), /^UsageError: call input 0 must be an object$/);
    await assert.rejects(engine.runBatch('data', [{}, { message: 1 as unknown as Buffer }]), /^UsageError: call input 1: message must be a Buffer$/);
    await assert.rejects(engine.runBatch('data', {} as CallInput[]), /^UsageError: runBatch needs an array of call inputs$/);
    assert.equal((await good).context.mess.subject, 'plain');
  });

  it('reads odd input values the way the addon does (wrong types absent, numbers as text)', async () => {
    const input = {
      mailfrom: 42,
      rcptto: ['a@example.com', 7],
      helo: null,
      remotePort: 70000.9,
      context: { conn: { n: 5, skip: { nested: true }, s: 'x' } },
    } as unknown as CallInput;
    assert.deepEqual(fields(await engine.run('connect', input)), fields(policy.run('connect', input)));
  });

  it('reads every fact the same as in this thread, whatever its text: non-ASCII, astral, lone surrogates, NUL', async () => {
    const FACTS = `local mod = {}
function mod:validate_rcptto(msg, str, accept, vctx)
  local m = msys.core.VCTX_MESS
  vctx:set(m, "rcpt", str)
  vctx:set(m, "mailfrom", msg:mailfrom() or "")
  vctx:set(m, "addr", accept.remote_addr .. "|" .. tostring(accept.remote_port) .. "|" .. accept.local_addr .. "|" .. tostring(accept.local_port))
  vctx:set(m, "conn", vctx:get(msys.core.VCTX_CONN, "k\\0é") or "-")
  return msys.core.VALIDATE_CONT
end
function mod:validate_data(msg, accept, vctx)
  local m = msys.core.VCTX_MESS
  vctx:set(m, "mailfrom", msg:mailfrom() or "")
  vctx:set(m, "rcpt", msg:rcptto() or "")
  vctx:set(m, "id", msg.id or "")
  vctx:set(m, "seen", vctx:get(m, "😀") or "-")
  return msys.core.VALIDATE_CONT
end
msys.registerModule("facts", mod)`;
    const facts = openPolicy({ scripts: [{ name: 'facts', source: FACTS }] });
    const pooled = openEngine({ scripts: [{ name: 'facts', source: FACTS }], threads: 1, log: () => {} });
    try {
      const odd = ['ü@例え.jp', '😀 <x@y>', 'lone \ud800 high', 'lone \udc00 low', 'nul\0inside', '', 'ÿ latin-1', 'long '.repeat(60), 'longer '.repeat(10000)];
      const inputs: CallInput[] = odd.map((text, i) => ({
        message: message([`Subject: ${i}`]),
        id: text,
        mailfrom: text,
        rcptto: [odd[(i + 1) % odd.length]!, text],
        rcpt: text,
        helo: text,
        remoteAddr: text,
        remotePort: 25 + i,
        localAddr: odd[(i + 2) % odd.length],
        localPort: 587,
        context: { conn: { 'k\0é': text, n: i } as unknown as Record<string, string>, mess: { '😀': text, ...(JSON.parse(`{"__proto__": ${JSON.stringify(text)}}`) as Record<string, string>) } },
      }));
      for (const phase of ['rcptto', 'data'] as const) {
        const got = await pooled.runBatch(phase, inputs);
        const expected = facts.runBatch(phase, inputs);
        got.forEach((v, i) => assert.deepEqual(fields(v), fields(expected[i]!), `${phase} ${i}`));
      }
    } finally {
      facts.close();
      await pooled.close();
    }
  });

  it('logged nothing', () => {
    assert.deepEqual(logs, []);
  });
});

describe('a call on an engine with batchDelayMs', () => {
  it('waits that long for more calls before sending a batch', async () => {
    const { engine } = engineFrom(module({ connect: '' }), { threads: 1, batchDelayMs: 30 });
    try {
      await engine.ready();
      const first = engine.run('connect');
      await new Promise((r) => setTimeout(r, 5));
      const second = engine.run('connect');
      await Promise.all([first, second]);
      assert.equal((await engine.stats()).tasks, 1, 'two calls 5 ms apart, one task');
    } finally {
      await engine.close();
    }
  });
});
