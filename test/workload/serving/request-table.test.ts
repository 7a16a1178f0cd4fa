import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../../src/engine/rng.js";
import { closedLoopLengths, openLoopRequests, type RequestTable } from "../../../src/workload/serving/request-table.js";
import { type TrafficSpec, TrafficSpecSchema } from "../../../src/workload/serving/serving-spec.js";

const lengths = {
  inputTokens: { distribution: "lognormal", mean: 800, cv: 1 },
  outputTokens: { distribution: "uniform", min: 10, max: 300 },
};
const traffic = (t: Record<string, unknown>): TrafficSpec => TrafficSpecSchema.parse({ ...lengths, ...t });
const requests = (t: Record<string, unknown>, maxContext = 4096, seed = 7): RequestTable =>
  openLoopRequests(traffic(t), maxContext, new RandomStreams(seed));

const isNonDecreasing = (xs: Float64Array) => xs.every((x, i) => i === 0 || x >= (xs[i - 1] ?? 0));

describe("openLoopRequests", () => {
  it("requests: exactly that many, arrivals increasing from the first inter-arrival time", () => {
    const t = requests({ arrival: "poisson", ratePerS: 10, requests: 500 });
    expect(t.count).toBe(500);
    expect([t.arrivalS.length, t.inputTokens.length, t.outputTokens.length]).toEqual([500, 500, 500]);
    expect(t.arrivalS[0]).toBeGreaterThan(0);
    expect(isNonDecreasing(t.arrivalS)).toBe(true);
    // Mean inter-arrival 1/rate: the 500th arrival near 50 s.
    expect(t.arrivalS[499]).toBeGreaterThan(40);
    expect(t.arrivalS[499]).toBeLessThan(60);
  });

  it("constant: arrival i at (i + 1)/rate; durationS keeps arrivals strictly before it", () => {
    const t = requests({ arrival: "constant", ratePerS: 10, durationS: 1 });
    expect(Array.from(t.arrivalS)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
  });

  /** The requests with arrivalS < durationS must be the prefix of a longer run with the same seed. */
  const checkPrefix = (base: Record<string, unknown>, durationS: number, seed: number): number => {
    const byDuration = requests({ ...base, durationS }, 4096, seed);
    const long = requests({ ...base, requests: 30_000 }, 4096, seed);
    const expected = long.arrivalS.findIndex((a) => a >= durationS);
    expect(expected).toBeGreaterThanOrEqual(0);
    expect(byDuration.count).toBe(expected);
    expect(byDuration.arrivalS).toEqual(long.arrivalS.slice(0, expected));
    expect(byDuration.inputTokens).toEqual(long.inputTokens.slice(0, expected));
    expect(byDuration.outputTokens).toEqual(long.outputTokens.slice(0, expected));
    return byDuration.count;
  };

  it.each([
    ["poisson", { ratePerS: 200 }],
    ["gamma", { ratePerS: 200, cv: 4 }],
    ["gamma", { ratePerS: 2, cv: 10 }],
  ])("%s %o durationS: the prefix of the same stream's arrivals that fall before durationS", (arrival, extra) => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.double({ min: 1, max: 50, noNaN: true }), (seed, durationS) => {
        checkPrefix({ arrival, ...extra }, durationS, seed);
      }),
      { numRuns: 20 },
    );
  });

  it("durationS: a burst far above the expected count grows the arrays", () => {
    // λ·T = 40, so 82 slots are reserved (λT + 4√(λT) + 16); this seed's bursty gamma run has 279 arrivals.
    expect(checkPrefix({ arrival: "gamma", ratePerS: 2, cv: 10 }, 20, 16)).toBe(279);
  });

  it("requests and durationS: whichever ends first", () => {
    expect(requests({ arrival: "constant", ratePerS: 10, durationS: 100, requests: 7 }).count).toBe(7);
    expect(requests({ arrival: "constant", ratePerS: 10, durationS: 0.55, requests: 7 }).count).toBe(5);
  });

  it("offline: all requests at t = 0", () => {
    const t = requests({ arrival: "offline", requests: 1000 });
    expect(t.count).toBe(1000);
    expect(t.arrivalS.every((a) => a === 0)).toBe(true);
  });

  it("10^6 requests cost 16 bytes each", () => {
    const t = requests({ arrival: "poisson", ratePerS: 1000, requests: 1_000_000 });
    expect(t.count).toBe(1_000_000);
    expect(t.arrivalS.byteLength + t.inputTokens.byteLength + t.outputTokens.byteLength).toBe(16_000_000);
  });

  const lengthArb = fc.oneof(
    fc.integer({ min: 1, max: 20_000 }).map((mean) => ({ distribution: "fixed", mean })),
    fc
      .tuple(fc.integer({ min: 1, max: 20_000 }), fc.nat(20_000))
      .map(([min, extra]) => ({ distribution: "uniform", min, max: min + extra })),
    fc
      .tuple(fc.integer({ min: 1, max: 20_000 }), fc.double({ min: 0.1, max: 4, noNaN: true }))
      .map(([mean, cv]) => ({ distribution: "lognormal", mean, cv })),
  );

  it("property: input ≥ 1, output ≥ 1, input + output ≤ maxContextTokens", () => {
    fc.assert(
      fc.property(
        lengthArb,
        lengthArb,
        fc.integer({ min: 2, max: 10_000 }),
        fc.nat(1000),
        (inputTokens, outputTokens, maxContext, seed) => {
          const t = openLoopRequests(
            traffic({ arrival: "offline", requests: 200, inputTokens, outputTokens }),
            maxContext,
            new RandomStreams(seed),
          );
          for (let i = 0; i < t.count; i++) {
            const input = t.inputTokens[i] ?? 0;
            const output = t.outputTokens[i] ?? 0;
            expect(input).toBeGreaterThanOrEqual(1);
            expect(output).toBeGreaterThanOrEqual(1);
            expect(input + output).toBeLessThanOrEqual(maxContext);
          }
        },
      ),
    );
  });

  it("a context of 2 tokens: every request is 1 + 1", () => {
    const t = requests({ arrival: "offline", requests: 50 }, 2);
    expect(t.inputTokens.every((x) => x === 1) && t.outputTokens.every((x) => x === 1)).toBe(true);
  });

  it("changing the output distribution leaves arrivals and inputs identical", () => {
    const a = requests({ arrival: "gamma", ratePerS: 5, cv: 2, requests: 2000 });
    const b = requests({
      arrival: "gamma",
      ratePerS: 5,
      cv: 2,
      requests: 2000,
      outputTokens: { distribution: "lognormal", mean: 50, cv: 3 },
    });
    expect(b.arrivalS).toEqual(a.arrivalS);
    expect(b.inputTokens).toEqual(a.inputTokens);
    expect(b.outputTokens).not.toEqual(a.outputTokens);
  });

  it("changing the input distribution leaves arrivals identical", () => {
    const a = requests({ arrival: "poisson", ratePerS: 5, requests: 500 });
    const b = requests({ arrival: "poisson", ratePerS: 5, requests: 500, inputTokens: { mean: 10 } });
    expect(b.arrivalS).toEqual(a.arrivalS);
    expect(b.inputTokens.every((x) => x === 10)).toBe(true);
  });

  it("trace: the file's rows, cut by requests and durationS", () => {
    const file = join(mkdtempSync(join(tmpdir(), "clustersim-trace-")), "t.csv");
    writeFileSync(file, "arrival_s,input_tokens,output_tokens\n0,10,5\n1,20,6\n2,30,7\n3,40,8\n");
    const t = (extra: Record<string, unknown>) =>
      openLoopRequests(
        TrafficSpecSchema.parse({ arrival: "trace", traceFile: file, ...extra }),
        4096,
        new RandomStreams(1),
      );
    expect(t({}).count).toBe(4);
    expect(Array.from(t({ requests: 3 }).inputTokens)).toEqual([10, 20, 30]);
    expect(Array.from(t({ durationS: 2 }).arrivalS)).toEqual([0, 1]);
    expect(t({ durationS: 2.5, requests: 2 }).count).toBe(2);
  });

  it("closed-loop traffic has no table", () => {
    expect(() => requests({ arrival: "closed-loop", users: 4, requests: 10 })).toThrow(/closedLoopLengths/);
  });
});

describe("closedLoopLengths", () => {
  const t = traffic({ arrival: "closed-loop", users: 8, requests: 100 });
  const seq = (streams: RandomStreams, user: number, n = 50) => {
    const g = closedLoopLengths(t, 1024, streams, user);
    return Array.from({ length: n }, () => g.next());
  };

  it("deterministic per user, independent of other users and of creation order", () => {
    const a = new RandomStreams(11);
    const b = new RandomStreams(11);
    const a3 = seq(a, 3);
    seq(b, 5, 1000); // another user's draws first
    expect(seq(b, 3)).toEqual(a3);
    expect(seq(new RandomStreams(11), 4)).not.toEqual(a3);
    expect(seq(new RandomStreams(12), 3)).not.toEqual(a3);
  });

  it("clipped to the context like open-loop requests", () => {
    for (const [input, output] of seq(new RandomStreams(2), 0, 5000)) {
      expect(input).toBeGreaterThanOrEqual(1);
      expect(output).toBeGreaterThanOrEqual(1);
      expect(input + output).toBeLessThanOrEqual(1024);
    }
  });
});
