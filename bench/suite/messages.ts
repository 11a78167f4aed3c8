// The generated messages of the benchmark: deterministic (a seeded PRNG, so
// every run and every machine measures the same bytes), 7-bit like most mail
// on the wire, with what makes real headers costly to read: a Received
// chain, folded lines, RFC 2047 encoded-words (Q and B, UTF-8 and Latin-1,
// one split over a fold) and a MIME body (text, HTML with links, and a
// base64 attachment that fills the message to its size).

import * as fs from 'node:fs';
import * as path from 'node:path';

export const SIZES = { '2k': 2 * 1024, '20k': 20 * 1024, '200k': 200 * 1024 } as const;
export type SizeName = keyof typeof SIZES;
export const SIZE_NAMES = Object.keys(SIZES) as SizeName[];

/** mulberry32: small, fast, and the same sequence everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ('the quarterly report revenue region figures meeting agenda invoice attached please review ' +
  'offer free click winner money update account schedule project budget team notes').split(' ');

function words(rand: () => number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  return out.join(' ');
}

function received(rand: () => number, hop: number): string {
  const ip = `198.51.100.${1 + Math.floor(rand() * 250)}`;
  return (
    `Received: from relay${hop}.example.net (relay${hop}.example.net [${ip}])\r\n` +
    `\tby mx${hop + 1}.example.com (Postfix) with ESMTPS id ${Math.floor(rand() * 1e10).toString(36).toUpperCase()}\r\n` +
    `\t(version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256);\r\n` +
    `\tTue, 24 Nov 2026 10:${String(15 + hop).padStart(2, '0')}:0${hop % 10} +0000 (UTC)\r\n`
  );
}

function header(rand: () => number, boundary: string, hops: number): string {
  let h = 'Return-Path: <alice@example.net>\r\n';
  for (let hop = 0; hop < hops; hop++) h += received(rand, hop);
  h +=
    'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net; s=sel1;\r\n' +
    '\th=from:to:subject:date:message-id; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n' +
    `\tb=${Buffer.from(words(rand, 12)).toString('base64')}\r\n` +
    'From: =?UTF-8?B?QWxpY2Ugw4l4YW1wbGU=?= <alice@example.net>\r\n' +
    'To: Bob <bob@example.com>, =?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.com>,\r\n' +
    '\tCarol <carol@example.com>\r\n' +
    'Cc: team@example.com\r\n' +
    'Reply-To: alice@example.net\r\n' +
    'Subject: =?UTF-8?Q?Quarterly_report_=E2=80=93_draft?=\r\n =?UTF-8?Q?_for_review=21?=\r\n' +
    'Date: Tue, 24 Nov 2026 10:15:00 +0000\r\n' +
    'Message-ID: <20261124101500.4XyZ1b2c3d@example.net>\r\n' +
    'In-Reply-To: <20261120090000.1aB@example.com>\r\n' +
    'References: <20261118080000.9zY@example.com>\r\n\t<20261120090000.1aB@example.com>\r\n' +
    'MIME-Version: 1.0\r\n' +
    `Content-Type: multipart/mixed;\r\n\tboundary="${boundary}"\r\n` +
    'X-Mailer: Example Mail 4.2\r\n' +
    'List-Id: Team notes <team.example.com>\r\n' +
    'Precedence: list\r\n' +
    'X-Spam-Status: No, score=1.2 required=5.0\r\n';
  return h + '\r\n';
}

function textPart(rand: () => number, boundary: string, lines: number): string {
  let text = '';
  for (let i = 0; i < lines; i++) text += `${words(rand, 7)} =E2=80=93 ${words(rand, 2)}\r\n`; // QP lines stay under 76
  return `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${text}\r\n`;
}

function htmlPart(rand: () => number, boundary: string, paragraphs: number): string {
  let html = '<html><body>\r\n';
  for (let i = 0; i < paragraphs; i++) {
    html += `<p>${words(rand, 9)} <a href="https://example.com/r/${i}">CLICK HERE</a> FREE OFFER ${words(rand, 4)}</p>\r\n`;
  }
  return `--${boundary}\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n${html}</body></html>\r\n`;
}

/** A base64 attachment of about `bytes` bytes on the wire, lines of 76. */
function attachmentPart(rand: () => number, boundary: string, bytes: number): string {
  const head = `--${boundary}\r\nContent-Type: application/pdf; name="report.pdf"\r\nContent-Transfer-Encoding: base64\r\n` +
    'Content-Disposition: attachment;\r\n\tfilename="report.pdf"\r\n\r\n';
  const raw = Buffer.alloc(Math.max(0, Math.floor(((bytes - head.length) * 57) / 78)));
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(rand() * 256);
  const b64 = raw.toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 76) body += b64.slice(i, i + 76) + '\r\n';
  return head + body;
}

/** The message of this size, the same bytes on every run. */
export function generateMessage(size: SizeName): Buffer {
  const rand = prng(0x5c817 + SIZES[size]);
  const boundary = `=_part_${Math.floor(rand() * 1e9).toString(36)}`;
  const small = size === '2k'; // a short note: fewer hops, no attachment
  const start = header(rand, boundary, small ? 3 : 5) + textPart(rand, boundary, small ? 3 : 8) + htmlPart(rand, boundary, small ? 2 : 6);
  const end = `--${boundary}--\r\n`;
  const room = SIZES[size] - start.length - end.length;
  return Buffer.from(start + (room > 200 ? attachmentPart(rand, boundary, room) : '') + end, 'latin1');
}

/** Writes bench/messages/gen-<size>.eml (the C driver reads a file) and returns its path. */
export function messageFile(size: SizeName): string {
  const file = path.join('bench', 'messages', `gen-${size}.eml`);
  const bytes = generateMessage(size);
  if (!fs.existsSync(file) || !fs.readFileSync(file).equals(bytes)) fs.writeFileSync(file, bytes);
  return file;
}
