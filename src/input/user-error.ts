/**
 * Errors meant for the user: printed as their message alone (no stack trace),
 * with an exit code: 1 for bad input files and impossible requests, 2 for
 * command-line usage errors, 124 for a run its `--max-seconds` budget cut
 * short (src/cli/budget.ts). They live here, below every module that raises
 * them (input, sweep, claims); src/cli/errors.ts re-exports them.
 */
export class UserError extends Error {
  override name = "UserError";
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 124 = 1,
  ) {
    super(message);
  }
}

/** A command-line usage error: exit code 2. */
export class UsageError extends UserError {
  override name = "UsageError";
  constructor(message: string) {
    super(message, 2);
  }
}
