import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { applySets } from "../input/apply-sets.js";
import { InputError, type InputIssue } from "../input/issues.js";
import { readDocument } from "../input/load-input.js";
import { graftDocument } from "../input/parse-document.js";
import { validateDocument } from "../input/validate-document.js";
import { type ScenarioSpec, ScenarioSpecSchema } from "./scenario-spec.js";

const REFERENCED = ["topology", "model"] as const;

/**
 * Loads a scenario file: grafts the topology and model files it references
 * (paths relative to the scenario file), applies `--set` overrides to the
 * merged tree, validates it, and throws InputError with every issue at its
 * own file:line:column.
 */
export function loadScenario(path: string, sets: readonly string[] = []): ScenarioSpec {
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
          found: `'${ref}' (no such file: ${target})`,
          message: `expected a ${key} file (path relative to the scenario file) or an inline ${key}, found '${ref}' (no such file: ${target})`,
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
  const own = root && typeof root === "object" ? (root as Record<string, unknown>).set : undefined;
  const fileSets = Array.isArray(own) ? own.filter((x): x is string => typeof x === "string") : [];
  const setIssues = applySets(doc, [...fileSets, ...sets], ScenarioSpecSchema);
  if (setIssues.length > 0) throw new InputError(setIssues);
  const result = validateDocument(doc, ScenarioSpecSchema);
  if (!result.ok) throw new InputError(result.issues);
  return result.value;
}
