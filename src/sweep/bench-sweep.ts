import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { runSweep } from "./run-sweep.js";
import type { RunnerRef } from "./worker.js";

/** One line of the sweep benchmark. */
export interface SweepBenchRecord {
  benchmark: "sweep";
  sweep: string;
  workers: number;
  points: number;
  wallSeconds: number;
  pointsPerSecond: number;
  /** Wall time with 1 worker divided by this wall time (1 for the first record). */
  speedup: number;
  meanRunSeconds: number;
  meanOverheadSeconds: number;
  medianOverheadSeconds: number;
  startupSeconds: number;
  /** Whether the results file equals the first run's byte for byte. */
  identical: boolean;
}

/**
 * Runs a whole sweep once per worker count (into temp files, deleted after)
 * and reports wall time, speed-up over the first count, per-point overhead and
 * whether the results files are byte-identical. Meant for
 * `clustersim bench sweep` and BENCHMARKS.md.
 */
export async function benchSweep(
  sweepPath: string,
  workerCounts: readonly number[] = [1, 2],
  runner?: RunnerRef,
): Promise<SweepBenchRecord[]> {
  const dir = mkdtempSync(join(tmpdir(), "clustersim-bench-sweep-"));
  const records: SweepBenchRecord[] = [];
  let firstWall = 0;
  let firstText = "";
  try {
    for (const [i, workers] of workerCounts.entries()) {
      const outPath = join(dir, `w${workers}-${i}.csv`);
      const s = await runSweep({ sweepPath, outPath, workers, ...(runner ? { runner } : {}) });
      const text = readFileSync(outPath, "utf8");
      if (i === 0) {
        firstWall = s.wallSeconds;
        firstText = text;
      }
      records.push({
        benchmark: "sweep",
        // Relative to the working directory (the repository root for `bench`): no machine path in the record.
        sweep: relative(process.cwd(), sweepPath),
        workers: s.workers,
        points: s.ran,
        wallSeconds: s.wallSeconds,
        pointsPerSecond: s.ran / s.wallSeconds,
        speedup: firstWall / s.wallSeconds,
        meanRunSeconds: s.meanRunSeconds,
        meanOverheadSeconds: s.meanOverheadSeconds,
        medianOverheadSeconds: s.medianOverheadSeconds,
        startupSeconds: s.startupSeconds,
        identical: text === firstText,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return records;
}
