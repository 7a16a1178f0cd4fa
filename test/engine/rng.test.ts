import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../src/engine/index.js";

const draw = (streams: RandomStreams, name: string, n: number) =>
  Array.from({ length: n }, () => streams.stream(name).uniform());

describe("RandomStreams", () => {
  it("gives the same draws for the same seed and name", () => {
    expect(draw(new RandomStreams(7), "card/3", 10)).toEqual(draw(new RandomStreams(7), "card/3", 10));
  });

  it("keeps an entity's draws unchanged when other entities are added or drawn first", () => {
    const alone = new RandomStreams(7);
    const crowded = new RandomStreams(7);
    for (let i = 0; i < 100; i++) draw(crowded, `card/${i + 100}`, 5);
    expect(draw(crowded, "card/3", 20)).toEqual(draw(alone, "card/3", 20));
  });

  it("gives different streams for different names and seeds", () => {
    const s = new RandomStreams(7);
    expect(draw(s, "card/1", 5)).not.toEqual(draw(s, "card/2", 5));
    expect(draw(new RandomStreams(1), "x", 5)).not.toEqual(draw(new RandomStreams(2), "x", 5));
  });

  it("draws uniforms in [0, 1) and exponentials and lognormals with the right means", () => {
    const s = new RandomStreams(11).stream("stats");
    const n = 200_000;
    let u = 0;
    let e = 0;
    let l = 0;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const x = s.uniform();
      if (!(x >= 0 && x < 1)) outOfRange++;
      u += x;
      e += s.exponential(2);
      l += s.lognormal(0, 0.5);
    }
    expect(outOfRange).toBe(0);
    expect(u / n).toBeCloseTo(0.5, 2);
    expect(e / n).toBeCloseTo(0.5, 2);
    expect(l / n).toBeCloseTo(Math.exp(0.125), 2);
  });

  it("rejects a non-integer seed", () => {
    expect(() => new RandomStreams(1.5)).toThrowError(/seed must be a safe integer, found 1.5/);
  });
});
