import { describe, expect, it } from "vitest";
import { runHoldModel } from "../../bench/engine-hold.js";
import { runBareHeapHold, runCpuLoop, runHeapBaseline } from "../../bench/heap-baseline.js";
import { RandomStreams } from "../../src/engine/rng.js";
import { runCli } from "../helpers/run-cli.js";

// `clustersim bench heap-baseline` compares the engine with a bare heap: both must do the same work.
describe("heap-baseline benchmark", () => {
  it("the bare heap runs the engine's hold model: same draws, same event times, same end time", () => {
    for (const [pending, events] of [
      [1, 1000],
      [5, 3000],
      [1000, 20_000],
    ] as const) {
      const engine = runHoldModel(pending, events);
      const bare = runBareHeapHold(pending, events);
      expect(bare.events).toBe(events);
      expect(bare.checksum).toBe(engine.endTimeS);
      expect(bare.cpuSeconds).toBeGreaterThanOrEqual(0);
    }
  });

  it("the CPU loop sums the same Exp(1) draws (after the warm-up)", () => {
    const rng = new RandomStreams(1).stream("hold");
    let sum = 0;
    for (let k = 0; k < 500; k++) rng.exponential(1); // warm-up: min(events, 200,000)
    for (let k = 0; k < 500; k++) sum += rng.exponential(1);
    expect(runCpuLoop(500).checksum).toBe(sum);
  });

  it("interleaves the three kinds and summarises each against the bare heap", () => {
    const { runs, summaries } = runHeapBaseline(100, 2000, 3);
    expect(runs.map((r) => r.kind)).toEqual(Array(3).fill(["engine", "bare-heap", "cpu-loop"]).flat());
    expect(summaries.map((s) => [s.kind, s.runs])).toEqual([
      ["engine", 3],
      ["bare-heap", 3],
      ["cpu-loop", 3],
    ]);
    const bare = summaries[1];
    expect(bare?.ofBareHeap).toBe(1);
    expect(bare?.ofBareHeapCpu).toBe(1);
    for (const s of summaries) {
      expect(s.minEventsPerSecond).toBeLessThanOrEqual(s.medianEventsPerSecond);
      expect(s.medianEventsPerSecond).toBeLessThanOrEqual(s.maxEventsPerSecond);
    }
    const engineSums = new Set(runs.filter((r) => r.kind !== "cpu-loop").map((r) => r.checksum));
    expect(engineSums.size).toBe(1);
  });

  it("runs as `clustersim bench heap-baseline`: one JSON line per run, then one summary per kind", () => {
    const r = runCli(["bench", "heap-baseline", "--json", "--events", "3000", "--repeats", "2"]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.benchmark)).toEqual([
      ...Array(6).fill("heap-baseline"),
      ...Array(3).fill("heap-baseline-summary"),
    ]);
    expect(lines.slice(0, 6).every((l) => l.events === 3000 && l.cpuSeconds >= 0)).toBe(true);
    expect(lines[0].pending).toBe(100_000);
    expect(runCli(["bench", "heap-baseline", "--repeats", "0"]).code).toBe(2);
  });
});
