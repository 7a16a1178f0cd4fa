import { existsSync, realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { z } from "zod";
import { applySets } from "./apply-sets.js";
import { InputError, type InputIssue } from "./issues.js";
import { graftDocument, parseDocument, type SourcedDocument } from "./parse-document.js";
import { readInputFile } from "./read-file.js";
import { shortPath } from "./short-path.js";
import { validateDocument } from "./validate-document.js";

/**
 * The one input pipeline, for every file kind: read -> parse with positions
 * -> graft the files it references -> `--set` overrides -> validate. Every
 * problem is an InputIssue at its own file:line:column, thrown together as one
 * InputError. See docs/input.md.
 */

/** Reads and parses one file into a SourcedDocument; throws InputError on a read or syntax problem. */
export function readDocument(file: string): SourcedDocument {
  const read = readInputFile(file);
  if ("issue" in read) throw new InputError([read.issue]);
  const parsed = parseDocument(file, read.text);
  if (!parsed.ok) throw new InputError(parsed.issues);
  return parsed.doc;
}

/** One top-level field that may name another file to graft in its place. */
export interface GraftField {
  /** The field: a string value is a path relative to the referencing file; anything else stays inline. */
  field: string;
  /** What the referenced file holds, in messages ("a topology file"). */
  kind: string;
  /**
   * Top-level fields only a file of this kind has: a referenced mapping with
   * none of them is refused (described, never quoted). Empty: any mapping.
   */
  kindFields: readonly string[];
}

/** Which fields of a document hold referenced files, and how to tell their kinds. */
export interface GraftOptions {
  /** What the referencing file is, in messages ("path relative to the scenario file"). */
  referrer: string;
  fields: readonly GraftField[];
  /** The kind a tree looks like by its top-level fields (undefined when nothing says); names a wrong file. */
  kindOf?: (tree: unknown) => string | undefined;
}

export interface LoadOptions {
  /** `path=value` overrides (the command line's `--set`), applied to the grafted tree before validation. */
  sets?: readonly string[];
  /** A top-level field holding the document's own override list, applied before `sets`. */
  setsField?: string;
  /** Fields whose string values are other files, grafted into the tree before overrides and validation. */
  graft?: GraftOptions;
}

/**
 * The schema to validate against: fixed, or chosen from the grafted tree
 * (before overrides; e.g. a top-level key that tells two kinds apart).
 */
export type SchemaChoice<T> = z.ZodType<T> | ((tree: unknown) => z.ZodType<T>);

/**
 * Loads one input file: read, parse (YAML or JSON), graft the files named by
 * `graft` fields, apply the document's own overrides (`setsField`) then
 * `sets`, validate against `schema`. Returns the validated value; throws
 * InputError carrying every issue (graft problems together, then override
 * problems together, then validation problems together).
 */
export function loadDocument<T>(path: string, schema: SchemaChoice<T>, options: LoadOptions = {}): T {
  return loadSourcedDocument(path, schema, options).value;
}

/** loadDocument, also returning the document (its tree and positions) for messages the caller adds. */
export function loadSourcedDocument<T>(
  path: string,
  schema: SchemaChoice<T>,
  options: LoadOptions = {},
): { value: T; doc: SourcedDocument } {
  const doc = readDocument(path);
  if (options.graft) graftReferences(doc, path, options.graft);
  const chosen = typeof schema === "function" ? schema(doc.value) : schema;
  const sets = [...ownSets(doc.value, options.setsField), ...(options.sets ?? [])];
  const setIssues = applySets(doc, sets, chosen);
  if (setIssues.length > 0) throw new InputError(setIssues);
  const result = validateDocument(doc, chosen);
  if (!result.ok) throw new InputError(result.issues);
  return { value: result.value, doc };
}

/** The strings of a top-level list field (none when absent or not a list). */
function ownSets(root: unknown, field: string | undefined): string[] {
  if (field === undefined || !root || typeof root !== "object") return [];
  const own = (root as Record<string, unknown>)[field];
  return Array.isArray(own) ? own.filter((x): x is string => typeof x === "string") : [];
}

/**
 * Replaces each graft field holding a string by the tree of the file it
 * names (relative to `path`), keeping that file's positions. A missing file,
 * a reference cycle, a file that does not read or parse, or a file of another
 * kind is an issue at the field; the referenced file's bytes are never
 * quoted (it may be anything on the machine: `topology: /etc/passwd`).
 */
function graftReferences(doc: SourcedDocument, path: string, graft: GraftOptions): void {
  const root = doc.value;
  if (!root || typeof root !== "object" || Array.isArray(root)) return;
  const issues: InputIssue[] = [];
  for (const { field, kind, kindFields } of graft.fields) {
    const ref = (root as Record<string, unknown>)[field];
    if (typeof ref !== "string") continue;
    // Shown (and read) relative to the working directory when below it: messages show no machine paths.
    const target = shortPath(resolve(dirname(path), ref));
    const pos = doc.sources.valueAt([field]);
    const at = { file: path, line: pos?.line ?? 1, column: pos?.column ?? 1, path: field };
    const expected = `a ${kind} file (path relative to the ${graft.referrer} file) or an inline ${kind}`;
    if (!existsSync(target)) {
      const found = `'${ref}' (no such file: ${target})`;
      issues.push({ ...at, expected, found, message: `expected ${expected}, found ${found}` });
      continue;
    }
    const cycle = referenceCycle(path, target, graft.fields);
    if (cycle !== undefined) {
      const found = `a reference cycle: ${cycle.join(" → ")}`;
      issues.push({
        ...at,
        expected,
        found,
        message: `expected ${expected}, found '${ref}', which refers to itself through ${cycle.join(" → ")} (a reference cycle)`,
      });
      continue;
    }
    let child: SourcedDocument;
    try {
      child = readDocument(target);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      issues.push(...err.issues.map((i) => undisclosed(i, target, path)));
      continue;
    }
    const foreign = notOfKind(child.value, kind, kindFields, graft.kindOf);
    if (foreign !== undefined) {
      const found = `'${ref}', ${foreign} (contents not shown)`;
      issues.push({ ...at, expected: `a ${kind} file`, found, message: `expected a ${kind} file, found ${found}` });
      continue;
    }
    graftDocument(doc, [field], child);
  }
  if (issues.length > 0) throw new InputError(issues);
}

/**
 * Why a referenced file's tree is not of `kind` at all (not a mapping, or a
 * mapping with none of the kind's fields), described without its contents: a
 * message (or a sweep's CSV cell) must not copy the file's bytes. Undefined
 * when it looks like a file of that kind (its own errors are then reported in
 * full).
 */
function notOfKind(
  value: unknown,
  kind: string,
  kindFields: readonly string[],
  kindOf: GraftOptions["kindOf"],
): string | undefined {
  if (typeof value === "string") return "a text that is not a YAML mapping";
  if (Array.isArray(value)) return "a YAML list, not a mapping";
  if (!value || typeof value !== "object") return "a single YAML value, not a mapping";
  if (kindFields.length === 0 || kindFields.some((k) => k in value)) return undefined;
  const other = kindOf?.(value);
  return other !== undefined && other !== kind
    ? `which looks like a ${other} file, not a ${kind}`
    : `a YAML mapping with none of the ${kind} fields (${kindFields.join(", ")})`;
}

/**
 * A parse issue of a referenced file without the parser's detail (which may
 * quote the file's text); read problems (no such file, a directory, binary
 * data, too large) say nothing of the contents and are kept.
 */
function undisclosed(issue: InputIssue, target: string, referrer: string): InputIssue {
  if (!issue.message.startsWith("expected valid YAML")) return issue;
  const message = `expected valid YAML, found a syntax error (details not shown for a file referenced by ${referrer}; validate ${target} itself to see them)`;
  return { ...issue, expected: "valid YAML", found: "a syntax error", message };
}

/** How far `referenceCycle` follows references (a referenced file usually references nothing). */
const MAX_REFERENCE_DEPTH = 8;

/**
 * The chain of references from `file` through `target` back to a file
 * already on it (compared by real path, so links and `./` spellings count),
 * e.g. [a.yaml, b.yaml, a.yaml]; undefined when there is none. Files on the
 * way are followed through their own string-valued graft fields; a file that
 * does not read or parse ends the chain (its problem is reported when it is
 * loaded).
 */
function referenceCycle(file: string, target: string, fields: readonly GraftField[]): string[] | undefined {
  const real = (f: string): string | undefined => {
    try {
      return realpathSync(f);
    } catch {
      return undefined;
    }
  };
  const chain: { real: string; shown: string }[] = [];
  const first = real(file);
  if (first === undefined) return undefined;
  chain.push({ real: first, shown: file });
  const visit = (next: string, depth: number): string[] | undefined => {
    const r = real(next);
    if (r === undefined) return undefined;
    const back = chain.findIndex((c) => c.real === r);
    if (back >= 0) return [...chain.slice(back).map((c) => c.shown), next];
    if (depth >= MAX_REFERENCE_DEPTH) return undefined;
    let value: unknown;
    try {
      value = readDocument(next).value;
    } catch {
      return undefined;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
    chain.push({ real: r, shown: next });
    for (const { field } of fields) {
      const ref = (value as Record<string, unknown>)[field];
      if (typeof ref !== "string") continue;
      const found = visit(shortPath(resolve(dirname(next), ref)), depth + 1);
      if (found !== undefined) return found;
    }
    chain.pop();
    return undefined;
  };
  return visit(target, 1);
}
