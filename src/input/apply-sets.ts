import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { describeValue } from "./describe-value.js";
import type { InputIssue } from "./issues.js";
import type { SourcedDocument } from "./parse-document.js";
import { isArrayAt, keysAt } from "./schema-keys.js";
import { didYouMean } from "./suggest.js";

/**
 * Applies `--set a.b.c=value` overrides to a document in place (before
 * validation, so the overridden tree gets the same checks and messages). The
 * value is parsed as a YAML scalar or flow collection (`400`, `true`,
 * `fat-tree`, `[4, 4, 8]`, `{ matmul: 0.7 }`). A path must exist in the
 * document, or be a field the schema allows (missing parent mappings are
 * created); anything else is an issue with a "did you mean". List items are
 * addressed by index (`scaleOut.tiers.0.radix=48`). Positions of overridden
 * values point at the `--set` itself (line 0).
 */
export function applySets(doc: SourcedDocument, sets: readonly string[], schema?: z.ZodType): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const set of sets) {
    const issue = applyOne(doc, set, schema);
    if (issue) issues.push(issue);
  }
  return issues;
}

/**
 * The shape check of one `path=value` override: a message when there is no
 * '=' after a non-empty path, else undefined. The CLI runs it on every
 * `--set` argument while parsing options, so a malformed `--set` is a usage
 * error (exit 2); in a file (a claim variant's or a sweep's `set:` list) it is
 * an input issue (exit 1) through applySets.
 */
export function setSyntaxError(set: string): string | undefined {
  return set.indexOf("=") > 0 ? undefined : `expected path=value, found ${JSON.stringify(set)}`;
}

function applyOne(doc: SourcedDocument, set: string, schema: z.ZodType | undefined): InputIssue | undefined {
  const where = { file: `--set ${set}`, line: 0, column: 0 };
  const eq = set.indexOf("=");
  const fail = (path: string, expected: string, found: string, hint = ""): InputIssue => ({
    ...where,
    path,
    expected,
    found,
    message: `expected ${expected}, found ${found}${hint}`,
  });
  if (eq <= 0) return fail("", "path=value", JSON.stringify(set));
  const pathText = set.slice(0, eq).trim();
  const valueText = set.slice(eq + 1);
  const segments = pathText.split(".");
  if (segments.some((s) => s === ""))
    return fail(pathText, "a dot path like scaleOut.nicGbps", JSON.stringify(pathText));
  if (valueText.trim() === "") return fail(pathText, "a value after '='", "nothing");
  let value: unknown;
  try {
    value = parseYaml(valueText, { version: "1.2" });
  } catch (err) {
    return fail(pathText, "a YAML value", `${JSON.stringify(valueText)} (${String(err).split("\n")[0]})`);
  }

  let container: unknown = doc.value;
  const done: (string | number)[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] ?? "";
    const last = i === segments.length - 1;
    const here = done.length ? done.join(".") : "the document";
    if (Array.isArray(container)) {
      const index = Number(seg);
      if (!/^\d+$/.test(seg) || index >= container.length) {
        return fail([...done, seg].join("."), `a list index 0..${container.length - 1} of ${here}`, `'${seg}'`);
      }
      if (last) {
        container[index] = value;
        record(doc, [...done, index], where);
        return undefined;
      }
      done.push(index);
      container = container[index];
      continue;
    }
    if (!container || typeof container !== "object") {
      return fail([...done, seg].join("."), `${here} to be a mapping`, describeValue(container));
    }
    const obj = container as Record<string, unknown>;
    const allowed = schema ? keysAt(schema, done, doc.value) : [];
    if (!Object.hasOwn(obj, seg) && !allowed.includes(seg)) {
      const candidates = new Set([...Object.keys(obj), ...allowed]);
      const issue = fail([...done, seg].join("."), `a field of ${here}`, `'${seg}'`, didYouMean(seg, candidates));
      return { ...issue, code: "unknown-field" };
    }
    if (last) {
      obj[seg] = value;
      record(doc, [...done, seg], where);
      return undefined;
    }
    if (obj[seg] === undefined) {
      obj[seg] = schema && isArrayAt(schema, [...done, seg], doc.value) ? [] : {};
      record(doc, [...done, seg], where);
    }
    done.push(seg);
    container = obj[seg];
  }
  return undefined;
}

function record(
  doc: SourcedDocument,
  path: (string | number)[],
  where: { file: string; line: number; column: number },
) {
  doc.sources.deleteBelow(path);
  doc.sources.set(path, where, where);
}
