import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Simulator } from "../../src/engine/simulator.js";
import { FlowNetwork } from "../../src/network/flow-network.js";
import { linkTableOf } from "../helpers/link-table.js";

const linkTable = linkTableOf;

/** Starts `paths` as flows at t=0 (in the given order) and returns their rates after the first recomputation. */
function ratesAfterStart(bandwidths: number[], paths: number[][], order: number[]): number[] {
  const sim = new Simulator();
  const net = new FlowNetwork(sim, linkTable(bandwidths), { efficiency: 1 });
  const ids: number[] = new Array(paths.length);
  for (const i of order) ids[i] = net.startFlow(paths[i] as number[], 1e9, () => {}, i, { messages: 0 });
  sim.run({ untilS: 0 });
  return ids.map((f) => net.rateOf(f));
}

const scenario = fc.integer({ min: 1, max: 12 }).chain((links) =>
  fc.record({
    bandwidths: fc.array(
      fc.integer({ min: 1, max: 100 }).map((x) => x * 1e9),
      {
        minLength: links,
        maxLength: links,
      },
    ),
    paths: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: links - 1 }), { minLength: 1, maxLength: 5 }), {
      minLength: 1,
      maxLength: 30,
    }),
    seed: fc.integer(),
  }),
);

describe("max-min fair sharing (progressive filling)", () => {
  it("respects capacities, gives every flow a saturated bottleneck, and ignores insertion order", () => {
    fc.assert(
      fc.property(scenario, ({ bandwidths, paths, seed }) => {
        const identity = paths.map((_, i) => i);
        const rates = ratesAfterStart(bandwidths, paths, identity);
        const load = new Float64Array(bandwidths.length);
        const maxRate = new Float64Array(bandwidths.length);
        paths.forEach((p, i) => {
          for (const l of p) {
            load[l] = (load[l] as number) + (rates[i] as number);
            maxRate[l] = Math.max(maxRate[l] as number, rates[i] as number);
          }
        });
        const tol = 1e-9;
        // No link over capacity.
        bandwidths.forEach((bw, l) => {
          expect(load[l] as number).toBeLessThanOrEqual(bw * (1 + tol));
        });
        // Every flow is positive and has a saturated link where its rate is the largest.
        paths.forEach((p, i) => {
          const r = rates[i] as number;
          expect(r).toBeGreaterThan(0);
          const bottleneck = p.some(
            (l) =>
              (load[l] as number) >= (bandwidths[l] as number) * (1 - tol) && r >= (maxRate[l] as number) * (1 - tol),
          );
          expect(bottleneck).toBe(true);
        });
        // Independent of insertion order (a seeded shuffle).
        const shuffled = identity.slice();
        let s = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
        }
        const again = ratesAfterStart(bandwidths, paths, shuffled);
        again.forEach((r, i) => {
          expect(r).toBeCloseTo(rates[i] as number, -1); // absolute tolerance 5 bytes/s on GB/s rates
          expect(Math.abs(r - (rates[i] as number))).toBeLessThanOrEqual((rates[i] as number) * 1e-9);
        });
      }),
      { numRuns: 300 },
    );
  });

  it("matches a hand-solved allocation", () => {
    // Link 0: 10 GB/s shared by flows A, B; link 1: 4 GB/s carries B and C.
    // B and C share link 1 at 2 each; A then gets 10 - 2 = 8 on link 0.
    const rates = ratesAfterStart([10e9, 4e9], [[0], [0, 1], [1]], [0, 1, 2]);
    expect(rates[0]).toBeCloseTo(8e9, 0);
    expect(rates[1]).toBeCloseTo(2e9, 0);
    expect(rates[2]).toBeCloseTo(2e9, 0);
  });
});
