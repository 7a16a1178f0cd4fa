import { dirname, isAbsolute, resolve } from "node:path";
import { kindOf, MODEL_FIELDS, TOPOLOGY_FIELDS } from "../claims/input-files.js";
import { InputError } from "../input/issues.js";
import { type GraftOptions, loadDocument } from "../input/load-document.js";
import { shortPath } from "../input/short-path.js";
import { type ScenarioSpec, ScenarioSpecSchema } from "./scenario-spec.js";
import { type ServingScenarioSpec, ServingScenarioSpecSchema } from "./serving-scenario-spec.js";

export { shortPath };

/**
 * The files a scenario may reference instead of writing them inline (paths
 * relative to the scenario file), grafted before `--set` and validation.
 */
const SCENARIO_REFERENCES: GraftOptions = {
  referrer: "scenario",
  fields: [
    { field: "topology", kind: "topology", kindFields: TOPOLOGY_FIELDS },
    { field: "model", kind: "model", kindFields: MODEL_FIELDS },
  ],
  kindOf,
};

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
  const spec = loadDocument<ScenarioSpec | ServingScenarioSpec>(
    path,
    (tree) => (isServingTree(tree) ? ServingScenarioSpecSchema : ScenarioSpecSchema),
    { sets, setsField: "set", graft: SCENARIO_REFERENCES },
  );
  if ("serving" in spec) {
    const traffic = spec.serving.traffic;
    // Relative to the scenario file; kept relative to the working directory so messages show no machine paths.
    const relative = (file: string | undefined) =>
      file === undefined || isAbsolute(file) ? file : shortPath(resolve(dirname(path), file));
    if (traffic.traceFile !== undefined) traffic.traceFile = relative(traffic.traceFile);
    if (traffic.rateCurveFile !== undefined) traffic.rateCurveFile = relative(traffic.rateCurveFile);
    return { kind: "serving", spec };
  }
  return { kind: "training", spec };
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
