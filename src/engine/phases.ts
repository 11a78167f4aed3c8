// The phases of an SMTP transaction a policy can act in, named by their
// callout without the `validate_` prefix; Momentum's core hooks a script may
// define (`core_final_validation`, ...) have no such prefix, and their phase
// is their callout's own name. The order is the native index
// (native/call_context.hpp).

export const PHASES = [
  'connect',
  'ehlo',
  'mailfrom',
  'rcptto',
  'data',
  'data_spool',
  'data_spool_each_rcpt',
  'set_binding',
  'core_final_validation',
  'core_pre_msg_each_rcpt',
  'core_post_msg_each_rcpt',
  'core_log_delivery_v1',
  'core_log_permanent_failure_v1',
  'core_log_transient_failure_v1',
  // Not an SMTP phase: a msys.registerAuth scheme checking AUTH (src/server/lua-auth.ts).
  'auth',
] as const;

export type Phase = (typeof PHASES)[number];

/**
 * The phases that run on one recipient's own copy of the message, as in
 * Momentum, where the message is split per recipient after data_spool: each
 * recipient's calls of these see and change their own message context
 * (a key set in data_spool_each_rcpt is the one validate_set_binding reads
 * for that recipient), starting from the context data_spool left. The
 * connection context stays shared.
 */
export const RECIPIENT_COPY_PHASES: ReadonlySet<Phase> = new Set<Phase>(['core_pre_msg_each_rcpt', 'data_spool_each_rcpt', 'core_post_msg_each_rcpt', 'set_binding']);

/** The phases a host calls after delivery (the Haraka plugin: delivered, bounce, deferred). */
export const DELIVERY_LOG_PHASES = ['core_log_delivery_v1', 'core_log_permanent_failure_v1', 'core_log_transient_failure_v1'] as const;
export type DeliveryLogPhase = (typeof DELIVERY_LOG_PHASES)[number];

const INDEX = new Map<string, number>(PHASES.map((p, i) => [p, i]));

/** The native index of a phase name, or undefined for an unknown name. */
export function phaseIndex(phase: string): number | undefined {
  return INDEX.get(phase);
}

export function calloutOf(phase: Phase): string {
  return phase.startsWith('core_') ? phase : `validate_${phase}`;
}
