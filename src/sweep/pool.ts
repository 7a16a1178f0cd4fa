import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { RunSpec } from "../scenario/types.js";
import { type PointResult, receivedPointResult } from "./result-columns.js";
import type { RunnerRef, WorkerReply } from "./worker.js";

/**
 * True when this code runs from the start-up bundle (dist/*.mjs, built by
 * scripts/build-bundle.mjs) rather than from the TypeScript sources: the
 * workers then load the bundled worker and runners, without tsx.
 */
const runsFromBundle = (): boolean => !import.meta.url.endsWith(".ts");

/**
 * A runner shipped with clustersim, by export name: from the bundle its
 * dist/runners.mjs export, from the sources the file that defines it.
 */
export function builtInRunner(exportName: "runScenario" | "runWithBreakdown"): RunnerRef {
  if (runsFromBundle()) return { module: fileURLToPath(new URL("./runners.mjs", import.meta.url)), exportName };
  const file = exportName === "runScenario" ? "../scenario/run.ts" : "../claims/breakdown-runner.ts";
  return { module: fileURLToPath(new URL(file, import.meta.url)), exportName };
}

/** The real runner: `runScenario` of src/scenario/run.ts. */
export function defaultRunner(): RunnerRef {
  return builtInRunner("runScenario");
}

/** The most worker threads a pool starts: the machine's available parallelism. */
export function maxWorkerThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Caps a requested worker-thread count at maxWorkerThreads(): more threads
 * than cores add no speed, only memory (about 50 MB each) and startup time.
 * With `note`, a cap is said on stderr, naming `what` (the option, e.g.
 * "--workers"); the CLI notes it where it parses the option, the pool caps
 * silently.
 */
export function capWorkers(requested: number, what = "worker threads", note = true): number {
  const max = maxWorkerThreads();
  if (requested <= max) return requested;
  if (note) {
    process.stderr.write(
      `clustersim: note: ${what} ${requested} capped at ${max}, the available parallelism of this machine\n`,
    );
  }
  return max;
}

/** Parses `path[#export]` (the CLUSTERSIM_SWEEP_RUNNER form); the export defaults to runScenario. */
export function parseRunnerRef(text: string): RunnerRef {
  const hash = text.lastIndexOf("#");
  return hash > 0
    ? { module: text.slice(0, hash), exportName: text.slice(hash + 1) }
    : { module: text, exportName: "runScenario" };
}

/** How one point went. */
export interface PointOutcome {
  result: PointResult;
  /** Time inside the runner, measured in the worker (s). */
  runSeconds: number;
  /** Dispatch to reply on the main thread, including queueing and transfer (s). */
  roundTripSeconds: number;
  /** 1, or 2 when a worker crash made the point run again. */
  attempts: number;
}

/** The runner module could not be loaded: the sweep cannot run at all. */
export class RunnerLoadError extends Error {
  override name = "RunnerLoadError";
}

/** The pool was destroyed while the point ran (its result is abandoned). */
export class PointAbandonedError extends Error {
  override name = "PointAbandonedError";
}

/**
 * A piscina pool of sweep workers. Results come back from worker threads and
 * are checked against the PointResult schema (a malformed one is a failure of
 * kind "internal"). A point whose worker dies (process.exit,
 * out of memory, an uncaught error) is run once more on the replacement
 * worker piscina starts; if that dies too, the point is a failed result of
 * kind "worker-crash".
 */
export class SweepPool {
  private readonly piscina: Piscina<RunSpec, WorkerReply>;
  private destroyed = false;
  /** Worker threads started: the requested count capped by capWorkers(). */
  readonly threads: number;

  constructor(threads: number, runner: RunnerRef) {
    this.threads = capWorkers(threads, "worker threads", false);
    this.piscina = new Piscina({
      // From the bundle, its worker entry (no tsx); from the sources, the bootstrap that registers tsx.
      filename: new URL(runsFromBundle() ? "./sweep-worker.mjs" : "./worker-bootstrap.mjs", import.meta.url).href,
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: 60_000,
      workerData: runner,
      // A larger young generation means fewer scavenges: GC helper threads otherwise
      // compete with the other worker for the same cores (measured in BENCHMARKS.md).
      resourceLimits: { maxYoungGenerationSizeMb: 64 },
    });
    // Worker deaths reject the task they ran; keep them from also being an unhandled 'error'.
    this.piscina.on("error", () => {});
  }

  async run(spec: RunSpec): Promise<PointOutcome> {
    const t0 = performance.now();
    let lastError = "";
    for (let attempt = 1; attempt <= 2; attempt++) {
      let reply: WorkerReply;
      try {
        reply = await this.piscina.run(spec);
      } catch (err) {
        if (this.destroyed) throw new PointAbandonedError("sweep stopped");
        lastError = err instanceof Error ? err.message : String(err);
        continue;
      }
      if (reply.kind === "load-error") throw new RunnerLoadError(reply.message);
      return {
        result: receivedPointResult(reply.result),
        runSeconds: reply.runSeconds,
        roundTripSeconds: (performance.now() - t0) / 1000,
        attempts: attempt,
      };
    }
    return {
      result: { ok: false, kind: "worker-crash", error: `the worker died twice running this point: ${lastError}` },
      runSeconds: 0,
      roundTripSeconds: (performance.now() - t0) / 1000,
      attempts: 2,
    };
  }

  /** Waits for running points, then stops the workers. */
  async close(): Promise<void> {
    await this.piscina.close();
  }

  /** Stops the workers now; running points are abandoned. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.piscina.destroy();
  }
}
