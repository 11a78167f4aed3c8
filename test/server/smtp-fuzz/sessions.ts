// Hostile SMTP sessions, made from a seed: malformed, over-long, pipelined,
// NUL-laden, bare-LF and out-of-order commands and DATA, mixed with valid
// ones so that the server goes deep into its states. Each session carries a
// marker of its own (in its EHLO name, sender and message), so that a reply
// to one session that holds another's marker is a leak.

/** A small, fast, seeded PRNG (mulberry32): the same seed, the same sessions. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}

/** One write of a session; `wait` first waits for the server's next reply (unpipelined). */
export interface Step {
  data: Buffer;
  wait: boolean;
}

export interface Session {
  marker: string;
  steps: Step[];
  /** Talks before the greeting (a client that does not wait for it). */
  early: boolean;
  /** Drops the connection after this many steps (-1: never), mid-command or mid-DATA. */
  vanishAt: number;
}

const CRLF = '\r\n';
const VERBS = ['EHLO', 'HELO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'NOOP', 'QUIT', 'VRFY', 'EXPN', 'HELP', 'BDAT', 'STARTTLS', 'AUTH', 'ETRN', 'TURN', 'XCLIENT', 'XFORWARD'];

/** A line ending as a client might (mostly right). */
function eol(r: Random): string {
  return r.pick([CRLF, CRLF, CRLF, CRLF, '\n', '\r', '\r\r\n', '\n\r']);
}

function address(r: Random, marker: string): string {
  switch (r.int(8)) {
    case 0:
      return `<${'a'.repeat(200 + r.int(3000))}@${marker}.example>`;
    case 1:
      return `<${marker}@example.org`; // unbalanced
    case 2:
      return `${marker}@example.org`; // no brackets
    case 3:
      return '<>';
    case 4:
      return `<"${marker} quoted\\"x"@example.org>`;
    case 5:
      return `<@route.example:${marker}@example.org>`;
    case 6:
      return `<${marker}@[127.0.0.1]>`;
    default:
      return `<${marker}@example.org>`;
  }
}

/** A command line, valid or not, without its line ending. */
function command(r: Random, marker: string): string {
  switch (r.int(16)) {
    case 0:
      return `EHLO ${marker}.example`;
    case 1:
      return `HELO ${marker}`;
    case 2:
      return `MAIL FROM:${address(r, marker)}${r.pick(['', ' SIZE=100', ' SIZE=abc', ' BODY=8BITMIME', ' BODY=BINARYMIME', ' SMTPUTF8', ' RET=FULL ENVID=x', ' FOO=bar'])}`;
    case 3:
      return `RCPT TO:${address(r, marker)}${r.pick(['', ' NOTIFY=NEVER', ' ORCPT=rfc822;x@y', ' BAR'])}`;
    case 4:
      return r.pick(['MAIL FROM <x@y>', 'MAIL TO:<x@y>', 'RCPT FROM:<x@y>', 'MAIL FROM:', 'RCPT TO:', 'MAIL', 'RCPT']);
    case 5:
      return `${r.pick(VERBS).toLowerCase()} ${marker}`;
    case 6:
      return `${r.pick(VERBS)}${r.pick(['', ' ', '  ', '\t'])}${'x'.repeat(r.int(2000))}`;
    case 7:
      return 'X'.repeat(r.pick([600, 1000, 5000, 70_000])); // over-long line
    case 8:
      return `MAIL FROM:<${marker}\u0000@example.org>`; // NUL
    case 9:
      return `\u0000\u0000${r.pick(VERBS)}\u0000`;
    case 10:
      return `BDAT ${r.pick(['10', '0 LAST', '-1', '99999999999', 'x'])}`;
    case 11:
      return `AUTH PLAIN ${Buffer.from(`\u0000${marker}\u0000pw`).toString('base64')}`;
    case 12:
      return r.pick(['RSET', 'NOOP', 'HELP', `VRFY ${marker}`, 'STARTTLS', 'DATA']);
    case 13:
      return ` ${r.pick(VERBS)}`; // leading space
    case 14:
      return Buffer.from(r.bytes(1 + r.int(60))).toString('latin1');
    default:
      return `${r.pick(VERBS)}:${marker}:${r.int(1000)}`;
  }
}

/** A DATA payload after a 354: a message, hostile or not, and how it ends. */
function dataPayload(r: Random, marker: string): string {
  const lines = [`Subject: ${marker}`, `From: <${marker}@example.org>`];
  const kind = r.int(10);
  if (kind === 0) lines.push('X-Long: ' + 'y'.repeat(100_000)); // a huge header line
  if (kind === 1) lines.push('\u0000\u0000binary\u0000');
  if (kind === 2) lines.push('', '.leading dot', '..double', '.'); // a lone "." ends it early: the rest are commands
  if (kind === 3) lines.push('', 'bare\nLF\n.\nMAIL FROM:<smuggled@x>'); // bare-LF dot: not an end of data
  if (kind === 4) lines.push('', 'bare\rCR\r.\r');
  if (kind === 5) lines.push('no-colon-header', 'Subject ' + marker);
  if (kind === 6) lines.push('', Buffer.from(r.bytes(2000)).toString('latin1').replace(/\r\n\.\r\n/g, ''));
  if (kind >= 7) lines.push('', `body of ${marker}`);
  return lines.join(CRLF) + r.pick([`${CRLF}.${CRLF}`, `${CRLF}.${CRLF}`, `${CRLF}.${CRLF}QUIT${CRLF}`, '\n.\n', '']);
}

/** One session: a few to a few dozen writes, some pipelined. */
export function makeSession(r: Random, index: number): Session {
  // Fixed length, so that the text after it never makes it look like another marker.
  const marker = `fz${index.toString(36).padStart(4, '0')}${r.int(36 ** 6).toString(36).padStart(6, '0')}`;
  const steps: Step[] = [];
  const push = (text: string, wait = r.chance(0.7)) => steps.push({ data: Buffer.from(text, 'latin1'), wait });
  // Mostly start right, so that later steps reach the deeper states.
  if (r.chance(0.8)) push(`EHLO ${marker}.example${CRLF}`, true);
  if (r.chance(0.6)) push(`MAIL FROM:<${marker}@example.org>${CRLF}`, true);
  if (r.chance(0.6)) push(`RCPT TO:<rcpt-${marker}@example.net>${CRLF}`, true);
  const count = 1 + r.int(25);
  for (let i = 0; i < count; i++) {
    const what = r.int(10);
    if (what < 6) push(command(r, marker) + eol(r));
    else if (what < 8) push(`DATA${eol(r)}${r.chance(0.5) ? dataPayload(r, marker) : ''}`); // pipelined DATA (no 354 wait)
    else if (what === 8) {
      // pipelined batch, as PIPELINING allows and as it does not
      const batch = [`MAIL FROM:<${marker}@example.org>`, `RCPT TO:<a-${marker}@example.net>`, `RCPT TO:<b-${marker}@example.net>`, 'DATA'];
      push(batch.join(CRLF) + CRLF + dataPayload(r, marker));
    } else {
      // a proper transaction, waiting for each reply
      push(`MAIL FROM:<${marker}@example.org>${CRLF}`, true);
      push(`RCPT TO:<c-${marker}@example.net>${CRLF}`, true);
      push(`DATA${CRLF}`, true);
      push(dataPayload(r, marker), true);
    }
  }
  if (r.chance(0.5)) push(`QUIT${CRLF}`, true);
  return { marker, steps, early: r.chance(0.1), vanishAt: r.chance(0.15) ? r.int(steps.length) : -1 };
}
