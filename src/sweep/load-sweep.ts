import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadDocument } from "../input/load-document.js";
import { type SweepSpec, SweepSpecSchema } from "./sweep-spec.js";

/** A validated sweep file with its scenario path resolved. */
export interface LoadedSweep {
  /** The sweep file as given. */
  sweepPath: string;
  spec: SweepSpec;
  /** Absolute path of the base scenario (resolved against the sweep file's folder). */
  scenarioPath: string;
  /** Whether the scenario file exists (a dry run does not require it; a run does). */
  scenarioExists: boolean;
}

/** Reads and validates a sweep file; bad files throw a UserError with file:line:col lines. */
export function loadSweep(sweepPath: string): LoadedSweep {
  const spec = loadDocument(sweepPath, SweepSpecSchema);
  const scenarioPath = resolve(dirname(resolve(sweepPath)), spec.scenario);
  return { sweepPath, spec, scenarioPath, scenarioExists: existsSync(scenarioPath) };
}
