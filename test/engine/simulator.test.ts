import { describe, expect, it } from "vitest";
import { EngineError, Simulator } from "../../src/engine/index.js";

describe("Simulator ordering", () => {
  it("runs events in time order and advances now", () => {
    const sim = new Simulator();
    const seen: Array<[number, number]> = [];
    const h = sim.handler("record", (arg) => seen.push([sim.now, arg]));
    sim.at(3, h, 3);
    sim.at(1, h, 1);
    sim.after(2, h, 2);
    const stats = sim.run();
    expect(seen).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(stats).toEqual({ events: 3, endTimeS: 3 });
    expect(sim.pending).toBe(0);
  });

  it("breaks ties by insertion order, including events scheduled during a run", () => {
    const sim = new Simulator();
    const seen: number[] = [];
    const h = sim.handler("record", (arg) => {
      seen.push(arg);
      if (arg === 1) {
        sim.after(0, h, 10);
        sim.at(sim.now, h, 11);
      }
    });
    for (let i = 0; i < 5; i++) sim.at(1, h, i);
    sim.run();
    expect(seen).toEqual([0, 1, 2, 3, 4, 10, 11]);
  });

  it("runs closures scheduled with callAt / callAfter", () => {
    const sim = new Simulator();
    const seen: string[] = [];
    sim.callAfter(2, "b", () => seen.push(`b@${sim.now}`));
    sim.callAt(1, "a", () => seen.push(`a@${sim.now}`));
    sim.run();
    expect(seen).toEqual(["a@1", "b@2"]);
  });

  it("stops at untilS with now set to the limit and resumes later", () => {
    const sim = new Simulator();
    const seen: number[] = [];
    const h = sim.handler("record", (arg) => seen.push(arg));
    sim.at(1, h, 1);
    sim.at(5, h, 5);
    expect(sim.run({ untilS: 3 })).toEqual({ events: 1, endTimeS: 3 });
    expect(sim.now).toBe(3);
    expect(sim.pending).toBe(1);
    sim.run();
    expect(seen).toEqual([1, 5]);
  });

  it("runs an event exactly at untilS", () => {
    const sim = new Simulator();
    const seen: number[] = [];
    const h = sim.handler("record", (arg) => seen.push(arg));
    sim.at(3, h, 7);
    sim.run({ untilS: 3 });
    expect(seen).toEqual([7]);
  });

  it("keeps two simulators independent in one process", () => {
    const a = new Simulator();
    const b = new Simulator();
    const seen: string[] = [];
    const ha = a.handler("a", () => seen.push(`a${a.now}`));
    const hb = b.handler("b", () => seen.push(`b${b.now}`));
    a.at(2, ha);
    b.at(1, hb);
    a.run();
    b.run();
    expect(seen).toEqual(["a2", "b1"]);
    expect(a.now).toBe(2);
    expect(b.now).toBe(1);
  });
});

describe("Simulator cancel", () => {
  it("cancels a pending event and reports a second cancel as false", () => {
    const sim = new Simulator();
    const seen: number[] = [];
    const h = sim.handler("record", (arg) => seen.push(arg));
    const e1 = sim.at(1, h, 1);
    sim.at(2, h, 2);
    expect(sim.cancel(e1)).toBe(true);
    expect(sim.cancel(e1)).toBe(false);
    expect(sim.pending).toBe(1);
    sim.run();
    expect(seen).toEqual([2]);
  });

  it("does not cancel an event that already ran, even after its slot is reused", () => {
    const sim = new Simulator();
    const seen: number[] = [];
    const h = sim.handler("record", (arg) => seen.push(arg));
    const first = sim.at(1, h, 1);
    sim.run();
    sim.at(2, h, 2); // reuses the slot of the first event
    expect(sim.cancel(first)).toBe(false);
    sim.run();
    expect(seen).toEqual([1, 2]);
  });

  it("cancels a closure and an event from inside a handler", () => {
    const sim = new Simulator();
    const seen: string[] = [];
    const later = sim.callAt(5, "later", () => seen.push("later"));
    const h = sim.handler("canceller", () => {
      seen.push("canceller");
      sim.cancel(later);
    });
    sim.at(1, h);
    sim.run();
    expect(seen).toEqual(["canceller"]);
  });

  it("stays correct when many cancellations trigger a heap rebuild", () => {
    const sim = new Simulator();
    const seen: number[] = [];
    const h = sim.handler("record", (arg) => seen.push(arg));
    const handles = [];
    for (let i = 0; i < 5000; i++) handles.push(sim.at(5000 - i, h, 5000 - i));
    for (let i = 0; i < 5000; i++) if (i % 5 !== 0) sim.cancel(handles[i] as (typeof handles)[number]);
    expect(sim.pending).toBe(1000);
    sim.run();
    expect(seen.length).toBe(1000);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
  });
});

describe("Simulator bad input", () => {
  it.each([
    ["negative", -1],
    ["NaN", Number.NaN],
    ["infinite", Number.POSITIVE_INFINITY],
  ])("rejects a %s delay, naming the value and the caller", (_label, delay) => {
    const sim = new Simulator();
    const target = sim.handler("target", () => {});
    const caller = sim.handler("flowDone", () => sim.after(delay, target));
    sim.at(1, caller, 42);
    expect(() => sim.run()).toThrowError(
      new RegExp(`schedule 'target': delay .*found ${String(delay)} .*handler 'flowDone' \\(arg 42\\) at t=1 s`),
    );
  });

  it("rejects scheduling in the past", () => {
    const sim = new Simulator();
    const target = sim.handler("target", () => {});
    const caller = sim.handler("late", () => sim.at(0.5, target));
    sim.at(1, caller);
    expect(() => sim.run()).toThrowError(EngineError);
    sim.at(2, caller);
    expect(() => sim.run()).toThrowError(/schedule 'target': time must be finite and >= now \(2 s\), found 0.5/);
  });

  it("rejects NaN absolute times and unknown handlers", () => {
    const sim = new Simulator();
    const h = sim.handler("h", () => {});
    expect(() => sim.at(Number.NaN, h)).toThrowError(/found NaN .*outside any event/);
    expect(() => sim.at(1, 99 as typeof h)).toThrowError(/unknown handler id 99/);
    expect(() => sim.run({ untilS: -1 })).toThrowError(/untilS/);
  });

  it("never drops an event when a handler throws", () => {
    const sim = new Simulator();
    const seen: number[] = [];
    const ok = sim.handler("ok", (arg) => seen.push(arg));
    const bad = sim.handler("bad", () => {
      throw new Error("model bug");
    });
    sim.at(1, bad);
    sim.at(2, ok, 2);
    expect(() => sim.run()).toThrowError("model bug");
    expect(sim.pending).toBe(1);
    sim.run();
    expect(seen).toEqual([2]);
  });
});
