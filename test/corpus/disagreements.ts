// Every disagreement left between the engine and mailparser on the
// SpamAssassin corpus (compared as docs/corpus.md says), each with its class.
// A class says which side is right, by which rule, and which test pins the
// engine's behaviour (test/corpus/disagreement-classes.test.ts). The
// differential test fails on a disagreement missing here, and on one listed
// here that no longer happens (the list must not go stale).

export type Side = 'engine' | 'mailparser' | 'neither (the input breaks the grammar)';

export interface DisagreementClass {
  right: Side;
  reason: string;
}

export const CLASSES = {
  'latin1-c1': {
    right: 'engine',
    reason:
      'An encoded-word labelled iso-8859-1 with a byte in 0x80-0x9F (=99). ISO-8859-1 maps those bytes to the C1 controls ' +
      '(U+0099), which is what the engine gives; libmime reads the label as windows-1252, as the WHATWG Encoding Standard ' +
      'does for web content, and gives U+2122 (TM). RFC 2047 names the charset by its IANA registration, so the engine is ' +
      'right to the letter; mailparser guesses what the sender meant. Kept: a script that wants windows-1252 can map U+0080-U+009F.',
  },
  'empty-angle-address': {
    right: 'neither (the input breaks the grammar)',
    reason:
      '`"" <>` or `Brokers<>`: an angle-addr must hold an addr-spec (RFC 5322 §3.4); `<>` is only the SMTP null reverse-path ' +
      '(RFC 5321 §4.5.5), not a mailbox. mailparser reports a mailbox with an empty address, the engine reports none: no ' +
      'address is there to return, and a script looping over addresses gets no empty string.',
  },
  'encoded-word-in-addr-spec': {
    right: 'engine',
    reason:
      '`=?iso-2022-jp?B?MTIx?=@example.org`: RFC 2047 §5 (3) says an encoded-word MUST NOT appear in any portion of an ' +
      'addr-spec, so it is not one there and the address is the text as written, which the engine returns. mailparser ' +
      'decodes it (121@...), or drops the address when the decoded text has an "@" in it.',
  },
  'space-in-local-part': {
    right: 'neither (the input breaks the grammar)',
    reason:
      '`<Undisclosed Recipients@example.com>`: two words before "@" with no dot is no local-part, not even an obsolete one ' +
      '(RFC 5322 §4.4). The engine drops the white space (UndisclosedRecipients@...), mailparser drops the first word ' +
      '(Recipients@...). Neither address exists; the engine at least keeps every character the sender wrote.',
  },
  'group-inside-angle-brackets': {
    right: 'neither (the input breaks the grammar)',
    reason:
      '`<Undisclosed-Recipient:;>`: group syntax inside an angle-addr. The engine returns the bracketed text as the address, ' +
      'mailparser an empty address. There is no mailbox either way.',
  },
  'quoted-string-in-domain': {
    right: 'neither (the input breaks the grammar)',
    reason:
      '`jmrendle@loyno."edu\\]"`: a domain is a dot-atom or a domain-literal, never a quoted-string (RFC 5322 §3.4.1, §4.4). ' +
      'The engine keeps it as written (loyno."edu\\]"), mailparser cuts it (loyno.).',
  },
  'no-at-sign': {
    right: 'neither (the input breaks the grammar)',
    reason:
      '`To: Deal Shopper` or `To: sec2901ole`: no addr-spec at all. mailparser takes the words for a display name with an ' +
      'empty address; the engine takes them for the address, its white space dropped (DealShopper), as it reads a bare ' +
      'local name that an MTA would qualify with its own domain.',
  },
} satisfies Record<string, DisagreementClass>;

export type ClassName = keyof typeof CLASSES;

/** "Subject" compares msg:header values; "address To" compares msg:address_header addresses. */
export type Compared = string;

/** [message id, what is compared, class], over the whole corpus. */
export const DISAGREEMENTS: readonly (readonly [string, Compared, ClassName])[] = [
  ["hard-ham-1/00149", "Subject", "latin1-c1"],
  ["hard-ham-1/00199", "address To", "group-inside-angle-brackets"],
  ["spam-1/00089", "address To", "empty-angle-address"],
  ["spam-1/00230", "address To", "empty-angle-address"],
  ["spam-1/00263", "address From", "encoded-word-in-addr-spec"],
  ["spam-1/00263", "address To", "encoded-word-in-addr-spec"],
  ["spam-1/00320", "address From", "encoded-word-in-addr-spec"],
  ["spam-1/00320", "address To", "encoded-word-in-addr-spec"],
  ["spam-1/00323", "address From", "encoded-word-in-addr-spec"],
  ["spam-1/00323", "address To", "encoded-word-in-addr-spec"],
  ["spam-1/00324", "address From", "encoded-word-in-addr-spec"],
  ["spam-1/00324", "address To", "encoded-word-in-addr-spec"],
  ["spam-2/00013", "address To", "space-in-local-part"],
  ["spam-2/00019", "address To", "space-in-local-part"],
  ["spam-2/00022", "address To", "space-in-local-part"],
  ["spam-2/00024", "address To", "space-in-local-part"],
  ["spam-2/00025", "address To", "space-in-local-part"],
  ["spam-2/00026", "address To", "space-in-local-part"],
  ["spam-2/00030", "address From", "empty-angle-address"],
  ["spam-2/00033", "address To", "space-in-local-part"],
  ["spam-2/00041", "address To", "space-in-local-part"],
  ["spam-2/00046", "address To", "space-in-local-part"],
  ["spam-2/00047", "address To", "space-in-local-part"],
  ["spam-2/00050", "address To", "space-in-local-part"],
  ["spam-2/00052", "address To", "space-in-local-part"],
  ["spam-2/00055", "address To", "space-in-local-part"],
  ["spam-2/00088", "address To", "space-in-local-part"],
  ["spam-2/00103", "address To", "space-in-local-part"],
  ["spam-2/00105", "address To", "space-in-local-part"],
  ["spam-2/00113", "address To", "space-in-local-part"],
  ["spam-2/00114", "address From", "empty-angle-address"],
  ["spam-2/00118", "address To", "space-in-local-part"],
  ["spam-2/00119", "address To", "space-in-local-part"],
  ["spam-2/00121", "address To", "space-in-local-part"],
  ["spam-2/00123", "address To", "space-in-local-part"],
  ["spam-2/00124", "address To", "space-in-local-part"],
  ["spam-2/00130", "address To", "space-in-local-part"],
  ["spam-2/00131", "address To", "space-in-local-part"],
  ["spam-2/00139", "address To", "space-in-local-part"],
  ["spam-2/00142", "address To", "space-in-local-part"],
  ["spam-2/00143", "address To", "space-in-local-part"],
  ["spam-2/00144", "address To", "space-in-local-part"],
  ["spam-2/00174", "address To", "empty-angle-address"],
  ["spam-2/00281", "address To", "empty-angle-address"],
  ["spam-2/00343", "address To", "quoted-string-in-domain"],
  ["spam-2/00344", "address To", "quoted-string-in-domain"],
  ["spam-2/00818", "address To", "no-at-sign"],
  ["spam-2/00934", "address To", "no-at-sign"],
  ["spam-2/01042", "address To", "empty-angle-address"],
];
