import { existsSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { z } from "zod";
import { kindOf, MODEL_FIELDS, TOPOLOGY_FIELDS } from "../claims/input-files.js";
import { applySets } from "../input/apply-sets.js";
import { InputError, type InputIssue } from "../input/issues.js";
import { readDocument } from "../input/load-input.js";
import { graftDocument, type SourcedDocument } from "../input/parse-document.js";
import { validateDocument } from "../input/validate-document.js";
import { type ScenarioSpec, ScenarioSpecSchema } from "./scenario-spec.js";
import { type ServingScenarioSpec, ServingScenarioSpecSchema } from "./serving-scenario-spec.js";

const REFERENCED = ["topology", "model"] as const;

/** A loaded scenario of either kind. */
export type AnyScenario = { kind: "training"; spec: ScenarioSpec } | { kind: "serving"; spec: ServingScenarioSpec };

/** Whether a parsed scenario tree is a serving scenario (it has a `serving` key). */
export function isServingTree(root: unknown): boolean {
  return root !== null && typeof root === "object" && !Array.isArray(root) && "serving" in root;
}

/**
 * Loads a scenario file of either kind: grafts the topology and model files
 * it references (paths relative to the scenario file), applies `--set`
 * overrides to the merged tree, validates it against the training or the
 * serving schema (a `serving:` key chooses), and throws InputError with every
 * issue at its own file:line:column. A serving trace file path is resolved
 * against the scenario file's folder.
 */
export function loadAnyScenario(path: string, sets: readonly string[] = []): AnyScenario {
  const doc = readGrafted(path);
  if (isServingTree(doc.value)) {
    const spec = validated(doc, sets, ServingScenarioSpecSchema);
    const trace = spec.serving.traffic.traceFile;
    // Relative to the scenario file; kept relative to the working directory so messages show no machine paths.
    if (trace !== undefined && !isAbsolute(trace))
      spec.serving.traffic.traceFile = shortPath(resolve(dirname(path), trace));
    return { kind: "serving", spec };
  }
  return { kind: "training", spec: validated(doc, sets, ScenarioSpecSchema) };
}

/** A path as short as it can be said: relative to the working directory when below it, else absolute. */
export function shortPath(absolute: string): string {
  const r = relative(process.cwd(), absolute);
  return r === "" || r.startsWith("..") || isAbsolute(r) ? absolute : r;
}

/** Loads a training scenario; a serving scenario is an InputError naming what the caller expected. */
export function loadScenario(path: string, sets: readonly string[] = [], what = "this command"): ScenarioSpec {
  const s = loadAnyScenario(path, sets);
  if (s.kind === "training") return s.spec;
  throw new InputError([
    {
      file: path,
      line: 0,
      column: 0,
      path: "serving",
      expected: "a training scenario (with a parallel: plan)",
      found: "a serving scenario",
      message: `expected a training scenario (with a parallel: plan) for ${what}, found a serving scenario`,
    },
  ]);
}

/** Loads a serving scenario; a training scenario is an InputError. */
export function loadServingScenario(path: string, sets: readonly string[] = []): ServingScenarioSpec {
  const s = loadAnyScenario(path, sets);
  if (s.kind === "serving") return s.spec;
  throw new InputError([
    {
      file: path,
      line: 0,
      column: 0,
      path: "",
      expected: "a serving scenario (with a serving: block)",
      found: "a training scenario",
      message: "expected a serving scenario (with a serving: block), found a training scenario",
    },
  ]);
}

function readGrafted(path: string): SourcedDocument {
  const doc = readDocument(path);
  const root = doc.value;
  const issues: InputIssue[] = [];
  if (root && typeof root === "object" && !Array.isArray(root)) {
    for (const key of REFERENCED) {
      const ref = (root as Record<string, unknown>)[key];
      if (typeof ref !== "string") continue;
      // Shown (and read) relative to the working directory when below it: messages show no machine paths.
      const target = shortPath(resolve(dirname(path), ref));
      const pos = doc.sources.valueAt([key]);
      const at = { file: path, line: pos?.line ?? 1, column: pos?.column ?? 1, path: key };
      const expected = `a ${key} file (path relative to the scenario file) or an inline ${key}`;
      if (!existsSync(target)) {
        const found = `'${ref}' (no such file: ${target})`;
        issues.push({ ...at, expected, found, message: `expected ${expected}, found ${found}` });
        continue;
      }
      const cycle = referenceCycle(path, target);
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
      const foreign = notOfKind(child.value, key);
      if (foreign !== undefined) {
        const found = `'${ref}', ${foreign} (contents not shown)`;
        issues.push({ ...at, expected: `a ${key} file`, found, message: `expected a ${key} file, found ${found}` });
        continue;
      }
      graftDocument(doc, [key], child);
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return doc;
}

/** Top-level fields of each referenced kind (name and description are shared by every kind). */
const KIND_FIELDS: Record<(typeof REFERENCED)[number], readonly string[]> = {
  topology: TOPOLOGY_FIELDS,
  model: MODEL_FIELDS,
};

/**
 * Why a referenced file's tree is not of `kind` at all (not a mapping, or a
 * mapping with none of the kind's fields), described without its contents:
 * the file may be anything on the machine (`topology: /etc/passwd`), and a
 * message (or a sweep's CSV cell) must not copy its bytes. Undefined when it
 * looks like a file of that kind (its own errors are then reported in full).
 */
function notOfKind(value: unknown, kind: (typeof REFERENCED)[number]): string | undefined {
  if (typeof value === "string") return "a text that is not a YAML mapping";
  if (Array.isArray(value)) return "a YAML list, not a mapping";
  if (!value || typeof value !== "object") return "a single YAML value, not a mapping";
  if (KIND_FIELDS[kind].some((k) => k in value)) return undefined;
  const other = kindOf(value);
  return other !== undefined && other !== kind
    ? `which looks like a ${other} file, not a ${kind}`
    : `a YAML mapping with none of the ${kind} fields (${KIND_FIELDS[kind].join(", ")})`;
}

/**
 * A parse issue of a referenced file without the parser's detail (which may
 * quote the file's text); read problems (no such file, a directory, binary
 * data, too large) say nothing of the contents and are kept.
 */
function undisclosed(issue: InputIssue, target: string, scenario: string): InputIssue {
  if (!issue.message.startsWith("expected valid YAML")) return issue;
  const message = `expected valid YAML, found a syntax error (details not shown for a file referenced by ${scenario}; validate ${target} itself to see them)`;
  return { ...issue, expected: "valid YAML", found: "a syntax error", message };
}

/**
 * The chain of references from `scenario` through `target` back to a file
 * already on it (compared by real path, so links and `./` spellings count),
 * e.g. [a.yaml, b.yaml, a.yaml]; undefined when there is none. Files on the
 * way are followed through their own `topology:`/`model:` strings; a file
 * that does not read or parse ends the chain (its problem is reported when
 * it is loaded).
 */
function referenceCycle(scenario: string, target: string): string[] | undefined {
  const real = (f: string): string | undefined => {
    try {
      return realpathSync(f);
    } catch {
      return undefined;
    }
  };
  const chain: { real: string; shown: string }[] = [];
  const first = real(scenario);
  if (first === undefined) return undefined;
  chain.push({ real: first, shown: scenario });
  const visit = (file: string, depth: number): string[] | undefined => {
    const r = real(file);
    if (r === undefined) return undefined;
    const back = chain.findIndex((c) => c.real === r);
    if (back >= 0) return [...chain.slice(back).map((c) => c.shown), file];
    if (depth >= MAX_REFERENCE_DEPTH) return undefined;
    let value: unknown;
    try {
      value = readDocument(file).value;
    } catch {
      return undefined;
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
    chain.push({ real: r, shown: file });
    for (const key of REFERENCED) {
      const ref = (value as Record<string, unknown>)[key];
      if (typeof ref !== "string") continue;
      const found = visit(shortPath(resolve(dirname(file), ref)), depth + 1);
      if (found !== undefined) return found;
    }
    chain.pop();
    return undefined;
  };
  return visit(target, 1);
}

/** How far `referenceCycle` follows references (a topology or model file references nothing). */
const MAX_REFERENCE_DEPTH = 8;

function validated<T>(doc: SourcedDocument, sets: readonly string[], schema: z.ZodType<T>): T {
  const root = doc.value;
  const own = root && typeof root === "object" ? (root as Record<string, unknown>).set : undefined;
  const fileSets = Array.isArray(own) ? own.filter((x): x is string => typeof x === "string") : [];
  const setIssues = applySets(doc, [...fileSets, ...sets], schema);
  if (setIssues.length > 0) throw new InputError(setIssues);
  const result = validateDocument(doc, schema);
  if (!result.ok) throw new InputError(result.issues);
  return result.value;
}
