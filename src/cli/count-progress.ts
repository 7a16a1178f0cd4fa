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
