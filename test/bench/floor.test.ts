// The floor (bench/floor) reads a message as the engine's msg:header and
// msg:body do, beyond the bench's own messages: folded, encoded, malformed
// and oddly shaped headers give the same values on both, so the floor is a
// lower bound of the same work, not of less.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineName } from '../../src/index.js';
import { runNative } from '../../bench/suite/native.js';
import { dataPolicy, eml } from '../helpers/lua-policy.js';

const engine = (process.env.SCRIPTLET_ENGINE ?? 'luajit') as EngineName;
const NAMES = ['x-test', 'X-TEST', 'subject', 'from', 'to', 'x-none', 'x-test ', 'x-test:', 'x-test\r', 'no colon here\r\nX-Test', 'no colon here'];
const PROBE = `local core = require("msys.core")
for _, name in ipairs(${JSON.stringify(NAMES).replace('[', '{').replace(/]$/, '}')}) do
  for i, v in ipairs(msg:header(name)) do vctx:set(core.VCTX_MESS, name .. "#" .. i, v) end
end
vctx:set(core.VCTX_MESS, "body", msg:body())`;

const ENCODED = [
  '=?UTF-8?Q?caf=C3=A9?= =?UTF-8?B?w6k=?=  tail',
  '=?ISO-8859-1?Q?J=F6rg?=\r\n =?iso-8859-1?q?_M=FCller?=',
  'plain  =?x-unknown?Q?raw?= =?UTF-8?Q?ok?=',
  '=?x-unknown?Q?a?= =?x-unknown?Q?b?= =?UTF-8?Q?c?=',
  '=?UTF-8?Q?broken',
  '=?UTF-8?Q?a?==?UTF-8?Q?b?=',
  '=?UTF-8?Q?one?= =?ISO-8859-1?Q?two=E9?= three =?us-ascii?Q?four?=',
  '=?windows-1252?Q?=80uro?= and =?UTF-8*en?Q?lang?=',
  '=?UTF-8?X?abc?= =?UTF-8?Q?bad=ZZ?= =?UTF-8?B?!!!?= =?UTF-8?B?YQ?=',
  '=?=?=?=? ?= =??Q?x?= =?UTF-8??x?= =?UTF-8?Q?_?=',
  '=?UTF-8?B?4oCT?=\t=?UTF-8?B?4oCT?=x =?UTF-8?Q?=E2=80?= =?UTF-8?Q?=93?=',
  ' folded\r\n\tvalue ',
  '',
  '  \t ',
];

const MESSAGES: Record<string, Buffer> = {
  'encoded-words': eml(ENCODED.map((v) => `X-Test: ${v}`)),
  'mbox From line, odd names': eml(['From alice@example.net Tue Nov 24 10:15:00 2026', 'x-TeSt: one', 'X-Test : two', 'X-Test\t: three', 'X-Test\r: cr', 'X-Test x: not it', 'Subject: s', 'From : f', 'no colon here', 'X-Test: after']),
  'bare LF': eml(['X-Test: a', '\tb', 'Subject: =?UTF-8?Q?lf?='], 'body\nline\n', '\n'),
  'a line that is no field ends the one before': eml(['X-Test: kept', 'no colon here', ' not a continuation', 'X-Test: next', ' continued', ': no name', ' x']),
  'no blank line': Buffer.from('X-Test: only header\r\nSubject: s\r\n'),
  'blank line first': Buffer.from('\r\nX-Test: body, not header\r\n'),
  'folded at the end, no line break': Buffer.from('X-Test: a\r\n b'),
  empty: Buffer.alloc(0),
};

function floorMess(policyFile: string, raw: Buffer): Record<string, string> {
  return (runNative('floor', engine, policyFile, 't', '-', 0, raw) as unknown as { mess: Record<string, string> }).mess;
}

describe(`the floor (${engine})`, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scriptlet-floor-'));
  const file = path.join(dir, 'probe.lua');
  const source = `local mod = {}
function mod:validate_data(msg, accept, vctx)
${PROBE}
return msys.core.VALIDATE_CONT
end
msys.registerModule("t", mod)`;
  fs.writeFileSync(file, source);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [name, raw] of Object.entries(MESSAGES)) {
    it(`reads headers and body as msg:header and msg:body do: ${name}`, () => {
      const policy = dataPolicy(PROBE);
      try {
        const native = policy.run('data', { message: raw }).context.mess;
        assert.deepEqual(floorMess(file, raw), { ...native });
      } finally {
        policy.close();
      }
    });
  }

  it('raises on the API it does not implement, rather than doing less', () => {
    const other = path.join(dir, 'other.lua');
    fs.writeFileSync(other, source.replace(PROBE, 'vctx:set(msys.core.VCTX_CONN, "k", "v")'));
    assert.throws(() => floorMess(other, MESSAGES['no blank line']!), /connection context is not implemented/);
  });
});
