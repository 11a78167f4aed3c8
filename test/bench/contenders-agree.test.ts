// The benchmark's correctness gate: every contender (scriptlet on this
// engine, wasmoon, fengari, the plain-JS policy, the floor on this engine)
// gives the same reply, action and message context for each reference
// policy on each generated message, so the suite compares the same work.
// (The suite runs it again over every contender, the pool included, before
// it times anything.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineName } from '../../src/index.js';
import { allContenders, POLICIES } from '../../bench/suite/contenders.js';
import { floorChecked } from '../../bench/suite/floor.js';
import { disagreements } from '../../bench/suite/gate.js';
import { MailView } from '../../bench/suite/mail-view.js';
import { SIZE_NAMES, generateMessage } from '../../bench/suite/messages.js';
import { dataPolicy, eml } from '../helpers/lua-policy.js';

const engine = (process.env.SCRIPTLET_ENGINE ?? 'luajit') as EngineName;

describe('benchmark contenders', () => {
  it('agree on every reference policy and generated message', async () => {
    assert.deepEqual(await disagreements([...allContenders([engine], false), floorChecked(engine)], POLICIES, SIZE_NAMES), []);
  });

  it('generate the same messages on every run', () => {
    for (const size of SIZE_NAMES) assert.ok(generateMessage(size).equals(generateMessage(size)));
  });

  it("read headers as msg:header does: unfolded, trimmed, encoded-words decoded to UTF-8", () => {
    const values = [
      '=?UTF-8?Q?caf=C3=A9?= =?UTF-8?B?w6k=?=  tail',
      '=?ISO-8859-1?Q?J=F6rg?=\r\n =?iso-8859-1?q?_M=FCller?=',
      'plain  =?x-unknown?Q?raw?= =?UTF-8?Q?ok?=',
      '=?UTF-8?Q?broken',
      ' folded\r\n\tvalue ',
    ];
    const raw = eml(values.map((v) => `X-Test: ${v}`));
    const policy = dataPolicy('for i, v in ipairs(msg:header("x-test")) do vctx:set(msys.core.VCTX_MESS, "v" .. i, v) end');
    const native = policy.run('data', { message: raw }).context.mess;
    policy.close();
    const view = new MailView(raw).header('X-TEST').map((v) => Buffer.from(v, 'latin1').toString('utf8'));
    assert.deepEqual(view, values.map((_, i) => native[`v${i + 1}`]));
  });
});
