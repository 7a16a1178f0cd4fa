import type { RandomStream } from "../../engine/rng.js";
import type { TrafficSpec } from "./serving-spec.js";

/**
 * A Gamma(shape, 1) variate (mean shape, variance shape), by G. Marsaglia and
 * W. W. Tsang, "A simple method for generating gamma variables", ACM TOMS
 * 26(3), 2000: for shape ≥ 1, d = shape − 1/3, c = 1/√(9d); draw x ~ N(0,1),
 * v = (1 + c·x)³ (retry when 1 + c·x ≤ 0), u ~ U(0,1); accept d·v when
 * u < 1 − 0.0331·x⁴ (squeeze) or ln u < x²/2 + d·(1 − v + ln v). For
 * shape < 1 (the paper's §6 boost): Gamma(shape) = Gamma(shape + 1) · u^(1/shape).
 */
export function gammaVariate(shape: number, rng: RandomStream): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`gamma shape must be > 0, found ${shape}`);
  if (shape < 1) {
    const u = 1 - rng.uniform(); // (0, 1]
    return gammaVariate(shape + 1, rng) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - rng.uniform(); // (0, 1], so ln u is finite
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * Draws successive inter-arrival times, s, for rate-driven traffic with rate
 * λ = ratePerS:
 * - poisson: exponential, mean 1/λ;
 * - constant: exactly 1/λ;
 * - gamma with coefficient of variation cv: shape k = 1/cv², scale θ = cv²/λ,
 *   so the mean k·θ = 1/λ and the CV 1/√k = cv (cv = 1 is Poisson).
 */
export function interArrivalSampler(traffic: TrafficSpec, rng: RandomStream): () => number {
  const rate = traffic.ratePerS;
  if (rate === undefined || !(rate > 0)) {
    throw new RangeError(`${traffic.arrival} arrivals need ratePerS > 0, found ${rate}`);
  }
  switch (traffic.arrival) {
    case "poisson":
      return () => rng.exponential(rate);
    case "constant": {
      const gapS = 1 / rate;
      return () => gapS;
    }
    case "gamma": {
      const cv = traffic.cv;
      if (cv === undefined || !(cv > 0)) throw new RangeError(`gamma arrivals need cv > 0, found ${cv}`);
      const shape = 1 / (cv * cv);
      const scaleS = (cv * cv) / rate;
      return () => gammaVariate(shape, rng) * scaleS;
    }
    default:
      throw new RangeError(`${traffic.arrival} arrivals have no inter-arrival time distribution`);
  }
}
