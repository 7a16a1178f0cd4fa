/**
 * Generic input loading shared by every file kind (topology, scenario, model,
 * claim, sweep): read -> parse with positions -> graft -> --set -> validate.
 * See docs/input.md.
 */
export { applySets } from "./apply-sets.js";
export { checkShape } from "./check-shape.js";
export { dotPath, formatIssue, InputError, type InputIssue, type InputIssueCode } from "./issues.js";
export {
  type GraftField,
  type GraftOptions,
  type LoadOptions,
  loadDocument,
  loadSourcedDocument,
  readDocument,
  type SchemaChoice,
} from "./load-document.js";
export { loadInput } from "./load-input.js";
export { graftDocument, type ParseResult, parseDocument, type SourcedDocument } from "./parse-document.js";
export { readInputFile } from "./read-file.js";
export { keysAt } from "./schema-keys.js";
export { shortPath } from "./short-path.js";
export { type Position, SourceMap, type TreePath } from "./source-map.js";
export { closest, didYouMean, editDistance } from "./suggest.js";
export { UsageError, UserError } from "./user-error.js";
export { type ValidateResult, validateDocument } from "./validate-document.js";
