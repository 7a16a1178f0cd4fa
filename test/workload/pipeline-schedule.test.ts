import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Pass, pipelineSchedule, type ScheduleKind } from "../../src/workload/pipeline-schedule.js";
import { overlappedPairs } from "../../src/workload/training/overlapped-passes.js";

const label = (p: Pass) => `${p.kind}${p.chunk}.${p.microBatch}`;

/**
 * Runs all ranks' schedules against the data dependencies with unit-time
 * passes (B takes 2) and returns the makespan; throws on deadlock.
 */
function simulate(kind: ScheduleKind, pp: number, m: number, v: number): number {
  const lists = Array.from({ length: pp }, (_, r) => pipelineSchedule(kind, pp, r, m, v));
  const doneAt = new Map<string, number>();
  const key = (k: string, stage: number, mb: number) => `${k}${stage}.${mb}`;
  const idx = new Array(pp).fill(0);
  const free = new Array(pp).fill(0);
  const stages = pp * v;
  let progress = true;
  while (progress) {
    progress = false;
    for (let r = 0; r < pp; r++) {
      const list = lists[r] as Pass[];
      const p = list[idx[r]];
      if (!p) continue;
      const stage = p.chunk * pp + r;
      const deps: string[] = [];
      if (p.kind === "F" && stage > 0) deps.push(key("F", stage - 1, p.microBatch));
      if (p.kind === "B") {
        deps.push(key("F", stage, p.microBatch));
        if (stage < stages - 1) deps.push(key("B", stage + 1, p.microBatch));
      }
      if (!deps.every((d) => doneAt.has(d))) continue;
      const start = Math.max(free[r], ...deps.map((d) => doneAt.get(d) as number));
      const end = start + (p.kind === "F" ? 1 : 2) / v;
      doneAt.set(key(p.kind, stage, p.microBatch), end);
      free[r] = end;
      idx[r]++;
      progress = true;
    }
  }
  for (let r = 0; r < pp; r++) if (idx[r] !== (lists[r] as Pass[]).length) throw new Error("deadlock");
  return Math.max(...free);
}

describe("pipeline schedules", () => {
  it("1f1b on the last rank alternates F and B from the start", () => {
    expect(pipelineSchedule("1f1b", 4, 3, 4).map(label)).toEqual([
      "F0.0",
      "B0.0",
      "F0.1",
      "B0.1",
      "F0.2",
      "B0.2",
      "F0.3",
      "B0.3",
    ]);
  });

  it("1f1b on the first rank warms up with pp-1 forwards", () => {
    expect(pipelineSchedule("1f1b", 4, 0, 6).map(label)).toEqual([
      "F0.0",
      "F0.1",
      "F0.2",
      "F0.3",
      "B0.0",
      "F0.4",
      "B0.1",
      "F0.5",
      "B0.2",
      "B0.3",
      "B0.4",
      "B0.5",
    ]);
  });

  it("every schedule runs each (kind, chunk, micro-batch) exactly once", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom<ScheduleKind>("gpipe", "1f1b", "interleaved-1f1b"),
        (pp, groups, v, kind) => {
          const vv = kind === "1f1b" ? 1 : v;
          const m = pp * groups;
          for (let r = 0; r < pp; r++) {
            const passes = pipelineSchedule(kind, pp, r, m, vv).map(label);
            expect(new Set(passes).size).toBe(2 * m * vv);
            expect(passes.length).toBe(2 * m * vv);
          }
          // And the ranks together never deadlock.
          expect(simulate(kind, pp, m, vv)).toBeGreaterThan(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("has the textbook bubble: (pp-1)/m for 1f1b, reduced by v when interleaved", () => {
    const pp = 4;
    const m = 8;
    const ideal = m * 3; // F=1, B=2 per micro-batch
    expect(simulate("1f1b", pp, m, 1)).toBeCloseTo(ideal + (pp - 1) * 3, 9);
    const v = 2;
    expect(simulate("interleaved-1f1b", pp, m, v)).toBeCloseTo(ideal + ((pp - 1) * 3) / v, 9);
  });

  it("rejects interleaving when micro-batches do not divide by pp", () => {
    expect(() => pipelineSchedule("interleaved-1f1b", 4, 0, 6, 2)).toThrowError(/divisible by pp/);
  });
});

describe("1f1b with paired forward/backward units (expert all-to-all overlap)", () => {
  /**
   * Runs every rank's schedule with each overlapped pair as one unit that
   * starts when both of its passes' inputs are there; throws on deadlock.
   * Not paired: the plain warm-up with each forward paired naively.
   */
  function runUnits(pp: number, m: number, paired: boolean): void {
    const units = Array.from({ length: pp }, (_, r) => {
      const s = pipelineSchedule("1f1b", pp, r, m, 1, paired);
      // Without the paired warm-up: pair adjacent passes of opposite kinds and other micro-batches, greedily.
      const naive = s.map(() => false);
      for (let i = 0; i + 1 < s.length; i++) {
        const [x, y] = [s[i] as Pass, s[i + 1] as Pass];
        if (x.kind !== y.kind && x.microBatch !== y.microBatch && x.microBatch > 0) naive[i++] = true;
      }
      const starts = paired ? overlappedPairs(s, () => true) : naive;
      const out: Pass[][] = [];
      for (let i = 0; i < s.length; i++) out.push(starts[i] ? [s[i] as Pass, s[++i] as Pass] : [s[i] as Pass]);
      return out;
    });
    const done = new Set<string>();
    const idx = new Array<number>(pp).fill(0);
    let progress = true;
    while (progress) {
      progress = false;
      for (let r = 0; r < pp; r++) {
        const unit = units[r]?.[idx[r] as number];
        if (!unit) continue;
        // A forward needs the stage before; a backward the stage after and its own forward, done before the unit.
        const ready = unit.every((p) =>
          p.kind === "F"
            ? r === 0 || done.has(`F${r - 1}.${p.microBatch}`)
            : (r === pp - 1 || done.has(`B${r + 1}.${p.microBatch}`)) && done.has(`F${r}.${p.microBatch}`),
        );
        if (!ready) continue;
        for (const p of unit) done.add(`${p.kind}${r}.${p.microBatch}`);
        idx[r] = (idx[r] as number) + 1;
        progress = true;
      }
    }
    for (let r = 0; r < pp; r++) if (idx[r] !== units[r]?.length) throw new Error("deadlock");
  }

  it("warms up with 2·(pp − rank) − 1 forwards", () => {
    expect(pipelineSchedule("1f1b", 4, 3, 6, 1, true).map(label)).toEqual([
      "F0.0",
      "F0.1",
      "B0.0",
      "F0.2",
      "B0.1",
      "F0.3",
      "B0.2",
      "F0.4",
      "B0.3",
      "F0.5",
      "B0.4",
      "B0.5",
    ]);
    expect(pipelineSchedule("1f1b", 4, 0, 12, 1, true).findIndex((p) => p.kind === "B")).toBe(8); // 7 warm-up forwards, then F7 paired with B0
  });

  it("paired units never deadlock with the paired warm-up; with the plain one they do (pp >= 2)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 24 }), (pp, m) => {
        runUnits(pp, m, true);
      }),
    );
    expect(() => runUnits(2, 8, false)).toThrow(/deadlock/);
  });
});
