import { describe, expect, it } from "vitest";
import { runStep } from "./step-run.js";

/**
 * Overlapped pipeline sends (Megatron-LM overlap_p2p_comm, the default with the interleaved
 * schedule): a stage goes on with its next pass while its output is in flight, so nothing is
 * booked as ppComm on the sender and the step is no slower than with blocking sends; the
 * receiver's wait for a late send shows as bubble. Off by default for the other schedules.
 */
const DP16 = "test/fixtures/scenarios/small-dp16.yaml";
const INTERLEAVED = [
  "parallel.pp=4",
  "parallel.dp=4",
  "parallel.globalBatchSize=32",
  "parallel.virtualStages=2",
  "parallel.schedule=interleaved-1f1b",
];

function run(sets: string[]) {
  const r = runStep(DP16, sets);
  return { metrics: r.metrics, details: { breakdownSeconds: r.breakdown } };
}

describe("overlapped pipeline sends", () => {
  it("interleaved: on by default, no ppComm on the senders, and the step no slower than with blocking sends", () => {
    const byDefault = run(INTERLEAVED);
    const overlapped = run([...INTERLEAVED, "parallel.overlapPipelineSends=true"]);
    const blocking = run([...INTERLEAVED, "parallel.overlapPipelineSends=false"]);
    expect(byDefault.metrics.stepTimeSeconds).toBe(overlapped.metrics.stepTimeSeconds);
    expect((blocking.details.breakdownSeconds as Record<string, number>).ppComm).toBeGreaterThan(0);
    expect((overlapped.details.breakdownSeconds as Record<string, number>).ppComm).toBe(0);
    expect(overlapped.metrics.stepTimeSeconds as number).toBeLessThanOrEqual(
      blocking.metrics.stepTimeSeconds as number,
    );
  });

  it("1F1B: off by default (Megatron-LM turns it off outside the interleaved schedule)", () => {
    const plain = ["parallel.pp=4", "parallel.dp=4", "parallel.globalBatchSize=32"];
    const byDefault = run(plain);
    expect(byDefault.metrics.stepTimeSeconds).toBe(
      run([...plain, "parallel.overlapPipelineSends=false"]).metrics.stepTimeSeconds,
    );
    expect((byDefault.details.breakdownSeconds as Record<string, number>).ppComm).toBeGreaterThan(0);
  });
});
