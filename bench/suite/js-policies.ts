// The reference policies (policies/*.lua) written as plain JavaScript over
// the same MailView the Lua peers use: line for line the same logic and the
// same work (each lookup decodes its values, the body is scanned the same
// ways), so that "plain JS" is the honest alternative to a Lua engine.
// Patterns are spelled to match what Lua's classes match in the C locale.

import type { MailView } from './mail-view.js';

export const VALIDATE_CONT = 0;
export const VALIDATE_DONE = 1;

/** What a policy run leaves behind: the reply, the action, the message context. */
export interface Outcome {
  code: number | null;
  text: string | null;
  action: 'continue' | 'done';
  mess: Record<string, string>;
}

export class JsVctx {
  code: number | null = null;
  text: string | null = null;
  mess: Record<string, string> = {};
  set(key: string, value: string | number): void {
    this.mess[key] = String(value);
  }
  setCode(code: number, text: string): void {
    this.code = code;
    this.text = text;
  }
}

export type JsPolicy = (msg: MailView, vctx: JsVctx) => number;

const HEADERS = [
  'Subject', 'From', 'To', 'Cc', 'Reply-To', 'Sender', 'Return-Path', 'Message-ID',
  'In-Reply-To', 'References', 'Date', 'Received', 'Content-Type', 'MIME-Version',
  'X-Mailer', 'User-Agent', 'List-Id', 'Precedence', 'X-Spam-Status', 'DKIM-Signature',
];
const SPAMMY = ['free', 'money', 'click', 'offer', 'winner', 'viagra', 'mortgage', 'unsubscribe'];

function countMatches(s: string, re: RegExp): number {
  re.lastIndex = 0;
  let n = 0;
  while (re.exec(s)) n++;
  return n;
}

function heavy(msg: MailView, vctx: JsVctx): number {
  let score = 0;
  let fields = 0;
  let bytes = 0;
  for (const name of HEADERS) {
    for (const value of msg.header(name)) {
      fields++;
      bytes += value.length;
      const lower = value.toLowerCase();
      for (const word of SPAMMY) if (lower.includes(word)) score++;
    }
  }
  const subject = (msg.header('Subject')[0] ?? '').toLowerCase();
  if (/^[ \t\n\v\f\r]*re:/.test(subject)) score--;
  if (/[!$]/.test(subject)) score++;
  const words = countMatches(subject, /[A-Za-z]+/g);

  const body = msg.body();
  const links = countMatches(body, /https?:\/\//g);
  const caps = countMatches(body, /[A-Z]{5,}/g);
  let longest = 0;
  for (const line of body.split('\n')) if (line.length > longest) longest = line.length;
  score += Math.floor(links / 5) + Math.floor(caps / 20);

  vctx.set('fields', fields);
  vctx.set('header_bytes', bytes);
  vctx.set('score', `${score}/${words}/${longest}`);
  if (score >= 8) {
    vctx.setCode(550, '5.7.1 Message looks like spam');
    return VALIDATE_DONE;
  }
  vctx.setCode(250, '2.0.0 Accepted');
  return VALIDATE_CONT;
}

// heavy_pcre.lua in JS: V8's regular expressions where the Lua uses PCRE2.
const PHRASES = /\b(?:viagra|free money|click here|unsubscribe|limited time|act now)\b/gi;

function heavyPcre(msg: MailView, vctx: JsVctx): number {
  let score = 0;
  let fields = 0;
  let bytes = 0;
  for (const name of HEADERS) {
    for (const value of msg.header(name)) {
      fields++;
      bytes += value.length;
      const lower = value.toLowerCase();
      for (const word of SPAMMY) if (lower.includes(word)) score++;
    }
  }
  const subject = msg.header('Subject')[0] ?? '';
  if (/^[ \t\n\v\f\r]*re:/i.test(subject)) score--;
  if (/[!$]/.test(subject)) score++;
  const words = countMatches(subject, /[A-Za-z]+/g);

  const body = msg.body();
  const links = countMatches(body, /https?:\/\//g);
  const caps = countMatches(body, /[A-Z]{5,}/g);
  const phrases = countMatches(body, PHRASES);
  const long = countMatches(body, /^[^\r\n]{120,}/gm);
  score += Math.floor(links / 5) + Math.floor(caps / 20) + Math.floor(phrases / 3);

  vctx.set('fields', fields);
  vctx.set('header_bytes', bytes);
  vctx.set('score', `${score}/${words}/${phrases}/${long}`);
  if (score >= 8) {
    vctx.setCode(550, '5.7.1 Message looks like spam');
    return VALIDATE_DONE;
  }
  vctx.setCode(250, '2.0.0 Accepted');
  return VALIDATE_CONT;
}

function reference(msg: MailView, vctx: JsVctx): number {
  const subject = msg.header('Subject')[0] ?? '';
  const from = msg.header('From')[0] ?? '';
  const messageId = msg.header('Message-ID')[0];
  vctx.set('policy', 'reference');
  if (messageId === undefined || subject.includes('FREE MONEY')) {
    vctx.setCode(550, '5.7.1 Rejected by policy');
    return VALIDATE_DONE;
  }
  if (from.includes('@example.net')) vctx.set('sender_class', 'partner');
  vctx.setCode(250, '2.0.0 Accepted by policy');
  return VALIDATE_CONT;
}

export const JS_POLICIES: Record<string, JsPolicy> = {
  trivial: () => VALIDATE_CONT,
  reference,
  heavy,
  'heavy-pcre': heavyPcre,
};
