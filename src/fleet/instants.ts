import { fleetProblems } from './fleet.problems.ts';

/** A date-time the schema accepted, as a Date; 400 for one JavaScript cannot hold (a leap second, 23:59:60). */
export function instant(value: string, field: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw fleetProblems.invalidInstant(field);
  return at;
}

/** A half-open window [from, to) of two optional date-times; 400 when both are given and it holds no instant. */
export function timeWindow(
  from: { name: string; value: string | undefined },
  to: { name: string; value: string | undefined },
): { from: Date | undefined; to: Date | undefined } {
  const start = from.value === undefined ? undefined : instant(from.value, from.name);
  const end = to.value === undefined ? undefined : instant(to.value, to.name);
  if (start && end && start >= end) throw fleetProblems.emptyWindow(from.name, to.name);
  return { from: start, to: end };
}
