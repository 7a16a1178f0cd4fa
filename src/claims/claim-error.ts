import { formatIssue, type InputIssue } from "../input/issues.js";
import { UserError } from "../input/user-error.js";

/**
 * A bad claim file (or a bad scenario given to `check`): every issue at its
 * file:line:column. Exit code 2, as issue 7 specifies for `check` ("2 on bad
 * input"); other commands use 1 for bad input files (docs/claims.md says so).
 */
export class ClaimInputError extends UserError {
  override name = "ClaimInputError";
  constructor(readonly issues: InputIssue[]) {
    super(issues.map(formatIssue).join("\n"), 2);
  }
}
