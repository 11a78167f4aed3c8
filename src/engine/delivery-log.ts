// The delivery-log phases (core_log_delivery_v1, core_log_permanent_failure_v1,
// core_log_transient_failure_v1): a host that delivers calls them after each
// delivery attempt, as Momentum's core does. They decide nothing: the message
// has gone (or failed); a host acts on none of their verdict but the errors
// and logs. Their callouts get (msg, vctx); the outcome is in the message
// context, under the keys below, and %{vctx_mess:delivery_code} reads it.

import type { DeliveryLogPhase } from './phases.js';
import type { CallInput, Context } from './verdict.js';

export interface DeliveryFacts {
  /** The message's id (msg.id), as at reception. */
  id: string;
  mailfrom: string;
  /** The recipients this attempt was for. */
  rcptto: string[];
  /** The remote server's reply (or the MTA's own), when there was one. */
  code?: number;
  text?: string;
  /** The binding the message left through (what set_binding chose). */
  binding?: string;
  /** The message itself, when the host still has it at hand. */
  message?: Buffer;
  /** The contexts as reception left them, if the host kept them. */
  context?: { conn?: Context; mess?: Context };
}

/** Which phase reports an attempt: delivered, failed for good (bounce), or deferred. */
export function deliveryLogPhase(outcome: 'delivered' | 'bounced' | 'deferred'): DeliveryLogPhase {
  return outcome === 'delivered' ? 'core_log_delivery_v1' : outcome === 'bounced' ? 'core_log_permanent_failure_v1' : 'core_log_transient_failure_v1';
}

/** The call input of a delivery-log phase: the envelope, and the outcome in the message context. */
export function deliveryLogInput(f: DeliveryFacts): CallInput {
  const mess: Context = { ...f.context?.mess };
  if (f.code !== undefined) mess.delivery_code = String(f.code);
  if (f.text !== undefined) mess.delivery_text = f.text;
  if (f.binding !== undefined) mess.binding = f.binding;
  return {
    id: f.id,
    mailfrom: f.mailfrom,
    rcptto: [...f.rcptto],
    ...(f.message ? { message: f.message } : {}),
    context: { conn: { ...f.context?.conn }, mess },
  };
}
