import type { z } from "zod";
import { describeValue, valueAt } from "./describe-value.js";
import { dotPath, type InputIssue } from "./issues.js";
import type { SourcedDocument } from "./parse-document.js";
import { keysAt } from "./schema-keys.js";
import type { Position } from "./source-map.js";
import { didYouMean, unitOfField } from "./suggest.js";

export type ValidateResult<T> = { ok: true; value: T } | { ok: false; issues: InputIssue[] };

type ZodIssue = z.core.$ZodIssue;

/**
 * Checks a (possibly merged and overridden) document against a zod schema.
 * Every zod issue becomes an InputIssue at the line and column of the
 * offending node (a missing field: its parent's position; an unknown key: the
 * key itself, with a "did you mean" from the schema's keys).
 */
export function validateDocument<T>(doc: SourcedDocument, schema: z.ZodType<T>): ValidateResult<T> {
  const r = schema.safeParse(doc.value);
  if (r.success) return { ok: true, value: r.data };
  const issues = r.error.issues.flatMap((i) => toInputIssues(i, doc, schema));
  issues.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
  return { ok: false, issues };
}

function toInputIssues(issue: ZodIssue, doc: SourcedDocument, schema: z.ZodType): InputIssue[] {
  const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
  const pos = (p: Position | undefined): Position => p ?? { file: doc.file, line: 0, column: 0 };
  if (issue.code === "unrecognized_keys") {
    const known = keysAt(schema, path, doc.value);
    return issue.keys.map((key) => {
      const found = `'${key}'`;
      const expected = known.length ? `one of the fields ${known.join(", ")}` : "no extra fields";
      return {
        ...pos(doc.sources.keyAt([...path, key])),
        path: dotPath([...path, key]),
        expected: "a known field",
        found,
        message: `unknown field ${found}${didYouMean(key, known) || `; expected ${expected}`}`,
        code: "unknown-field",
      };
    });
  }
  const found = describeValue(valueAt(doc.value, path));
  const field = String(path[path.length - 1] ?? "");
  const expected = expectedOf(issue, field);
  let message: string;
  if (issue.code === "custom") message = issue.message;
  else if (expected !== undefined) message = `expected ${expected}, found ${found}`;
  else message = `${issue.message} (found ${found})`;
  const value = valueAt(doc.value, path);
  if (issue.code === "invalid_value" && typeof value === "string") {
    message += didYouMean(value, issue.values.map(String), false);
  }
  if (issue.code === "invalid_union" && typeof value === "string" && "options" in issue) {
    message += didYouMean(value, (issue.options as unknown[]).map(String), false);
  }
  return [
    {
      ...pos(doc.sources.valueAt(path)),
      path: dotPath(path),
      ...(expected !== undefined ? { expected } : {}),
      found,
      message,
    },
  ];
}

function expectedOf(issue: ZodIssue, field: string): string | undefined {
  const unit = unitOfField(field);
  const inUnit = unit ? ` (in ${unit}, as the field name says)` : "";
  switch (issue.code) {
    case "invalid_type": {
      const e = issue.expected;
      if (e === "number") return `a finite number${inUnit}`;
      if (e === "int") return "a whole number";
      if (e === "object") return "a mapping";
      if (e === "array") return "a list";
      return `a ${e}`;
    }
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const bound = small ? issue.minimum : issue.maximum;
      const op = small ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
      if (issue.origin === "array") return `${small ? "at least" : "at most"} ${bound} items`;
      if (issue.origin === "string") return small ? `at least ${bound} characters` : `at most ${bound} characters`;
      return `a number ${op} ${Number(bound).toLocaleString("en-US")}${inUnit}`;
    }
    case "invalid_value":
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_union":
      if ("options" in issue && Array.isArray(issue.options)) {
        return `one of ${(issue.options as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
      }
      return undefined;
    default:
      return undefined;
  }
}
