// What each side makes of a message's headers: the engine (through the probe
// policy, as a script sees them) and mailparser (the reference). Both give,
// for each compared header, the list of its instances' decoded values in
// order, and for the address headers the list of addresses.
import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MailParser, simpleParser, type HeaderLines } from 'mailparser';
import { openPolicy, type Policy, type Verdict } from '../../src/index.js';

export const HEADERS = ['Subject', 'From', 'To', 'Received', 'Message-ID', 'Content-Type'] as const;
export const ADDRESS_HEADERS = ['From', 'To'] as const;
export type HeaderName = (typeof HEADERS)[number];

export interface HeaderView {
  /** Per header: the decoded value of each instance, in order. */
  values: Map<HeaderName, string[]>;
  /**
   * mailparser only: the same, from each field unfolded first as RFC 5322
   * says (see unfoldField); the engine's values are that already.
   */
  unfolded?: Map<HeaderName, string[]>;
  /** Per address header: every address of every instance, in order. */
  addresses: Map<HeaderName, string[]>;
}

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'probe.lua');

/** The probe policy (test/corpus/probe.lua) on the engine SCRIPTLET_ENGINE names. */
export function openProbe(): Policy {
  return openPolicy({ scripts: [{ name: 'probe', path: PROBE }] });
}

// The engine's bytes as text the way mailparser turns 8-bit header bytes
// into text (Buffer#toString: UTF-8, U+FFFD for what is not): the one
// normalisation of the engine side, which gives a script the raw bytes.
function hexList(entry: string | undefined, what: string, raw8bit: { count: number }): string[] {
  if (entry === undefined) throw new Error(`the probe did not report ${what}`);
  const colon = entry.indexOf(':');
  const count = Number(entry.slice(0, colon));
  const list = count === 0 ? [] : entry.slice(colon + 1).split(',');
  if (list.length !== count) throw new Error(`the probe's ${what} says ${count} values but has ${list.length}`);
  return list.map((h) => {
    const bytes = Buffer.from(h, 'hex');
    if (!isUtf8(bytes)) raw8bit.count++;
    return bytes.toString('utf8');
  });
}

/**
 * What the probe saw, from its verdict's message context; raw8bit counts
 * the values that were not UTF-8 (8-bit header bytes, given as they are).
 */
export function engineView(verdict: Verdict, raw8bit = { count: 0 }): HeaderView {
  if (verdict.errors.length > 0) throw new Error(`the probe failed: ${verdict.errors[0]!.message}`);
  const mess = verdict.context.mess;
  return {
    values: new Map(HEADERS.map((h) => [h, hexList(mess[`h:${h}`], `h:${h}`, raw8bit)])),
    addresses: new Map(ADDRESS_HEADERS.map((h) => [h, hexList(mess[`a:${h}`], `a:${h}`, raw8bit)])),
  };
}

// mailparser's own per-field routine (MailParser#processHeaders, internal
// but what builds `parsed.headers`) and its libmime instance: the reference
// values are computed exactly as mailparser computes them, one field at a
// time, so that every instance of a repeated header has its own value.
interface MailParserInternals {
  processHeaders(lines: HeaderLines): Map<string, unknown>;
  libmime: { decodeHeader(line: string): { value: string }; decodeWords(s: string): string };
}
const internals = new MailParser() as unknown as MailParserInternals;

/**
 * The decoded text of one field, as mailparser decodes unstructured text
 * (its Subject): unfolded and trimmed by libmime.decodeHeader, 8-bit bytes
 * read as UTF-8, then RFC 2047 words decoded by libmime.decodeWords.
 */
export function mailparserText(line: string): string {
  const value = internals.libmime.decodeHeader(line).value.trim();
  return internals.libmime.decodeWords(Buffer.from(value, 'binary').toString());
}

interface ParsedAddress {
  address?: string;
  group?: ParsedAddress[];
}

// Group members in place of their group, as msg:address_header lists them.
function flatten(list: ParsedAddress[]): string[] {
  return list.flatMap((a) => (a.group ? flatten(a.group) : [a.address ?? '']));
}

/** The addresses mailparser finds in one field (from, to: its address parser and decoder). */
function mailparserAddresses(line: { key: string; line: string }): string[] {
  const parsed = internals.processHeaders([line]).get(line.key) as { value: ParsedAddress[] } | undefined;
  return parsed ? flatten(parsed.value) : [];
}

/** What mailparser makes of the message's top-level header. */
export async function mailparserView(bytes: Buffer): Promise<HeaderView> {
  const parsed = await simpleParser(bytes, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  const lines = parsed.headerLines;
  const of = (h: HeaderName) => lines.filter((l) => l.key === h.toLowerCase());
  return {
    values: new Map(HEADERS.map((h) => [h, of(h).map((l) => mailparserText(l.line))])),
    unfolded: new Map(HEADERS.map((h) => [h, of(h).map((l) => mailparserText(unfoldField(l.line)))])),
    addresses: new Map(ADDRESS_HEADERS.map((h) => [h, of(h).flatMap(mailparserAddresses)])),
  };
}

/**
 * RFC 5322 §2.2.3 unfolding: the line breaks go, the white space after them
 * stays. libmime.decodeHeader instead turns a line break and all the white
 * space after it into one space; given an unfolded field it has nothing to
 * do, so mailparser's value then differs from the engine's only where their
 * decoding does.
 */
export function unfoldField(line: string): string {
  return line.replace(/\r?\n(?=[ \t])/g, '');
}
