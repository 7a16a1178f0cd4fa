import { availableParallelism } from "node:os";
import { NoiseFreeCache } from "../scenario/noise-free-cache.js";
import type { RunSpec } from "../scenario/types.js";
import { builtInRunner, SweepPool } from "../sweep/pool.js";
import { type PointResult, toPointResult } from "../sweep/result-columns.js";
import { runWithBreakdown } from "./breakdown-runner.js";

/** Progress of simulation runs whose total grows as batches are planned (a bar on a terminal). */
export interface PointsProgress {
  /** `points` more runs are planned. */
  add(points: number): void;
  /** One run finished. */
  done(): void;
}

/** How to run a batch of points: in this thread, or on a pool of worker threads. */
export interface RunPointsOptions {
  /** Worker threads; 1 (or a single point) runs in-process. Default: the machine's parallelism. */
  threads?: number;
  /** Told of the batch's size and of each finished point. */
  progress?: PointsProgress;
}

/** Threads to use for `count` points. */
export function threadsFor(count: number, requested?: number): number {
  return Math.max(1, Math.min(count, requested ?? availableParallelism()));
}

/**
 * Runs every point (identical specs run once) and returns results in the
 * order of `specs`. Each point is deterministic given its spec, so the
 * results do not depend on the thread count.
 */
export async function runPoints(specs: readonly RunSpec[], opts: RunPointsOptions = {}): Promise<PointResult[]> {
  const keys = specs.map((s) => JSON.stringify([s.scenarioPath, s.sets, s.seed, s.steps]));
  const unique = new Map<string, RunSpec>();
  specs.forEach((s, i) => {
    const k = keys[i] as string;
    if (!unique.has(k)) unique.set(k, s);
  });
  const threads = threadsFor(unique.size, opts.threads);
  const results = new Map<string, PointResult>();
  opts.progress?.add(unique.size);
  if (threads <= 1) {
    // One cache of noise-free twins for the points run here (each worker thread keeps its own).
    const noiseFree = new NoiseFreeCache();
    for (const [k, s] of unique) {
      results.set(k, toPointResult(runWithBreakdown(s, undefined, noiseFree)));
      opts.progress?.done();
    }
  } else {
    const pool = new SweepPool(threads, builtInRunner("runWithBreakdown"));
    try {
      // Longest points first (more cards) so the last worker is not left alone with the biggest one.
      const order = [...unique].sort((a, b) => weight(b[1]) - weight(a[1]));
      await Promise.all(
        order.map(async ([k, s]) => {
          results.set(k, (await pool.run(s)).result);
          opts.progress?.done();
        }),
      );
    } finally {
      await pool.close();
    }
  }
  return keys.map((k) => results.get(k) as PointResult);
}

/** A rough cost of a point: the cards it resizes to (from its sets), for ordering only. */
function weight(s: RunSpec): number {
  for (const set of s.sets) {
    const m = /^topology\.cards=(\d+)$/.exec(set);
    if (m) return Number(m[1]);
  }
  return 0;
}
