/**
 * Extreme-value oracles for the straggler tests: the expected maximum of N
 * i.i.d. normals or lognormals, by numerical integration in the normal
 * domain. With Z_max the largest of N standard normals (density
 * N·φ(z)·Φ(z)^{N−1}) and X = exp(mu + sigma·Z):
 *   E[max X] = ∫ exp(mu + sigma·z) · N · φ(z) · Φ(z)^{N−1} dz
 * (sigma >= 0 keeps the map monotone, so max X = exp(mu + sigma·Z_max)).
 * The integrand is evaluated in logs, with log Φ computed to full relative
 * precision in both tails, and integrated by composite 10-point
 * Gauss-Legendre on panels of 0.05 in z over
 * [−12, sigma + sqrt(2 ln N) + 12], where it is below e^−70 outside.
 */

const PANEL_Z = 0.05;
const TAIL_Z = 12;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT_PI = Math.sqrt(Math.PI);

/** E[max of n i.i.d. lognormal(mu, sigma)] = E[max exp(mu + sigma·N(0,1))]. */
export function expectedMaxLognormal(n: number, mu: number, sigma: number): number {
  checkArgs(n, "expectedMaxLognormal");
  if (!Number.isFinite(mu)) throw new RangeError(`expectedMaxLognormal: mu must be finite, found ${mu}`);
  if (!(sigma >= 0) || !Number.isFinite(sigma)) {
    throw new RangeError(`expectedMaxLognormal: sigma must be a finite number >= 0, found ${sigma}`);
  }
  if (sigma === 0) return Math.exp(mu);
  // Integrate exp(sigma·z + log density) and scale by e^mu at the end.
  return Math.exp(mu) * integrateOverMaxDensity(n, sigma, (z) => sigma * z, PANEL_Z);
}

/** E[max of n i.i.d. standard normals]. */
export function expectedMaxNormal(n: number): number {
  checkArgs(n, "expectedMaxNormal");
  // E[Z_max] = ∫ z·f(z) dz: integrate (z + shift)·f and subtract the shift to keep the integrand positive.
  const shift = TAIL_Z;
  return integrateOverMaxDensity(n, 0, (z) => Math.log(z + shift), PANEL_Z) - shift;
}

/**
 * ∫ exp(logG(z)) · n·φ(z)·Φ(z)^{n−1} dz over [−12, peak + 12], composite
 * 10-point Gauss-Legendre. `peakShift` moves the upper end right (sigma).
 * Exported for the tests' convergence check (a finer `panelZ` must agree).
 */
export function integrateOverMaxDensity(
  n: number,
  peakShift: number,
  logG: (z: number) => number,
  panelZ = PANEL_Z,
): number {
  const lo = -TAIL_Z;
  const hi = peakShift + Math.sqrt(2 * Math.log(Math.max(n, 1))) + TAIL_Z;
  const panels = Math.ceil((hi - lo) / panelZ);
  const width = (hi - lo) / panels;
  const logN = Math.log(n);
  let sum = 0;
  for (let p = 0; p < panels; p++) {
    const mid = lo + (p + 0.5) * width;
    let panel = 0;
    for (let k = 0; k < GL_NODES.length; k++) {
      const z = mid + 0.5 * width * (GL_NODES[k] as number);
      const logF = logN - 0.5 * z * z - LOG_SQRT_2PI + (n - 1) * logNormalCdf(z) + logG(z);
      panel += (GL_WEIGHTS[k] as number) * Math.exp(logF);
    }
    sum += 0.5 * width * panel;
  }
  return sum;
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return z >= 0 ? 1 - normalUpperTail(z) : normalUpperTail(-z);
}

/** log Φ(z), accurate in both tails (log1p(−Q(z)) above 0, log Q(−z) below). */
export function logNormalCdf(z: number): number {
  return z >= 0 ? Math.log1p(-normalUpperTail(z)) : Math.log(normalUpperTail(-z));
}

/**
 * Upper tail Q(z) = 1 − Φ(z) for z >= 0, to near full relative precision.
 * z < 3: Q = (1 − erf(z/√2))/2 with erf(x) = (2/√π)·e^{−x²}·Σ 2^k x^{2k+1}/(1·3·…·(2k+1))
 * (A&S 7.1.6; all terms positive, no cancellation). z >= 3: Q = φ(z)·R(z) with
 * the Mills ratio's continued fraction R(z) = 1/(z + 1/(z + 2/(z + 3/(z + …))))
 * (A&S 26.2.14), evaluated bottom-up from a depth where it has converged.
 */
export function normalUpperTail(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z < 0) return 1 - normalUpperTail(-z);
  if (z < 3) {
    const x = z / Math.SQRT2;
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= (2 * x2) / (2 * k + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    const erf = (2 / SQRT_PI) * Math.exp(-x2) * sum;
    return 0.5 * (1 - erf);
  }
  const depth = z < 5 ? 120 : z < 10 ? 50 : 25;
  let frac = z;
  for (let k = depth; k >= 1; k--) frac = z + k / frac;
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI) / frac;
}

function checkArgs(n: number, fn: string): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${fn}: n must be an integer >= 1, found ${n}`);
}

/** Nodes and weights of n-point Gauss-Legendre on [−1, 1], by Newton's method on P_n (Golub-Welsch not needed at n = 10). */
function gaussLegendre(n: number): { nodes: number[]; weights: number[] } {
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let i = 1; i <= n; i++) {
    let x = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    nodes.push(x);
    weights.push(2 / ((1 - x * x) * dp * dp));
  }
  return { nodes, weights };
}

const GL = gaussLegendre(10);
const GL_NODES: readonly number[] = Object.freeze(GL.nodes);
const GL_WEIGHTS: readonly number[] = Object.freeze(GL.weights);
