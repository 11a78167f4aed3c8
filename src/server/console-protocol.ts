// The console's line protocol on the control socket. The client sends one
// command per line; the server answers each, in order, with SMTP-style
// lines: "250-text" for every line but the last, "250 text" for the last,
// or one "500 reason" line when the command failed.

import type { ConsoleAnswer } from './console-commands.js';

export const OK_CODE = 250;
export const FAILED_CODE = 500;

/** The answer as protocol text (one CRLF-free line each, joined by \n). */
export function encodeAnswer(answer: ConsoleAnswer): string {
  if (!answer.ok) return `${FAILED_CODE} ${oneLine(answer.error)}\n`;
  const lines = answer.lines.length > 0 ? answer.lines : ['ok'];
  return lines.map((l, i) => `${OK_CODE}${i < lines.length - 1 ? '-' : ' '}${oneLine(l)}\n`).join('');
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

/** Reads answers line by line: feed it lines, it returns an answer when one is complete. */
export class AnswerReader {
  #lines: string[] = [];

  /** A complete answer, or null while more lines are to come. */
  push(line: string): ConsoleAnswer | null {
    const m = /^(\d{3})([- ])(.*)$/.exec(line);
    if (!m) return { ok: false, error: `unexpected line from the server: ${JSON.stringify(line)}` };
    this.#lines.push(m[3]!);
    if (m[2] === '-') return null;
    const lines = this.#lines;
    this.#lines = [];
    return Number(m[1]) === OK_CODE ? { ok: true, lines } : { ok: false, error: lines.join(' ') };
  }
}
