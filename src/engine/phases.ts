// The phases of an SMTP transaction a policy can act in, named by their
// callout without the `validate_` prefix. The order is the native index.

export const PHASES = [
  'connect',
  'ehlo',
  'mailfrom',
  'rcptto',
  'data',
  'data_spool',
  'data_spool_each_rcpt',
  'set_binding',
] as const;

export type Phase = (typeof PHASES)[number];

const INDEX = new Map<string, number>(PHASES.map((p, i) => [p, i]));

/** The native index of a phase name, or undefined for an unknown name. */
export function phaseIndex(phase: string): number | undefined {
  return INDEX.get(phase);
}

export function calloutOf(phase: Phase): string {
  return `validate_${phase}`;
}
