// The SpamAssassin corpus through the engine and through mailparser: what a
// script reads of Subject, From, To, Received, Message-ID and Content-Type
// (and the From and To addresses) must agree, but for the disagreements
// listed with their reasons in disagreements.ts. One message in ten by
// default; SCRIPTLET_CORPUS_EVERY=1 (npm run test:corpus) takes them all.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Policy } from '../../src/index.js';
import { agreementTable, compareCorpus, type CorpusRun } from './compare.js';
import { CLASSES, DISAGREEMENTS } from './disagreements.js';
import { corpusMessages } from './load.js';
import { HEADERS, openProbe } from './views.js';

const EVERY = Number(process.env.SCRIPTLET_CORPUS_EVERY ?? 10);
const MIN_AGREEMENT = 0.995;
// A message that hangs the engine fails the run here (the whole corpus takes ~10 s).
const HANG_MS = 10 * 60_000;
const key = (id: string, compared: string) => `${id} | ${compared}`;

describe(`the SpamAssassin corpus (one message in ${EVERY}), engine against mailparser`, () => {
  let probe: Policy;
  let run: CorpusRun;
  const sampled = new Set([...corpusMessages({ every: EVERY })].map((m) => m.id));

  before(async () => {
    probe = openProbe();
    run = await compareCorpus(probe, corpusMessages({ every: EVERY }));
    process.stderr.write(`\n${agreementTable(run)}\nslowest message: ${run.slowest.id}, ${run.slowest.ms.toFixed(2)} ms; engine values with raw 8-bit bytes: ${run.raw8bitValues}\n`);
  }, { timeout: HANG_MS });
  after(() => probe?.close());

  it('runs the probe on every sampled message without an error', () => {
    // A crash would end the process and a hang the test (its timeout); a
    // script error, or a probe report that does not add up, throws in compareCorpus.
    assert.equal(run.messages, sampled.size);
  });

  it('agrees with mailparser on at least 99.5 % of messages for each header', () => {
    for (const h of HEADERS) {
      const t = run.tallies.get(h)!;
      assert.ok(t.agree / t.messages >= MIN_AGREEMENT, `${h}: ${t.agree} of ${t.messages} agree`);
    }
  });

  it('finds no disagreement that the list does not name', () => {
    const listed = new Set(DISAGREEMENTS.map(([id, compared]) => key(id, compared)));
    const unlisted = run.findings.filter((f) => !listed.has(key(f.id, f.compared)));
    assert.deepEqual(unlisted, []);
  });

  it('still finds every listed disagreement among the sampled messages', () => {
    const found = new Set(run.findings.map((f) => key(f.id, f.compared)));
    const stale = DISAGREEMENTS.filter(([id, compared]) => sampled.has(id) && !found.has(key(id, compared)));
    assert.deepEqual(stale, []);
  });

  it('gives every listed disagreement a class with the side that is right and why', () => {
    for (const [id, compared, cls] of DISAGREEMENTS) {
      assert.ok(CLASSES[cls], `${id} ${compared}: unknown class ${cls}`);
      assert.match(id, /^[\w-]+\/\d{5}$/);
      assert.match(compared, /^(Subject|From|To|Received|Message-ID|Content-Type|address From|address To)$/);
    }
  });
});
