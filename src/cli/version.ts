/** The package version helper, defined in src/version.ts (no CLI dependency); re-exported for the CLI. */
export { packageVersion } from "../version.js";
