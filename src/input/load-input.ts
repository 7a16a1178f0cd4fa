import type { z } from "zod";
import { loadDocument } from "./load-document.js";

export { readDocument } from "./load-document.js";

/**
 * The single-file form of loadDocument (no grafts): read, parse, apply
 * `--set` overrides, validate against `schema`. Kept for its callers; new
 * code calls loadDocument.
 */
export function loadInput<T>(path: string, schema: z.ZodType<T>, options: { sets?: readonly string[] } = {}): T {
  return loadDocument(path, schema, options.sets ? { sets: options.sets } : {});
}
