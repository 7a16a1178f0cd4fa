import { dirname, resolve } from "node:path";
import { InputError, type InputIssue } from "../input/issues.js";
import { loadSourcedDocument } from "../input/load-document.js";
import type { SourcedDocument } from "../input/parse-document.js";
import { type AnyScenario, loadAnyScenario, shortPath } from "../scenario/load-scenario.js";
import { metricColumns } from "../scenario/metric-columns.js";
import { servingMetricColumns } from "../scenario/serving-metric-columns.js";
import { ClaimInputError } from "./claim-error.js";
import { CLAIM_METRICS, type ClaimSpec, ClaimSpecSchema, RELATIVE_METRICS } from "./claim-spec.js";

/** A validated claim with its scenario resolved and loaded (the baseline, at the scenario's own size). */
export interface LoadedClaim {
  /** The claim file as given. */
  file: string;
  spec: ClaimSpec;
  /** Scenario path (resolved against the claim file's folder). */
  scenarioPath: string;
  /** The scenario as written: training or serving. */
  scenario: AnyScenario;
  /**
   * Evaluate at the scenario's own size, without resizing to targetCards
   * (in-memory claims of `run --solve`, whose probes may change the size).
   */
  atScenarioSize?: boolean;
}

/**
 * Reads and validates a claim file, loads its scenario, and loads the
 * scenario once per variant (and with the reference's overrides) so a variant
 * that overrides a field that does not exist (or sets a wrong value) is
 * reported with the loader's message and "did you mean", before anything runs.
 * Throws ClaimInputError (exit 2) with every issue found.
 */
export function loadClaim(file: string): LoadedClaim {
  let doc: SourcedDocument;
  let spec: ClaimSpec;
  try {
    ({ value: spec, doc } = loadSourcedDocument(file, ClaimSpecSchema));
  } catch (err) {
    if (err instanceof InputError) throw new ClaimInputError(err.issues);
    throw err;
  }
  const scenarioPath = shortPath(resolve(dirname(file), spec.scenario));
  const at = (path: (string | number)[]) => {
    const p = doc.sources.valueAt(path);
    return { file, line: p?.line ?? 0, column: p?.column ?? 0 };
  };
  let scenario: AnyScenario;
  try {
    scenario = loadAnyScenario(scenarioPath);
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
  const metric = spec.bound.metric;
  const reported = scenario.kind === "serving" ? servingMetricColumns() : metricColumns();
  if (!RELATIVE_METRICS.includes(metric) && !reported.includes(metric)) {
    issues.push({
      ...at(["bound", "metric"]),
      path: "bound.metric",
      message: `expected a metric that ${scenario.kind} runs report (${[...RELATIVE_METRICS, ...reported.filter((m) => (CLAIM_METRICS as readonly string[]).includes(m))].join(", ")}), found '${metric}' (the scenario is a ${scenario.kind} scenario)`,
    });
  }
  /** Loads the scenario with `before` then `sets`; issues of `sets` point at base.field[i]. */
  const check = (
    sets: readonly string[],
    base: (string | number)[],
    what: string,
    before: readonly string[] = [],
    field = "set",
  ) => {
    try {
      loadAnyScenario(scenarioPath, [...before, ...sets]);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      for (const issue of err.issues) {
        const setIndex = sets.findIndex((s) => issue.file === `--set ${s}`);
        const path = setIndex >= 0 ? [...base, field, setIndex] : [...base, field];
        const where = issue.line > 0 ? ` (${issue.file}:${issue.line}:${issue.column})` : "";
        issues.push({
          ...at(path),
          path: path.join("."),
          message: `${what}: ${issue.path ? `${issue.path}: ` : ""}${issue.message}${where}`,
          ...(issue.code !== undefined ? { code: issue.code } : {}),
        });
      }
    }
  };
  spec.variants.forEach((v, i) => {
    check(v.set, ["variants", i], `variant '${v.name}'`);
    if (v.referenceSet.length > 0) {
      check(
        v.referenceSet,
        ["variants", i],
        `variant '${v.name}' (reference run)`,
        [...v.set, ...(spec.reference?.set ?? [])],
        "referenceSet",
      );
    }
  });
  if (spec.reference) check(spec.reference.set, ["reference"], `reference '${spec.reference.name}'`);
  if (issues.length > 0) throw new ClaimInputError(issues);
  return { file, spec, scenarioPath, scenario };
}
