// The Received trace header an SMTP server adds to each message it accepts
// (RFC 5321 section 4.4), as raw bytes to put in front of the message.

export interface ReceivedFacts {
  helo: string;
  /** The client's reverse name, or its address as an [ip] literal. */
  clientHostname: string;
  remoteAddr: string;
  hostname: string;
  /** ESMTP, SMTP, ESMTPA, ... */
  protocol: string;
  id: string;
  date?: Date;
}

/** An RFC 5322 date-time in UTC: "Tue, 15 Nov 1994 08:12:31 +0000". */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

export function receivedHeader(f: ReceivedFacts): Buffer {
  const client = f.clientHostname && f.clientHostname !== `[${f.remoteAddr}]` ? `${f.clientHostname} [${f.remoteAddr}]` : `[${f.remoteAddr}]`;
  const from = f.helo ? `from ${f.helo} (${client})` : `from ${client}`;
  return Buffer.from(`Received: ${from}\r\n\tby ${f.hostname} (scriptlet) with ${f.protocol || 'SMTP'} id ${f.id};\r\n\t${rfc5322Date(f.date ?? new Date())}\r\n`, 'latin1');
}
