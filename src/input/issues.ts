import { UserError } from "./user-error.js";

/**
 * One problem found in an input: where (file, 1-based line and column; line 0
 * when the value did not come from a file, e.g. a `--set`), which field (dot
 * path), and what was expected versus found.
 */
export interface InputIssue {
  file: string;
  line: number;
  column: number;
  /** Dot path of the field ("scaleOut.tiers.0.radix"); "" for the whole document. */
  path: string;
  expected?: string;
  found?: string;
  /** Full text after the path: usually "expected ..., found ..." plus a hint. */
  message: string;
  /** What kind of problem it is, for code that reacts to it (never parse `message`); absent for most issues. */
  code?: InputIssueCode;
}

/**
 * Machine-readable kinds of issue: "unknown-field" is a field the schema does
 * not have (an unknown key in a file, or a `--set` path to no such field).
 */
export type InputIssueCode = "unknown-field";

/** `file:line:column: field.path: message` (or `file: field.path: message` when line is 0). */
export function formatIssue(issue: InputIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Bad input: every issue, one per line. Exit code 1, printed without a stack trace. */
export class InputError extends UserError {
  override name = "InputError";
  constructor(readonly issues: InputIssue[]) {
    super(issues.map(formatIssue).join("\n"), 1);
  }
}

/** Dot path of a key path: ["scaleOut", "tiers", 0] -> "scaleOut.tiers.0". */
export function dotPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}
