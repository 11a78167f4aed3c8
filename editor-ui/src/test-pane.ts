// The test pane: a message (pasted or uploaded) and its envelope, run with
// the unsaved rules by the real engine (POST /api/test); shows the verdict
// of each phase, the header edits and the log, and marks the rules that fired.

import { api, ApiError, type Catalog, type RulesDocument, type TestResult } from './api.js';
import { button, h } from './dom.js';

const SAMPLE = ['From: Alice <alice@example.org>', 'To: Bob <bob@example.net>', 'Subject: [SPAM] cheap watches', 'Message-ID: <test-1@example.org>', '', 'Buy now.', ''].join('\r\n');

export interface TestPaneHost {
  catalog: Catalog;
  rules(): RulesDocument;
  /** Marks the statements that fired (an empty set clears the marks). */
  showFired(ids: Set<string>): void;
}

function field(label: string, value: string, name: string): [HTMLLabelElement, HTMLInputElement] {
  const input = h('input', { type: 'text', value, name, spellcheck: 'false' });
  return [h('label', { class: 'field' }, h('span', { class: 'field-name' }, label), input), input];
}

export function testPane(host: TestPaneHost): HTMLElement {
  const [fromField, from] = field('MAIL FROM', 'alice@example.org', 'mailfrom');
  const [rcptField, rcpt] = field('RCPT TO (comma-separated)', 'bob@example.net', 'rcptto');
  const [ipField, ip] = field('Client IP', '192.0.2.10', 'clientIp');
  const [ehloField, ehlo] = field('EHLO', 'client.example.org', 'ehlo');
  const message = h('textarea', { 'aria-label': 'Message (RFC 5322)', rows: 9, spellcheck: 'false', class: 'message' });
  message.value = SAMPLE;
  const upload = h('input', { type: 'file', accept: '.eml,message/rfc822,text/plain', 'aria-label': 'Upload a message file' });
  upload.addEventListener('change', async () => {
    const file = upload.files?.[0];
    if (file) message.value = await file.text();
  });
  const results = h('div', { class: 'test-results', 'aria-live': 'polite' });

  const run = button('Run test', async () => {
    run.disabled = true;
    results.replaceChildren(h('p', { class: 'muted' }, 'Running…'));
    try {
      const envelope = { mailfrom: from.value.trim(), rcptto: rcpt.value.split(/[,\s]+/).filter(Boolean), clientIp: ip.value.trim(), ehlo: ehlo.value.trim() };
      const result = await api.test(host.rules(), message.value, envelope);
      host.showFired(new Set(result.phases.flatMap((p) => p.fired)));
      results.replaceChildren(renderResult(host.catalog, result));
    } catch (err) {
      host.showFired(new Set());
      const e = err as ApiError;
      results.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Test failed: ${e.message}`));
    } finally {
      run.disabled = false;
    }
  }, { class: 'primary' });

  return h('section', { class: 'test-pane', 'aria-label': 'Test' },
    h('div', { class: 'envelope' }, fromField, rcptField, ipField, ehloField),
    message,
    h('div', { class: 'row' }, h('label', { class: 'upload' }, 'Upload .eml ', upload), run),
    results,
  );
}

function renderResult(catalog: Catalog, r: TestResult): HTMLElement {
  const label = (phase: string) => catalog.phases.find((p) => p.id === phase)?.label ?? phase;
  const rows = r.phases.map((p) => {
    const v = p.verdict;
    const reply = [v.code, v.text].filter((x) => x !== undefined && x !== '').join(' ');
    return h('tr', { class: `verdict-${v.disposition.replace(/\s+/g, '-')}` },
      h('th', { scope: 'row' }, label(p.phase)),
      h('td', { class: 'disposition' }, v.disposition),
      h('td', { class: 'reply' }, reply || '—'),
      h('td', {}, p.fired.length ? p.fired.join(', ') : '—'));
  });
  const table = h('table', { class: 'verdicts' },
    h('caption', {}, 'Verdict of each phase'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Phase'), h('th', { scope: 'col' }, 'Verdict'), h('th', { scope: 'col' }, 'Reply'), h('th', { scope: 'col' }, 'Rules fired'))),
    h('tbody', {}, ...rows));
  const edits = [
    ...r.headers.added.map(([name, value]) => h('li', { class: 'added' }, `+ ${name}: ${value}`)),
    ...r.headers.removed.map((name) => h('li', { class: 'removed' }, `− ${name}`)),
  ];
  const final = r.disposition;
  const answer = final ? [final.code, final.text].filter((x) => x !== undefined && x !== '').join(' ') : '';
  return h('div', {},
    final ? h('p', { class: 'final-answer' }, h('strong', {}, 'Answer to the client: '), answer || '—', final.phase ? ` (at ${label(final.phase)})` : '') : '',
    r.errors?.length ? h('ul', { class: 'errors', role: 'alert' }, ...r.errors.map((e) => h('li', {}, `${e.module}:${e.callout}: ${e.message}`))) : '',
    table,
    h('h3', {}, 'Header edits'),
    edits.length ? h('ul', { class: 'header-edits' }, ...edits) : h('p', { class: 'muted' }, 'none'),
    h('h3', {}, 'Log'),
    r.logs.length ? h('pre', { class: 'logs' }, r.logs.join('\n')) : h('p', { class: 'muted' }, 'nothing logged'),
  );
}
