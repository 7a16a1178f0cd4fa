import { ACCELERATOR_CATALOG, isCatalogName } from "../hardware/catalog.js";
import { InputError } from "../input/issues.js";
import { loadAnyScenario } from "../scenario/load-scenario.js";

/** The value at a dot path of a loaded scenario (undefined when absent). */
export function valueAtPath(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const seg of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}

const OVERRIDES = "topology.accelerator.overrides.";

/**
 * The value a scenario field has in effect: valueAtPath, except that an
 * accelerator override the file does not set (topology.accelerator.overrides.hbmTBps)
 * has the value of the inline spec or catalog entry it would override.
 */
export function effectiveValueAtPath(scenario: unknown, path: string): unknown {
  const v = valueAtPath(scenario, path);
  if (v !== undefined || !path.startsWith(OVERRIDES)) return v;
  const ref = valueAtPath(scenario, "topology.accelerator") as { name?: unknown; spec?: unknown } | undefined;
  const rest = path.slice(OVERRIDES.length);
  if (ref?.spec !== undefined) return valueAtPath(ref.spec, rest);
  if (typeof ref?.name === "string" && isCatalogName(ref.name))
    return valueAtPath(ACCELERATOR_CATALOG[ref.name].spec, rest);
  return undefined;
}

/** The field path of a `path=value` override. */
export function setPath(set: string): string {
  const eq = set.indexOf("=");
  return (eq < 0 ? set : set.slice(0, eq)).trim();
}

/** The value of a `path=value` override as a number, or undefined when it is not numeric. */
export function setNumber(set: string): number | undefined {
  const eq = set.indexOf("=");
  if (eq < 0) return undefined;
  const text = set.slice(eq + 1).trim();
  const n = Number(text);
  return text !== "" && Number.isFinite(n) ? n : undefined;
}

/** Whether the scenario (training or serving) accepts `value` at `path` (with `sets` applied first). */
export function accepts(scenarioPath: string, sets: readonly string[], path: string, value: number): boolean {
  try {
    loadAnyScenario(scenarioPath, [...sets, `${path}=${value}`]);
    return true;
  } catch (err) {
    if (err instanceof InputError) return false;
    throw err;
  }
}

/** Whether a numeric field takes integers only (probed: its value plus one half is rejected). */
export function isIntegerField(scenarioPath: string, sets: readonly string[], path: string, value: number): boolean {
  return Number.isInteger(value) && !accepts(scenarioPath, sets, path, value + 0.5);
}
