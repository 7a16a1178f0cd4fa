import { InputError } from "../input/issues.js";
import { loadScenario } from "../scenario/load-scenario.js";

/** The value at a dot path of a loaded scenario (undefined when absent). */
export function valueAtPath(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const seg of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
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

/** Whether the scenario accepts `value` at `path` (with `sets` applied first). */
export function accepts(scenarioPath: string, sets: readonly string[], path: string, value: number): boolean {
  try {
    loadScenario(scenarioPath, [...sets, `${path}=${value}`]);
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
