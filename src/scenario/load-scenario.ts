import { existsSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { z } from "zod";
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
      const target = resolve(dirname(path), ref);
      const pos = doc.sources.valueAt([key]);
      if (!existsSync(target)) {
        issues.push({
          file: path,
          line: pos?.line ?? 1,
          column: pos?.column ?? 1,
          path: key,
          expected: `a ${key} file (path relative to the scenario file) or an inline ${key}`,
          found: `'${ref}' (no such file: ${shortPath(target)})`,
          message: `expected a ${key} file (path relative to the scenario file) or an inline ${key}, found '${ref}' (no such file: ${shortPath(target)})`,
        });
        continue;
      }
      try {
        graftDocument(doc, [key], readDocument(target));
      } catch (err) {
        if (err instanceof InputError) issues.push(...err.issues);
        else throw err;
      }
    }
  }
  if (issues.length > 0) throw new InputError(issues);
  return doc;
}

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
