import { describe, expect, it } from "vitest";
import { expandSweep } from "../../src/sweep/expand.js";
import { pointId } from "../../src/sweep/point-id.js";
import { fromUnit } from "../../src/sweep/sampling.js";
import { inShard, parseShard } from "../../src/sweep/shard.js";
import { SweepSpecSchema } from "../../src/sweep/sweep-spec.js";

const expand = (spec: Record<string, unknown>) =>
  expandSweep(SweepSpecSchema.parse({ scenario: "s.yaml", ...spec }), "/abs/s.yaml");

describe("sweep expansion", () => {
  it("grid is the product of its axes, the last axis varying fastest", () => {
    const plan = expand({ axes: [{ kind: "grid", values: { a: [1, 2], b: ["x", "y", "z"] } }] });
    expect(plan.axisPaths).toEqual(["a", "b"]);
    expect(plan.points.map((p) => p.spec.sets)).toEqual([
      ["a=1", "b=x"],
      ["a=1", "b=y"],
      ["a=1", "b=z"],
      ["a=2", "b=x"],
      ["a=2", "b=y"],
      ["a=2", "b=z"],
    ]);
    expect(plan.points.map((p) => p.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("zip pairs the i-th values; blocks multiply; fixed sets come first", () => {
    const plan = expand({
      set: ["model.layers=4"],
      axes: [
        { kind: "zip", values: { "parallel.tp": [1, 2, 4], "parallel.pp": [8, 4, 2] } },
        {
          kind: "points",
          points: [
            { nic: 100, fast: true },
            { nic: 400, fast: false },
          ],
        },
      ],
    });
    expect(plan.points).toHaveLength(6);
    expect(plan.points[3]?.spec.sets).toEqual([
      "model.layers=4",
      "parallel.tp=2",
      "parallel.pp=4",
      "nic=400",
      "fast=false",
    ]);
    for (const p of plan.points) expect(Number(p.values["parallel.tp"]) * Number(p.values["parallel.pp"])).toBe(8);
  });

  it("seed and steps axes set the RunSpec fields, not --set overrides", () => {
    const plan = expand({ seed: 9, steps: 4, axes: [{ kind: "grid", values: { seed: [1, 2], x: [0.5] } }] });
    expect(plan.points.map((p) => [p.spec.seed, p.spec.steps, p.spec.sets])).toEqual([
      [1, 4, ["x=0.5"]],
      [2, 4, ["x=0.5"]],
    ]);
  });

  it("point ids hash (sets, seed, steps) only; duplicate points are dropped", () => {
    const plan = expand({ axes: [{ kind: "points", points: [{ x: 1 }, { x: 2 }, { x: 1 }] }] });
    expect(plan.points.map((p) => p.id)).toEqual([pointId(["x=1"], 1, 3), pointId(["x=2"], 1, 3)]);
    expect(plan.duplicatesDropped).toBe(1);
    expect(new Set([pointId(["x=1"], 1, 3), pointId(["x=1"], 2, 3), pointId(["x=1"], 1, 4)]).size).toBe(3);
    expect(pointId(["x=1"], 1, 3)).toMatch(/^[0-9a-f]{16}$/);
  });

  it("random samples stay in range, are seeded, and an added axis leaves the others' draws alone", () => {
    const block = (ranges: Record<string, unknown>, seed = 11) => ({ kind: "random", count: 50, seed, ranges });
    const one = expand({ axes: [block({ a: { min: 2, max: 5 } })] });
    const two = expand({ axes: [block({ a: { min: 2, max: 5 }, n: { min: 1, max: 64, log: true, integer: true } })] });
    const other = expand({ axes: [block({ a: { min: 2, max: 5 } }, 12)] });
    const a = (plan: typeof one) => plan.points.map((p) => p.values.a as number);
    expect(a(two)).toEqual(a(one));
    expect(a(other)).not.toEqual(a(one));
    for (const x of a(one)) expect(x >= 2 && x < 5).toBe(true);
    for (const p of two.points) {
      const n = p.values.n as number;
      expect(Number.isInteger(n) && n >= 1 && n <= 64).toBe(true);
    }
  });

  it("Latin hypercube: every stratum of every axis is used exactly once", () => {
    const count = 37;
    const plan = expand({
      axes: [{ kind: "lhs", count, seed: 5, ranges: { u: { min: 0, max: 1 }, w: { min: 10, max: 1000, log: true } } }],
    });
    expect(plan.points).toHaveLength(count);
    const strataU = plan.points.map((p) => Math.floor((p.values.u as number) * count)).sort((x, y) => x - y);
    const strataW = plan.points
      .map((p) =>
        Math.floor(((Math.log(p.values.w as number) - Math.log(10)) / (Math.log(1000) - Math.log(10))) * count),
      )
      .sort((x, y) => x - y);
    const all = Array.from({ length: count }, (_, i) => i);
    expect(strataU).toEqual(all);
    expect(strataW).toEqual(all);
    // The two axes are not paired stratum-to-stratum (an independent permutation each).
    expect(plan.points.some((p) => Math.floor((p.values.u as number) * count) !== strataOf(p.values.w as number))).toBe(
      true,
    );
    function strataOf(w: number) {
      return Math.floor(((Math.log(w) - Math.log(10)) / (Math.log(1000) - Math.log(10))) * count);
    }
  });

  it("sampled value lists and integer ranges cover their ends", () => {
    expect(fromUnit({ values: ["a", "b", "c"] }, 0)).toBe("a");
    expect(fromUnit({ values: ["a", "b", "c"] }, 0.999)).toBe("c");
    expect(fromUnit({ min: 1, max: 3, integer: true }, 0)).toBe(1);
    expect(fromUnit({ min: 1, max: 3, integer: true }, 0.9999)).toBe(3);
  });

  it("shards split the points round-robin, each point in exactly one shard", () => {
    expect(parseShard("2/5")).toEqual({ k: 2, n: 5 });
    for (const bad of ["0/3", "4/3", "1/0", "a/b", "1"]) expect(parseShard(bad)).toHaveProperty("error");
    const n = 4;
    for (let i = 0; i < 23; i++) {
      const owners = [1, 2, 3, 4].filter((k) => inShard(i, { k, n }));
      expect(owners).toEqual([(i % n) + 1]);
    }
  });
});
