import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { formatIssue, InputError } from "../input/issues.js";
import { UserError } from "../input/user-error.js";
import { loadAnyScenario, shortPath } from "../scenario/load-scenario.js";
import { expandSweep, type SweepPlan, type SweepPoint } from "./expand.js";
import { type LoadedSweep, loadSweep } from "./load-sweep.js";
import { defaultRunner, PointAbandonedError, RunnerLoadError, SweepPool } from "./pool.js";
import { type ProgressSink, plural, silentProgress } from "./progress.js";
import {
  makeProvenance,
  type Provenance,
  provenanceDifferences,
  provenancePath,
  readProvenance,
  writeProvenance,
} from "./provenance.js";
import { type ResultColumns, resultCells, resultColumns, sweepMetricColumns } from "./result-columns.js";
import { type ResultsTable, ResultsWriter, sortResultsFile } from "./results-file.js";
import { acquireResultsLock, tookOverNote } from "./results-lock.js";
import { inShard, type Shard } from "./shard.js";
import type { RunnerRef } from "./worker.js";

export interface SweepRunOptions {
  sweepPath: string;
  /** Results CSV (created, or continued with `resume`). */
  outPath: string;
  /** Worker threads (default: os.availableParallelism()). */
  workers?: number;
  /** Continue an existing results file, skipping the points already in it. */
  resume?: boolean;
  /** Run only shard k of n. */
  shard?: Shard;
  /** The module that runs a point (default: runScenario of src/scenario/run.ts). */
  runner?: RunnerRef;
  /** When aborted: dispatch no new points; running ones finish and are written. */
  stop?: AbortSignal;
  /** When aborted: also abandon the running points (their rows are not written). */
  abandon?: AbortSignal;
  progress?: ProgressSink;
  /**
   * Resuming a file without a provenance sidecar (`<out>.provenance.json`):
   * true (the CLI) refuses it unless it has no rows; false (default) adopts
   * it when every row is a point of this run, once, and refuses it otherwise.
   */
  requireProvenance?: boolean;
}

export interface SweepRunSummary {
  /** Points in the whole sweep, and in this shard. */
  totalPoints: number;
  shardPoints: number;
  /** Rows already in the file when the run started (resume). */
  alreadyDone: number;
  /** Points run (rows written) by this run, and how many of them failed. */
  ran: number;
  failed: number;
  /** Points run twice because a worker died. */
  retried: number;
  /** Points of this shard still missing from the file. */
  remaining: number;
  /** Stopped by `stop`/`abandon` before every point was done. */
  interrupted: boolean;
  workers: number;
  /** Bytes of a partial last row removed on resume. */
  truncatedBytes: number;
  wallSeconds: number;
  /** Mean time inside the runner per point (s). */
  meanRunSeconds: number;
  /** Mean per-point overhead: main-thread round trip minus time in the runner (s); includes worker start-up. */
  meanOverheadSeconds: number;
  /** Median of the same: the steady-state cost of dispatch and transfer per point (s). */
  medianOverheadSeconds: number;
  /** Pool creation to the first reply, minus that point's run time: worker start-up (tsx, runner import) (s). */
  startupSeconds: number;
}

/**
 * Loads, validates and expands a sweep file (UserError on bad input), and
 * fixes the columns of its results file (metric columns by the kind of the
 * base scenario: training or serving).
 */
export function planSweep(sweepPath: string): { loaded: LoadedSweep; plan: SweepPlan; columns: ResultColumns } {
  const loaded = loadSweep(sweepPath);
  try {
    const plan = expandSweep(loaded.spec, loaded.scenarioPath);
    return { loaded, plan, columns: resultColumns(plan.axisPaths, sweepMetricColumns(loaded.scenarioPath)) };
  } catch (err) {
    if (err instanceof RangeError) throw new UserError(`${sweepPath}: ${err.message}`);
    throw err;
  }
}

/**
 * Fails once, before any point runs or the results file is touched, when the
 * sweep's base scenario cannot load: missing, not YAML, not a scenario, a
 * broken or cyclic topology/model reference, or invalid with the sweep's own
 * `set` overrides and with the first point's (an axis may supply a field the
 * base scenario lacks, so only a scenario that fails both ways is refused).
 * Exit 1 (UserError), the scenario's issues listed.
 */
export function checkSweepScenario(loaded: LoadedSweep, plan: SweepPlan, load = true): void {
  const scenario = shortPath(loaded.scenarioPath);
  if (!loaded.scenarioExists) {
    throw new UserError(`${loaded.sweepPath}: scenario file not found: ${scenario} (no point was run)`);
  }
  if (!load) return;
  const attempts = [loaded.spec.set, plan.points[0]?.spec.sets].filter((s): s is string[] => s !== undefined);
  let first: InputError | undefined;
  for (const sets of attempts) {
    try {
      loadAnyScenario(scenario, sets);
      return;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      first ??= err;
    }
  }
  if (first !== undefined) {
    throw new UserError(
      `${loaded.sweepPath}: the scenario ${scenario} does not load (no point was run):\n${first.issues.map(formatIssue).join("\n")}`,
    );
  }
}

/**
 * Runs a sweep (or one shard of it) on a worker pool, appending one CSV row
 * per finished point. When every point of the shard is in the file, the file
 * is rewritten sorted by point index, so it is byte-identical whatever the
 * worker count.
 */
export async function runSweep(opts: SweepRunOptions): Promise<SweepRunSummary> {
  const t0 = performance.now();
  const progress = opts.progress ?? silentProgress;
  const { loaded, plan, columns } = planSweep(opts.sweepPath);
  // Another point runner (tests, experiments) may read the scenario its own way: it only needs to exist.
  checkSweepScenario(loaded, plan, opts.runner === undefined);
  const runner = opts.runner ?? defaultRunner();
  if (runner.module.startsWith("/") && !existsSync(runner.module)) {
    throw new UserError(`the point runner module does not exist: ${runner.module}`);
  }
  const mine = plan.points.filter((p) => inShard(p.index, opts.shard));
  const provenance = makeProvenance(opts.sweepPath, plan, columns.header, opts.shard);
  // One writer per results file: the lock is held from before the file is read until every row is written.
  const lock = acquireResultsLock(opts.outPath);
  const note = tookOverNote(lock);
  if (note !== undefined) progress.note(note);
  try {
    return await runLocked(opts, { plan, columns, mine, provenance, t0, progress, runner });
  } finally {
    lock.release();
  }
}

interface LockedRun {
  plan: SweepPlan;
  columns: ResultColumns;
  mine: SweepPoint[];
  provenance: Provenance;
  t0: number;
  progress: ProgressSink;
  runner: RunnerRef;
}

async function runLocked(opts: SweepRunOptions, r: LockedRun): Promise<SweepRunSummary> {
  const { plan, columns, mine, provenance, t0, progress, runner } = r;
  const { writer, done, truncatedBytes } = ResultsWriter.open(opts.outPath, columns.header, opts.resume === true, {
    beforeCreate: () => writeProvenance(opts.outPath, provenance),
    beforeResume: (table) => checkResumable(opts, table, mine, provenance),
  });
  const todo = mine.filter((p) => !done.has(p.id));
  const alreadyDone = mine.length - todo.length;
  const workers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), todo.length));

  let next = 0;
  let ran = 0;
  let failed = 0;
  let retried = 0;
  let runSeconds = 0;
  const overheads: number[] = [];
  let startupSeconds = 0;
  let abandoned = false;
  let destroyed: Promise<void> | undefined;
  let fatal: Error | undefined;
  const poolStart = performance.now();
  const pool = todo.length > 0 ? new SweepPool(workers, runner) : undefined;
  const abandonNow = () => {
    if (abandoned) return;
    abandoned = true;
    destroyed = pool?.destroy();
  };
  opts.abandon?.addEventListener("abort", abandonNow);
  if (opts.abandon?.aborted) abandonNow();

  const loop = async (): Promise<void> => {
    if (pool === undefined) return;
    while (!abandoned && fatal === undefined && opts.stop?.aborted !== true && next < todo.length) {
      const point = todo[next++];
      if (point === undefined) return;
      try {
        const outcome = await pool.run(point.spec);
        if (abandoned) return;
        writer.append(resultCells(columns, point, outcome.result));
        ran++;
        if (!outcome.result.ok) failed++;
        if (outcome.attempts > 1) retried++;
        runSeconds += outcome.runSeconds;
        overheads.push(Math.max(0, outcome.roundTripSeconds - outcome.runSeconds));
        if (ran === 1) startupSeconds = (performance.now() - poolStart) / 1000 - outcome.runSeconds;
        progress.point(point, outcome);
      } catch (err) {
        if (err instanceof PointAbandonedError) return;
        fatal ??= err as Error;
        abandonNow();
        return;
      }
    }
  };

  progress.start(mine.length, alreadyDone);
  try {
    await Promise.all(Array.from({ length: pool ? workers : 0 }, loop));
  } finally {
    progress.stop();
    opts.abandon?.removeEventListener("abort", abandonNow);
    writer.close();
    if (pool && !abandoned) await pool.close();
    await destroyed;
  }
  if (fatal instanceof RunnerLoadError) throw new UserError(fatal.message);
  if (fatal) throw fatal;
  const remaining = todo.length - ran;
  if (remaining === 0) sortResultsFile(opts.outPath);
  return {
    totalPoints: plan.points.length,
    shardPoints: mine.length,
    alreadyDone,
    ran,
    failed,
    retried,
    remaining,
    interrupted: remaining > 0,
    workers,
    truncatedBytes,
    wallSeconds: (performance.now() - t0) / 1000,
    meanRunSeconds: ran > 0 ? runSeconds / ran : 0,
    meanOverheadSeconds: ran > 0 ? overheads.reduce((a, b) => a + b, 0) / ran : 0,
    medianOverheadSeconds: median(overheads),
    startupSeconds,
  };
}

/**
 * Refuses to resume a file this run did not start: its provenance sidecar
 * must match (tool version, sweep file hash, points, shard, columns), and
 * every row must be a point of this run, once. A file without a sidecar is
 * refused (requireProvenance) unless it has no rows, or else adopted when its
 * rows check out.
 */
function checkResumable(opts: SweepRunOptions, table: ResultsTable, mine: SweepPoint[], mineProv: Provenance): void {
  const out = opts.outPath;
  const found = readProvenance(out);
  if (found === undefined && opts.requireProvenance === true && table.rows.length > 0) {
    throw new UserError(
      `${out}: cannot resume: no ${provenancePath(out)} says which sweep and version wrote its ${plural(table.rows.length, "row")}; ` +
        "start over with another --out (or delete the file)",
    );
  }
  if (found !== undefined) {
    const diffs = provenanceDifferences(found, mineProv);
    if (diffs.length > 0) {
      throw new UserError(
        `${out}: cannot resume: it was written by another sweep or version (${provenancePath(out)}):\n` +
          `${diffs.map((d) => `  ${d}`).join("\n")}\n  start over with another --out (or delete the file)`,
      );
    }
  }
  const ids = new Set(mine.map((p) => p.id));
  const seen = new Set<string>();
  table.rows.forEach((row, i) => {
    const id = row[0] as string;
    if (!ids.has(id)) {
      throw new UserError(
        `${out}:${i + 2}: cannot resume: point_id ${id} is not a point of ${opts.sweepPath}${opts.shard ? ` (shard ${opts.shard.k}/${opts.shard.n})` : ""}`,
      );
    }
    if (seen.has(id)) {
      throw new UserError(
        `${out}:${i + 2}: cannot resume: point_id ${id} appears twice (written by two runs at once?); clean it with \`clustersim merge\``,
      );
    }
    seen.add(id);
  });
  if (found === undefined) writeProvenance(out, mineProv);
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
