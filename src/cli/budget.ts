import { UsageError, UserError } from "./errors.js";

/**
 * Exit code of a run or sweep stopped by its `--max-seconds` budget: what it
 * finished is printed or kept, the rest was not run (as timeout(1)).
 */
export const BUDGET_EXIT = 124;

/** Longest `--max-seconds` accepted: 30 days, longer than any batch-queue limit. */
export const MAX_BUDGET_S = 30 * 24 * 3600;

/** A wall-clock budget started when the option is parsed. */
export interface Budget {
  readonly seconds: number;
  /** True once the budget is spent. */
  spent(): boolean;
}

/** Parses `--max-seconds`: a positive number of seconds up to MAX_BUDGET_S (a usage error otherwise). */
export function budgetOption(
  text: string | undefined,
  now: () => number = () => performance.now(),
): Budget | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!(Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_BUDGET_S)) {
    throw new UsageError(
      `--max-seconds: expected a positive number of seconds up to ${MAX_BUDGET_S.toLocaleString("en-US")} (30 days), found '${text}'`,
    );
  }
  const endMs = now() + seconds * 1000;
  return { seconds, spent: () => now() >= endMs };
}

/** The error that ends a budget-stopped command after its partial output (exit BUDGET_EXIT). */
export function budgetReached(what: string): UserError {
  return new UserError(what, BUDGET_EXIT);
}
