import { beforeAll, describe, expect, it } from "vitest";
import { FailureSpecSchema } from "../../src/stragglers/failures-spec.js";
import { goodputExact } from "../../src/stragglers/goodput-closed-form.js";
import { type OptimalIntervalResult, optimalIntervalS } from "../../src/stragglers/goodput-optimum.js";

// M = 2,000 h / 1,000 cards = 2 h; δ = 120 s; R = 60 + 240 + 60 s. Daly ≈ 1,236 s, Young ≈ 1,315 s.
const spec = FailureSpecSchema.parse({
  cardMtbfHours: 2000,
  nodeMtbfHours: 1e9,
  detectionS: 60,
  restartS: 240,
  checkpoint: { writeGBps: 1, readGBps: 2, sizeBytes: 120e9 },
});
const job = { cards: 1000, nodes: 0, usefulS: 60 * 86_400 }; // ~950 failures per seed

describe("optimalIntervalS", () => {
  let result: OptimalIntervalResult;
  beforeAll(() => {
    result = optimalIntervalS(spec, job, { seeds: [1, 2, 3, 4] });
  });

  it("finds a simulated optimum within 20% of Daly's interval", () => {
    // Near the optimum the waste grows like (δ/τ)·ε² for an interval off by a factor 1 + ε:
    // 20% off costs ~0.4 points, well above the seed noise left after common random numbers.
    expect(Math.abs(result.intervalS / result.dalyS - 1)).toBeLessThan(0.2);
    expect(result.youngS).toBeGreaterThan(result.dalyS);
  });

  it("gains at most 0.3 goodput points over Daly's interval, and Daly's closed form matches the simulation there", () => {
    expect(result.goodput - result.goodputAtDaly).toBeLessThan(0.003);
    expect(Math.abs(result.closedFormGoodputAtDaly / result.goodputAtDaly - 1)).toBeLessThan(0.01);
    // A far-off interval is clearly worse, in the simulation as in the closed form.
    const far = optimalIntervalS(spec, job, { seeds: [1, 2, 3, 4], lowS: 8 * result.dalyS, highS: 8 * result.dalyS });
    expect(far.goodput).toBeLessThan(result.goodput - 0.01);
    const m = 7200;
    const exactFar = goodputExact({ intervalS: 8 * result.dalyS, writeS: 120, recoveryS: 360, mtbfS: m }, job.usefulS);
    expect(Math.abs(far.goodput / exactFar - 1)).toBeLessThan(0.02);
  });

  it("is deterministic for the same seeds", () => {
    expect(optimalIntervalS(spec, job, { seeds: [1, 2, 3, 4], gridPoints: 5, refineIterations: 4 })).toEqual(
      optimalIntervalS(spec, job, { seeds: [1, 2, 3, 4], gridPoints: 5, refineIterations: 4 }),
    );
  });

  it("with background (non-blocking) writes, checkpoints as often as the storage allows", () => {
    const nb = { ...spec, checkpoint: { ...spec.checkpoint, blocking: false } };
    const r = optimalIntervalS(nb, job, { seeds: [1, 2], gridPoints: 7, refineIterations: 6 });
    expect(r.intervalS / 120).toBeLessThan(1.3);
    expect(r.goodput).toBeGreaterThan(r.goodputAtDaly);
  });

  it("reports each evaluation of the search against its planned total (a progress bar)", () => {
    const seen: [number, number][] = [];
    const quiet = optimalIntervalS(spec, job, { seeds: [1, 2], gridPoints: 5, refineIterations: 4 });
    const told = optimalIntervalS(spec, job, {
      seeds: [1, 2],
      gridPoints: 5,
      refineIterations: 4,
      onEvaluated: (d, t) => seen.push([d, t]),
    });
    expect(told).toEqual(quiet);
    expect(seen.map(([d]) => d)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(new Set(seen.map(([, t]) => t))).toEqual(new Set([5 + 2 + 4 + 2]));
  });
});
