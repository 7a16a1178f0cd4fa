import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { workerData } from "node:worker_threads";
import { NoiseFreeCache } from "../scenario/noise-free-cache.js";
import type { RunResult, RunSpec } from "../scenario/types.js";
import { type PointResult, toPointResult } from "./result-columns.js";

/**
 * Sweep worker (runs in a piscina worker thread, loaded through
 * worker-bootstrap.mjs so it can import TypeScript). One function over
 * structured-clonable data: a RunSpec in, a row's worth of result out.
 */

/** Which module and export run a point (passed as piscina workerData). */
export interface RunnerRef {
  /** Absolute path or file: URL of the runner module. */
  module: string;
  /** Name of the exported `(spec: RunSpec) => RunResult` function. */
  exportName: string;
}

export type WorkerReply =
  | { kind: "result"; result: PointResult; runSeconds: number }
  | { kind: "load-error"; message: string };

/** A runner: the spec, no step control (worker threads), and this thread's noise-free cache. */
type Runner = (spec: RunSpec, control: undefined, noiseFree: NoiseFreeCache) => RunResult | Promise<RunResult>;

const runner: Runner | string = await loadRunner(workerData as RunnerRef);
/**
 * This worker thread's noise-free twins, shared by the points it runs (the
 * seeds of a --seeds run, a sweep's jitter levels, a claim's variants); the
 * thread's only state besides the runner, and it changes no result.
 */
const noiseFree = new NoiseFreeCache();

async function loadRunner(ref: RunnerRef): Promise<Runner | string> {
  const url = isAbsolute(ref.module) ? pathToFileURL(ref.module).href : ref.module;
  try {
    // The bundled worker has no TypeScript loader; a runner given as a .ts file brings tsx in.
    if (/\.[cm]?ts$/.test(url) && !import.meta.url.endsWith(".ts")) (await import("tsx/esm/api")).register();
    const mod = (await import(url)) as Record<string, unknown>;
    const fn = mod[ref.exportName];
    if (typeof fn !== "function") return `runner module ${ref.module} has no exported function '${ref.exportName}'`;
    return fn as Runner;
  } catch (err) {
    return `cannot load runner module ${ref.module}: ${(err as Error).message}`;
  }
}

/**
 * Runs one point. What the runner returns is parsed with the RunResult
 * schema (toPointResult); a runner that throws, or returns something
 * malformed, becomes a failed result (kind "internal").
 */
export async function runPoint(spec: RunSpec): Promise<WorkerReply> {
  if (typeof runner === "string") return { kind: "load-error", message: runner };
  const t0 = performance.now();
  let result: PointResult;
  try {
    result = toPointResult(await runner(spec, undefined, noiseFree));
  } catch (err) {
    result = { ok: false, kind: "internal", error: err instanceof Error ? err.message : String(err) };
  }
  return { kind: "result", result, runSeconds: (performance.now() - t0) / 1000 };
}
