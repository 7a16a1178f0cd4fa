import { SingleBar } from "cli-progress";
import type { SweepPoint } from "./expand.js";
import type { PointOutcome } from "./pool.js";

/** Receives a sweep's progress (the CSV never sees wall times; this does). */
export interface ProgressSink {
  /** `total` points in this shard, `done` of them already in the results file. */
  start(total: number, done: number): void;
  point(point: SweepPoint, outcome: PointOutcome): void;
  /** A note for the user (e.g. "stopping…"). */
  note(message: string): void;
  stop(): void;
}

/** "1 point", "2 points": a count with its noun, plural unless the count is 1. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

export const silentProgress: ProgressSink = { start() {}, point() {}, note() {}, stop() {} };

/**
 * Progress on a stream (stderr): a cli-progress bar with done/total, rate and
 * ETA when the stream is a TTY; otherwise one plain line per finished point
 * with the same figures and the point's wall time (for batch-job logs).
 */
export function streamProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  let total = 0;
  let done = 0;
  let failed = 0;
  let ranHere = 0;
  let t0 = 0;
  const bar = stream.isTTY
    ? new SingleBar({
        stream,
        format: "sweep [{bar}] {value}/{total} | {rate} points/s | ETA {eta_formatted} | failed {failed}",
        etaBuffer: 20,
        hideCursor: true,
      })
    : undefined;
  const rate = () => ranHere / Math.max(1e-9, (performance.now() - t0) / 1000);
  return {
    start(t, d) {
      total = t;
      done = d;
      t0 = performance.now();
      if (bar) bar.start(total, done, { rate: "-", failed: 0 });
      else stream.write(`sweep: ${plural(total, "point")}, ${done} already done, ${total - done} to run\n`);
    },
    point(point, outcome) {
      done++;
      ranHere++;
      if (!outcome.result.ok) failed++;
      const r = rate();
      if (bar) {
        bar.update(done, { rate: r.toFixed(2), failed });
        return;
      }
      const eta = r > 0 ? `${Math.round((total - done) / r)} s` : "-";
      const status = outcome.result.ok ? "ok" : `failed (${outcome.result.kind})`;
      const retry = outcome.attempts > 1 ? ", retried after a worker crash" : "";
      stream.write(
        `sweep: ${done}/${total} done, ${failed} failed, ${r.toFixed(2)} points/s, ETA ${eta} | point ${point.index} ${point.id} ${status} in ${outcome.roundTripSeconds.toFixed(2)} s${retry}\n`,
      );
    },
    note(message) {
      if (bar) stream.write("\n");
      stream.write(`sweep: ${message}\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}
