import { setSyntaxError } from "../input/apply-sets.js";
import { capWorkers } from "../sweep/pool.js";
import { UsageError } from "./errors.js";

export { MAX_SEEDS, MAX_STEPS } from "../scenario/limits.js";

/**
 * Commander collector for the repeatable `--set path=value` option. A value
 * without '=' after a path is a usage error (exit 2), raised while options
 * are parsed, before any file is read.
 */
export function collect(value: string, previous: string[]): string[] {
  const error = setSyntaxError(value);
  if (error) throw new UsageError(`--set ${value}: ${error}`);
  return [...previous, value];
}

/** Parses a positive integer option or throws a usage error naming it. */
export function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name}: expected a positive integer, found '${text}'`);
  return n;
}

/** Parses a positive integer option of at most `max` (a usage error naming the option and the bound otherwise). */
export function boundedInt(name: string, text: string, max: number, what: string): number {
  const n = positiveInt(name, text);
  if (n > max) {
    throw new UsageError(`${name}: at most ${max.toLocaleString("en-US")} ${what}, found '${text}'`);
  }
  return n;
}

/**
 * Parses a worker-thread option (`--workers`, `--threads`): a positive
 * integer, capped at the machine's available parallelism with a note on
 * stderr (more threads than cores only cost memory).
 */
export function workersOption(name: string, text: string): number {
  return capWorkers(positiveInt(name, text), name);
}
