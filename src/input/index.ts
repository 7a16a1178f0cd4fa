/**
 * Generic input loading shared by every file kind (topology, scenario, model,
 * claim, sweep): read -> parse with positions -> merge -> --set -> validate.
 * See docs/input.md.
 */
export { applySets } from "./apply-sets.js";
export { dotPath, formatIssue, InputError, type InputIssue } from "./issues.js";
export { loadInput, readDocument } from "./load-input.js";
export { graftDocument, type ParseResult, parseDocument, type SourcedDocument } from "./parse-document.js";
export { readInputFile } from "./read-file.js";
export { keysAt } from "./schema-keys.js";
export { type Position, SourceMap, type TreePath } from "./source-map.js";
export { closest, didYouMean, editDistance } from "./suggest.js";
export { type ValidateResult, validateDocument } from "./validate-document.js";
