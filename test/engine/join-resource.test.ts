import { describe, expect, it } from "vitest";
import { Join, Resource, Simulator } from "../../src/engine/index.js";

describe("Join", () => {
  it("fires once, at the time of the last arrival", () => {
    const sim = new Simulator();
    const firedAt: number[] = [];
    const join = new Join(3, () => firedAt.push(sim.now));
    const arrive = sim.handler("arrive", () => join.arrive());
    sim.at(1, arrive);
    sim.at(4, arrive);
    sim.at(2, arrive);
    sim.run();
    expect(firedAt).toEqual([4]);
    expect(join.done).toBe(true);
    expect(() => join.arrive()).toThrowError(/after the join already fired/);
  });

  it("fires immediately for zero predecessors and rejects bad counts", () => {
    let fired = 0;
    new Join(0, () => fired++);
    expect(fired).toBe(1);
    expect(() => new Join(-1, () => {})).toThrowError(/count must be an integer >= 0, found -1/);
  });
});

describe("Resource", () => {
  it("serves jobs first in, first out on one server", () => {
    const sim = new Simulator();
    const done: Array<[number, number]> = [];
    const h = sim.handler("done", (id) => done.push([id, sim.now]));
    const stream = new Resource(sim, "compute", 1);
    stream.submit(2, h, 1);
    stream.submit(1, h, 2);
    stream.submit(3, h, 3);
    expect(stream.inUse).toBe(1);
    expect(stream.queued).toBe(2);
    sim.run();
    expect(done).toEqual([
      [1, 2],
      [2, 3],
      [3, 6],
    ]);
    expect(stream.busySeconds).toBe(6);
  });

  it("runs up to capacity jobs at once", () => {
    const sim = new Simulator();
    const done: Array<[number, number]> = [];
    const h = sim.handler("done", (id) => done.push([id, sim.now]));
    const dma = new Resource(sim, "dma", 2);
    for (let i = 0; i < 5; i++) dma.submit(1, h, i);
    sim.run();
    expect(done).toEqual([
      [0, 1],
      [1, 1],
      [2, 2],
      [3, 2],
      [4, 3],
    ]);
  });

  it("keeps FIFO order past its initial queue size", () => {
    const sim = new Simulator();
    const order: number[] = [];
    const h = sim.handler("done", (id) => order.push(id));
    const r = new Resource(sim, "big", 1);
    for (let i = 0; i < 100; i++) r.submit(0.5, h, i);
    sim.run();
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(sim.now).toBe(50);
  });

  it("rejects bad capacities and service times", () => {
    const sim = new Simulator();
    expect(() => new Resource(sim, "x", 0)).toThrowError(/capacity must be an integer >= 1, found 0/);
    const r = new Resource(sim, "x", 1);
    const h = sim.handler("h", () => {});
    expect(() => r.submit(-1, h)).toThrowError(/service time must be finite and >= 0 s, found -1/);
  });
});
