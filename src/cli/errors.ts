/**
 * The user-error classes (exit codes 1, 2 and 124), defined in
 * src/input/user-error.ts so modules below the CLI can raise them; re-exported
 * here for the CLI's own code.
 */
export { UsageError, UserError } from "../input/user-error.js";
