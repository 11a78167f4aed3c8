// A policy made in the policy editor against its hand-written twin: the
// rules of rules.json (reject known senders at MAIL FROM; at DATA refuse
// spam by subject, tempfail oversized mail, tag newsletters by a regex on
// X-Mailer or add a header; choose a binding from the tag or the recipient)
// generated to Lua, and hand-written.lua doing the same with msg:* calls.
// Both run the same messages in-thread (Policy.run of mailfrom, data and
// set_binding, as a host calls them), on both engines; the verdicts are
// compared first, so the two are known to be the same policy.
//
//   npm run bench:editor [-- --rounds R --messages N]

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openPolicy, type EngineName, type Policy } from '../../src/index.js';
import { generateLua } from '../../src/editor/generate.js';
import { parseRulesDocument } from '../../src/editor/validate.js';
import { writeResults } from '../results-file.js';
import { median } from '../stats.js';
import { cpuSince, threadCpu } from '../thread-cpu.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '11' }, messages: { type: 'string', default: '20000' } } });
const ROUNDS = Number(values.rounds);
const N = Number(values.messages);
const here = path.dirname(fileURLToPath(import.meta.url));
const generated = generateLua(parseRulesDocument(JSON.parse(fs.readFileSync(path.join(here, 'rules.json'), 'utf8')))).lua;
const handWritten = fs.readFileSync(path.join(here, 'hand-written.lua'), 'utf8');

const eml = (headers: string[]) => Buffer.from(`${headers.join('\r\n')}\r\n\r\n${'Some text of a message.\r\n'.repeat(40)}`);
// A mix: clean, spam, newsletter, to gmail, a refused sender.
const CASES = [
  { mailfrom: 'alice@example.org', rcpt: 'bob@example.net', message: eml(['From: <alice@example.org>', 'Subject: lunch?', 'X-Mailer: Thunderbird']) },
  { mailfrom: 'seller@example.com', rcpt: 'bob@example.net', message: eml(['From: <seller@example.com>', 'Subject: [SPAM] cheap pills']) },
  { mailfrom: 'news@example.com', rcpt: 'carol@gmail.com', message: eml(['From: <news@example.com>', 'Subject: This week', 'X-Mailer: NewsletterPro 7']) },
  { mailfrom: 'dave@example.org', rcpt: 'erin@gmail.com', message: eml(['From: <dave@example.org>', 'Subject: photos']) },
  { mailfrom: 'offers@bulk.example', rcpt: 'bob@example.net', message: eml(['From: <offers@bulk.example>', 'Subject: offers']) },
];

/** One message as a host runs it: mailfrom, then data and set_binding unless refused. */
function runMessage(p: Policy, i: number): string {
  const c = CASES[i % CASES.length]!;
  const input = { message: c.message, mailfrom: c.mailfrom, rcptto: [c.rcpt], remoteAddr: '192.0.2.1' };
  const from = p.run('mailfrom', input);
  if ((from.disposition?.code ?? 250) >= 400) return `mailfrom ${from.disposition?.code}`;
  const data = p.run('data', input);
  if ((data.disposition?.code ?? 250) >= 400) return `data ${data.disposition?.code}`;
  const bound = p.run('set_binding', { ...input, context: { mess: data.context.mess } });
  return `ok ${data.headerEdits.map((e) => e.name).join(',')} ${bound.binding ?? '-'}`;
}

/** CPU time of this thread per message (the machine may be shared: wall time would count the others). */
function round(p: Policy): number {
  const before = threadCpu();
  for (let i = 0; i < N; i++) runMessage(p, i);
  return cpuSince(before).mainNs / N;
}

/** Medians of rounds taken in turn (a, b, a, b...), so that a busy moment weighs on both alike. */
function measure(a: Policy, b: Policy): [number, number] {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    ta.push(round(a));
    tb.push(round(b));
  }
  return [median(ta), median(tb)];
}

const rows: Record<string, unknown>[] = [];
for (const engine of ['luajit', 'lua51'] as EngineName[]) {
  const open = (source: string) => openPolicy({ engine, scripts: [{ name: 'policyeditor', source }], bindings: ['gmail', 'bulk'] });
  const gen = open(generated);
  const hand = open(handWritten);
  try {
    for (let i = 0; i < CASES.length; i++) {
      const a = runMessage(gen, i);
      const b = runMessage(hand, i);
      if (a !== b) throw new Error(`message ${i}: the generated policy says ${a}, the hand-written one ${b}`);
    }
    round(gen); // warm both (JIT traces, spare threads)
    round(hand);
    const [g, h] = measure(gen, hand);
    const row = { engine, generatedNsPerMessage: Math.round(g), handWrittenNsPerMessage: Math.round(h), ratio: Number((g / h).toFixed(3)) };
    rows.push(row);
    console.log(`${engine.padEnd(7)} generated ${row.generatedNsPerMessage} ns/message, hand-written ${row.handWrittenNsPerMessage} ns/message, ratio ${row.ratio}`);
  } finally {
    gen.close();
    hand.close();
  }
}
console.log(`results: ${writeResults('editor', { rounds: ROUNDS, messages: N, calls: 'mailfrom + data + set_binding per message (fewer when refused)', measure: 'CPU time of the calling thread, median of interleaved rounds', rows })}`);
