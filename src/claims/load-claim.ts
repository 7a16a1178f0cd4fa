import { dirname, resolve } from "node:path";
import { InputError, type InputIssue } from "../input/issues.js";
import { readDocument } from "../input/load-input.js";
import { validateDocument } from "../input/validate-document.js";
import { loadScenario } from "../scenario/load-scenario.js";
import type { ScenarioSpec } from "../scenario/scenario-spec.js";
import { ClaimInputError } from "./claim-error.js";
import { type ClaimSpec, ClaimSpecSchema } from "./claim-spec.js";

/** A validated claim with its scenario resolved and loaded (the baseline, at the scenario's own size). */
export interface LoadedClaim {
  /** The claim file as given. */
  file: string;
  spec: ClaimSpec;
  /** Scenario path (resolved against the claim file's folder). */
  scenarioPath: string;
  scenario: ScenarioSpec;
}

/**
 * Reads and validates a claim file, loads its scenario, and loads the
 * scenario once per variant with the variant's overrides, so a variant that
 * overrides a field that does not exist (or sets a wrong value) is reported
 * with the loader's message and "did you mean", before anything runs.
 * Throws ClaimInputError (exit 2) with every issue found.
 */
export function loadClaim(file: string): LoadedClaim {
  let doc: ReturnType<typeof readDocument>;
  try {
    doc = readDocument(file);
  } catch (err) {
    if (err instanceof InputError) throw new ClaimInputError(err.issues);
    throw err;
  }
  const result = validateDocument(doc, ClaimSpecSchema);
  if (!result.ok) throw new ClaimInputError(result.issues);
  const spec = result.value;
  const scenarioPath = resolve(dirname(file), spec.scenario);
  const at = (path: (string | number)[]) => {
    const p = doc.sources.valueAt(path);
    return { file, line: p?.line ?? 0, column: p?.column ?? 0 };
  };
  let scenario: ScenarioSpec;
  try {
    scenario = loadScenario(scenarioPath);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new ClaimInputError([
      {
        ...at(["scenario"]),
        path: "scenario",
        message: `the scenario '${spec.scenario}' is not valid:\n  ${err.message.replaceAll("\n", "\n  ")}`,
      },
    ]);
  }
  const issues: InputIssue[] = [];
  spec.variants.forEach((v, i) => {
    try {
      loadScenario(scenarioPath, v.set);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      for (const issue of err.issues) {
        const setIndex = v.set.findIndex((s) => issue.file === `--set ${s}`);
        const path = setIndex >= 0 ? ["variants", i, "set", setIndex] : ["variants", i, "set"];
        const where = issue.line > 0 ? ` (${issue.file}:${issue.line}:${issue.column})` : "";
        issues.push({
          ...at(path),
          path: path.join("."),
          message: `variant '${v.name}': ${issue.path ? `${issue.path}: ` : ""}${issue.message}${where}`,
        });
      }
    }
  });
  if (issues.length > 0) throw new ClaimInputError(issues);
  return { file, spec, scenarioPath, scenario };
}
