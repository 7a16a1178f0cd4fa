import type { z } from "zod";
import { applySets } from "./apply-sets.js";
import { InputError } from "./issues.js";
import { parseDocument, type SourcedDocument } from "./parse-document.js";
import { readInputFile } from "./read-file.js";
import { validateDocument } from "./validate-document.js";

/** Reads and parses one file into a SourcedDocument; throws InputError on a read or syntax problem. */
export function readDocument(file: string): SourcedDocument {
  const read = readInputFile(file);
  if ("issue" in read) throw new InputError([read.issue]);
  const parsed = parseDocument(file, read.text);
  if (!parsed.ok) throw new InputError(parsed.issues);
  return parsed.doc;
}

/**
 * The one-call path for a single-file input: read, parse (YAML or JSON),
 * apply `--set` overrides, validate against `schema`. Returns the validated
 * value or throws InputError carrying every issue.
 */
export function loadInput<T>(path: string, schema: z.ZodType<T>, options: { sets?: readonly string[] } = {}): T {
  const doc = readDocument(path);
  const setIssues = applySets(doc, options.sets ?? [], schema);
  if (setIssues.length > 0) throw new InputError(setIssues);
  const result = validateDocument(doc, schema);
  if (!result.ok) throw new InputError(result.issues);
  return result.value;
}
