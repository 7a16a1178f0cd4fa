import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { busBandwidthFactor } from "../../src/collectives/busbw.js";
import { parseSizeBytes } from "../../src/collectives/sizes.js";
import { btreeParents, depthsOf, dtreeParents } from "../../src/collectives/tree.js";

describe("sizes", () => {
  it("parses units strictly", () => {
    expect(parseSizeBytes("1GiB")).toBe(1024 ** 3);
    expect(parseSizeBytes("8B")).toBe(8);
    expect(parseSizeBytes("512 KB")).toBe(512e3);
    expect(parseSizeBytes("1.5MiB")).toBe(1.5 * 1024 ** 2);
    expect(parseSizeBytes("100")).toBe(100);
    for (const bad of ["", "GiB", "1 gib", "1GiBs", "1,5MiB", "abc"]) expect(parseSizeBytes(bad)).toBeUndefined();
  });
});

describe("nccl-tests bus factors", () => {
  it("follow the per-operation definitions", () => {
    expect(busBandwidthFactor("allreduce", 8)).toBe(1.75);
    expect(busBandwidthFactor("allgather", 8)).toBe(0.875);
    expect(busBandwidthFactor("reducescatter", 8)).toBe(0.875);
    expect(busBandwidthFactor("alltoall", 8)).toBe(0.875);
    expect(busBandwidthFactor("broadcast", 8)).toBe(1);
    expect(busBandwidthFactor("reduce", 8)).toBe(1);
  });
});

describe("NCCL binary and double binary trees", () => {
  it("are trees of height ~log2 n where nobody has more than 2 children, and leaves of one tree lead in the other", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 600 }), (n) => {
        const trees = dtreeParents(n);
        for (const parent of trees) {
          const depth = depthsOf(parent); // throws on a cycle
          expect(parent.filter((p) => p < 0).length).toBe(1);
          const children = new Int32Array(n);
          for (const p of parent) if (p >= 0) children[p] = (children[p] as number) + 1;
          expect(Math.max(...children)).toBeLessThanOrEqual(2);
          expect(Math.max(...depth)).toBeLessThanOrEqual(Math.ceil(Math.log2(n)) + 1);
        }
        if (n % 2 === 0) {
          // Every rank has children in at most one of the two trees.
          const [a, b] = trees;
          const hasKids = (parent: Int32Array) => {
            const s = new Set<number>();
            for (const p of parent) if (p >= 0) s.add(p);
            return s;
          };
          const ka = hasKids(a as Int32Array);
          for (const r of hasKids(b as Int32Array)) expect(ka.has(r)).toBe(false);
        }
      }),
    );
    expect(Array.from(btreeParents(8))).toEqual([-1, 2, 4, 2, 0, 6, 4, 6]);
  });
});
