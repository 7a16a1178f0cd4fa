import { SingleBar } from "cli-progress";
import { plural } from "../sweep/progress.js";

/** Progress of a count of units (steps of a run, seeds of a scenario) on stderr. */
export interface CountProgress {
  update(done: number): void;
  stop(): void;
}

export const silentCount: CountProgress = { update() {}, stop() {} };

/** Lines a non-TTY stream gets at most (one per tenth, plus the last). */
const PLAIN_LINES = 10;

/**
 * A cli-progress bar (done/total, ETA) when the stream is a TTY; otherwise a
 * plain line at each tenth of the total with the elapsed wall time, for
 * batch-job logs. `label` prefixes every line (e.g. "run").
 */
export function countProgress(
  label: string,
  unit: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): CountProgress {
  const t0 = performance.now();
  const elapsed = () => ((performance.now() - t0) / 1000).toFixed(1);
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: `${label} [{bar}] {value}/{total} ${unit}s | ETA {eta_formatted}`,
      etaBuffer: 20,
      hideCursor: true,
    });
    bar.start(total, 0);
    return {
      update: (done) => bar.update(done),
      stop: () => bar.stop(),
    };
  }
  let shownTenth = 0;
  return {
    update(done) {
      const tenth = Math.floor((done * PLAIN_LINES) / total);
      if (tenth <= shownTenth && done < total) return;
      shownTenth = tenth;
      stream.write(`${label}: ${done}/${plural(total, unit)} done (${elapsed()} s)\n`);
    },
    stop() {},
  };
}
