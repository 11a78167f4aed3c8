// A message whose bytes the policy replaced (a MIME edit, msg:body_replace,
// msg:raw_replace) put, whole, in the place of the one Haraka received: its
// header parsed into a new Header, its lines into a new message stream, both
// of the running Haraka's own classes (reached through the instances it
// made, so that no Haraka module has to be resolvable from here).

/** What replaceMessage uses of Haraka's transaction. */
export interface ReplaceableTransaction {
  uuid: string;
  cfg?: unknown;
  header: { header_list: string[]; parse(lines: string[]): void };
  message_stream: { add_line(line: Buffer): void; add_line_end(cb: () => void): void; destroy?(): void };
}

const CRLF = Buffer.from('\r\n');
const DOT = Buffer.from('.');

/** The message's lines, each with its line end (CRLF added to a last line without one). */
function linesOf(message: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < message.length) {
    const lf = message.indexOf(0x0a, start);
    if (lf === -1) {
      lines.push(Buffer.concat([message.subarray(start), CRLF]));
      break;
    }
    lines.push(message.subarray(start, lf + 1));
    start = lf + 1;
  }
  return lines;
}

const isBlank = (line: Buffer): boolean => line.equals(CRLF) || (line.length === 1 && line[0] === 0x0a);

export async function replaceMessage(t: ReplaceableTransaction, message: Buffer): Promise<void> {
  const lines = linesOf(message);
  const blank = lines.findIndex(isBlank);
  const headerLines = (blank === -1 ? lines : lines.slice(0, blank)).map((l) => l.toString('utf8').replace(/\r\n$/, '\n'));
  const header = new (t.header.constructor as new () => ReplaceableTransaction['header'])();
  header.parse(headerLines);
  type Stream = ReplaceableTransaction['message_stream'];
  const stream = new (t.message_stream.constructor as new (cfg: unknown, id: string, headers: string[]) => Stream)(t.cfg, t.uuid, header.header_list);
  // Haraka keeps DATA's lines as they came, dot-stuffed, and a message without a blank line gets one (Transaction.end_data).
  for (const line of lines) stream.add_line(line[0] === 0x2e ? Buffer.concat([DOT, line]) : line);
  if (blank === -1) stream.add_line(CRLF);
  await new Promise<void>((resolve) => stream.add_line_end(resolve));
  const old = t.message_stream;
  t.header = header;
  t.message_stream = stream;
  old.destroy?.();
}
