import { describe, expect, it } from "vitest";
import {
  dalyIntervalS,
  expectedWallSExact,
  goodputClosedForm,
  goodputExact,
  goodputFirstOrder,
  youngIntervalS,
} from "../../src/stragglers/goodput-closed-form.js";

/** Maximiser of f over [a, b] by golden-section search (a test-side oracle). */
function argmax(f: (x: number) => number, lo: number, hi: number): number {
  const phi = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  for (let i = 0; i < 200; i++) {
    const c = b - phi * (b - a);
    const d = a + phi * (b - a);
    if (f(c) >= f(d)) b = d;
    else a = c;
  }
  return (a + b) / 2;
}

describe("Young and Daly intervals", () => {
  it("Young is sqrt(2·δ·M)", () => {
    expect(youngIntervalS(60, 7200)).toBeCloseTo(Math.sqrt(864_000), 12); // 929.516...
  });

  it("Daly adds the higher-order terms, tends to Young for δ ≪ M, and is M for δ >= 2M", () => {
    const delta = 200;
    const m = 10_000;
    const x = delta / (2 * m);
    const hand = Math.sqrt(2 * delta * m) * (1 + Math.sqrt(x) / 3 + x / 9) - delta;
    expect(dalyIntervalS(delta, m)).toBeCloseTo(hand, 9);
    expect(dalyIntervalS(1e-3, 1e7) / youngIntervalS(1e-3, 1e7)).toBeCloseTo(1, 4);
    expect(dalyIntervalS(3e4, 1e4)).toBe(1e4);
  });

  it("Daly's estimate sits within 0.3% of the exact model's optimum for δ/M up to 0.3; Young drifts high", () => {
    // docs/model.md: within 0.3% (0.23% at δ/M = 0.3); Young +4.9% at δ/M = 0.01, +31.5% at 0.3.
    // The oracle is the steady-state optimum: goodput of one whole segment (T_s = τ), so that
    // no shorter last segment puts a sawtooth on the flat top of the goodput curve.
    const m = 10_000;
    const youngOver: Record<number, number> = {};
    for (const ratio of [1e-3, 1e-2, 0.03, 0.1, 0.2, 0.3]) {
      const model = (tau: number) => ({ intervalS: tau, writeS: ratio * m, recoveryS: 300, mtbfS: m });
      const logOpt = argmax(
        (lt) => goodputExact(model(Math.exp(lt)), Math.exp(lt)),
        Math.log(ratio * m) - 3,
        Math.log(10 * m),
      );
      const opt = Math.exp(logOpt);
      expect(Math.abs(dalyIntervalS(ratio * m, m) / opt - 1), `δ/M=${ratio}`).toBeLessThan(0.003);
      youngOver[ratio] = youngIntervalS(ratio * m, m) / opt - 1;
    }
    expect(youngOver[0.01]).toBeCloseTo(0.049, 3);
    expect(youngOver[0.3]).toBeCloseTo(0.315, 3);
  });
});

describe("goodput closed forms", () => {
  const model = { intervalS: 1200, writeS: 60, recoveryS: 600, mtbfS: 3 * 3600 };

  it("exact wall time equals Daly's T_w = M·e^{R/M}·(e^{(τ+δ)/M} − 1)·T_s/τ for whole segments", () => {
    const usefulS = 1200 * 500;
    const { intervalS: tau, writeS: d, recoveryS: r, mtbfS: m } = model;
    const daly = m * Math.exp(r / m) * (Math.exp((tau + d) / m) - 1) * (usefulS / tau);
    expect(expectedWallSExact(model, usefulS)).toBeCloseTo(daly, 4);
  });

  it("a last, partial segment costs its own work plus one write", () => {
    const inf = { ...model, mtbfS: Number.POSITIVE_INFINITY };
    expect(expectedWallSExact(inf, 1200 * 10 + 100)).toBe(1200 * 10 + 100 + 11 * 60);
    const whole = expectedWallSExact(model, 12_000);
    const more = expectedWallSExact(model, 12_100);
    const m = model.mtbfS;
    expect(more - whole).toBeCloseTo(m * Math.exp(model.recoveryS / m) * Math.expm1((100 + 60) / m), 6);
  });

  it("the first-order form agrees with the exact one when τ + δ + R ≪ M and drifts apart when not", () => {
    const rare = { ...model, mtbfS: 1000 * 3600 };
    expect(goodputFirstOrder(rare) / goodputExact(rare, 1e8)).toBeCloseTo(1, 4);
    const hand = (1 - ((1200 + 60) / 2 + 600) / model.mtbfS) / (1 + 60 / 1200);
    expect(goodputFirstOrder(model)).toBeCloseTo(hand, 14);
    expect(Math.abs(goodputFirstOrder(model) / goodputExact(model, 1e8) - 1)).toBeGreaterThan(0.005);
  });

  it("reports expected failures as λ·E[wall time] and picks the form by blocking", () => {
    const c = goodputClosedForm(model, 1e7);
    expect(c.form).toBe("daly-exact");
    // By hand: 1e7 s = 8,333 segments of τ = 1,200 s + a last one of 400 s; M = 10,800 s, R = 600 s, δ = 60 s:
    // E[T_w] = M·e^{R/M}·(8333·(e^{1260/M} − 1) + (e^{460/M} − 1)) = 11,773,290.0097 s (mpmath, 30 digits),
    // so λ·E[T_w] = 1,090.119445 failures and goodput = 1e7 / E[T_w] = 0.8493802490.
    const m = model.mtbfS;
    const wallS = m * Math.exp(600 / m) * (8333 * (Math.exp(1260 / m) - 1) + (Math.exp(460 / m) - 1));
    expect(wallS / 11_773_290.0097 - 1).toBeCloseTo(0, 11);
    expect(c.wallS / wallS - 1).toBeCloseTo(0, 12);
    expect(c.expectedFailures).toBeCloseTo(1090.119445, 6);
    expect(c.goodput).toBeCloseTo(0.849380249, 9);
    const nb = goodputClosedForm({ ...model, blocking: false }, 1e7);
    expect(nb.form).toBe("first-order");
    expect(nb.goodput).toBeCloseTo((1 - (600 + 60 + 600) / model.mtbfS) * (1e7 / (1e7 + 60)), 12);
  });
});
