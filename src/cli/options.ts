import { UsageError } from "./errors.js";

/** Commander collector for repeatable options (`--set a=1 --set b=2`). */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses a positive integer option or throws a usage error naming it. */
export function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name}: expected a positive integer, found '${text}'`);
  return n;
}
