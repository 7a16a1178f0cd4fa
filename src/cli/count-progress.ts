import { SingleBar } from "cli-progress";

/** Progress of a count of units (steps of a run, seeds of a scenario) on stderr. */
export interface CountProgress {
  update(done: number): void;
  stop(): void;
}

export const silentCount: CountProgress = { update() {}, stop() {} };

/**
 * A cli-progress bar (done/total, ETA) when the stream is a terminal;
 * nothing on a pipe, a file or in CI (their logs get the result, not a bar).
 * `label` prefixes the bar (e.g. "run").
 */
export function countProgress(
  label: string,
  unit: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): CountProgress {
  if (!stream.isTTY) return silentCount;
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

/** Progress of runs whose total grows as batches are planned (check, scale, --solve), with stop(). */
export interface GrowingProgress {
  add(points: number): void;
  done(): void;
  stop(): void;
}

/**
 * A cli-progress bar of simulation runs whose total grows as the command plans more (a claim's
 * variants, then its solve probes, then its sensitivity runs): done/total with an ETA over what is
 * planned so far, on a terminal only (nothing on a pipe or in CI).
 */
export function growingProgress(
  label: string,
  unit: string,
  stream: NodeJS.WriteStream = process.stderr,
): GrowingProgress {
  if (!stream.isTTY) return { add() {}, done() {}, stop() {} };
  const bar = new SingleBar({
    stream,
    format: `${label} [{bar}] {value}/{total} ${unit}s | ETA {eta_formatted}`,
    etaBuffer: 20,
    hideCursor: true,
  });
  let total = 0;
  let finished = 0;
  let started = false;
  return {
    add: (points) => {
      total += points;
      if (!started) {
        bar.start(total, finished);
        started = true;
      } else bar.setTotal(total);
    },
    done: () => {
      finished++;
      if (started) bar.update(finished);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
