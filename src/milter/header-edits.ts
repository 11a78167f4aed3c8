// A policy's header edits (msg:header with replace, prepend, append or "")
// as milter modification requests. The MTA finds a header by its name and
// its rank among the headers of that name (1 = the first), counted over the
// header as it stands after the previous requests, so the edits are played
// on a copy of the header's names to give each request the rank it needs:
//
//   append   SMFIR_ADDHEADER (after the last header)
//   prepend  SMFIR_INSHEADER at index 0 (before the first)
//   delete   SMFIR_CHGHEADER with an empty value, for every header of that
//            name, the last first (so the ranks of the others hold)
//   replace  delete, then append (as msg:header's replace does)

import type { HeaderEdit } from '../engine/verdict.js';
import { addHeaderReply, changeHeaderReply, insertHeaderReply } from './replies.js';

export class HeaderModel {
  /** The header's names, lower-cased, in order. */
  readonly #names: string[];

  constructor(names: readonly string[]) {
    this.#names = names.map((n) => n.toLowerCase());
  }

  get names(): readonly string[] {
    return this.#names;
  }

  /**
   * The requests for one edit, applied to the model. leadingSpace: the MTA
   * keeps a header value's leading space as given (SMFIP_HDR_LEADSPC), so
   * the space after the colon is ours to send.
   */
  apply(edit: HeaderEdit, leadingSpace: boolean): Buffer[] {
    const lower = edit.name.toLowerCase();
    const value = (leadingSpace ? ' ' : '') + edit.value.replace(/\r\n/g, '\n');
    const out: Buffer[] = [];
    if (edit.op === 'delete' || edit.op === 'replace') {
      const count = this.#names.filter((n) => n === lower).length;
      for (let k = count; k >= 1; k--) out.push(changeHeaderReply(k, edit.name, ''));
      for (let i = this.#names.length - 1; i >= 0; i--) if (this.#names[i] === lower) this.#names.splice(i, 1);
    }
    if (edit.op === 'append' || edit.op === 'replace') {
      out.push(addHeaderReply(edit.name, value));
      this.#names.push(lower);
    } else if (edit.op === 'prepend') {
      out.push(insertHeaderReply(0, edit.name, value));
      this.#names.unshift(lower);
    }
    return out;
  }
}
