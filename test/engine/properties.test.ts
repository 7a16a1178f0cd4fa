import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Simulator } from "../../src/engine/index.js";

/** An operation of a random schedule: schedule at a delay, or cancel an earlier event. */
type Op = { kind: "schedule"; delayS: number; children: number[] } | { kind: "cancel"; target: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("schedule" as const),
      // Few distinct delays so that ties are common.
      delayS: fc.oneof(fc.constantFrom(0, 1, 2.5), fc.double({ min: 0, max: 10, noNaN: true })),
      children: fc.array(fc.constantFrom(0, 0.5, 1, 3), { maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), target: fc.nat(200) }) },
);

interface Trace {
  fired: Array<{ id: number; timeS: number; seq: number }>;
  cancelled: Set<number>;
}

/** Runs a random schedule; events that fire may schedule children. */
function runSchedule(ops: Op[]): Trace {
  const sim = new Simulator();
  const fired: Trace["fired"] = [];
  const cancelled = new Set<number>();
  const handles: Array<ReturnType<Simulator["at"]>> = [];
  const seqOf: number[] = [];
  const childrenOf: number[][] = [];
  let nextSeq = 0;
  const schedule = (delayS: number, children: number[]): void => {
    const id = handles.length;
    seqOf.push(nextSeq++);
    childrenOf.push(children);
    handles.push(sim.after(delayS, h, id));
  };
  const h = sim.handler("event", (id) => {
    fired.push({ id, timeS: sim.now, seq: seqOf[id] as number });
    for (const d of childrenOf[id] ?? []) if (handles.length < 500) schedule(d, []);
  });
  for (const op of ops) {
    if (op.kind === "schedule") schedule(op.delayS, op.children);
    else if (op.target < handles.length) {
      if (sim.cancel(handles[op.target] as ReturnType<Simulator["at"]>)) cancelled.add(op.target);
    }
  }
  sim.run();
  return { fired, cancelled };
}

describe("engine properties", () => {
  it("fires events in non-decreasing (time, sequence) order", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const { fired } = runSchedule(ops);
        for (let i = 1; i < fired.length; i++) {
          const a = fired[i - 1] as Trace["fired"][number];
          const b = fired[i] as Trace["fired"][number];
          expect(a.timeS < b.timeS || (a.timeS === b.timeS && a.seq < b.seq)).toBe(true);
        }
      }),
    );
  });

  it("never fires a cancelled event, and fires every other one exactly once", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const { fired, cancelled } = runSchedule(ops);
        const ids = fired.map((f) => f.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) expect(cancelled.has(id)).toBe(false);
      }),
    );
  });

  it("gives the same trace for the same schedule", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        expect(runSchedule(ops)).toEqual(runSchedule(ops));
      }),
    );
  });
});
