import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LeastLoaded } from "../../../src/workload/serving/least-loaded.js";

describe("LeastLoaded", () => {
  it("always answers what a linear scan would (least load, lowest index among equals)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: -3, max: 3 })), { maxLength: 300 }),
        (size, changes) => {
          const load = new Array<number>(size).fill(0);
          const heap = new LeastLoaded(size, (i) => load[i] as number);
          const scan = () => {
            let best = 0;
            for (let i = 1; i < size; i++) if ((load[i] as number) < (load[best] as number)) best = i;
            return best;
          };
          expect(heap.peek()).toBe(scan());
          for (const [who, delta] of changes) {
            const i = who % size;
            load[i] = (load[i] as number) + delta;
            heap.update(i);
            expect(heap.peek()).toBe(scan());
          }
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});
