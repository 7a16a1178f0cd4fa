import { ecmpHash } from "./ecmp-hash.js";
import type { GraphBuilder } from "./graph-builder.js";
import type { ScaleOut } from "./scale-out.js";

/**
 * A torus of cards (TPU ICI): card c has coordinates x0 = c mod d0,
 * x1 = floor(c/d0) mod d1, ...; per dimension a link to the + and to the -
 * neighbour (link base + 2*(c*dims + k) + 0/1). Routes are dimension-ordered,
 * the shorter way round in each dimension (ties: ECMP hash).
 */
export function buildTorus(
  g: GraphBuilder,
  dims: readonly number[],
  linkBytesPerS: number,
  latencyS: number,
): ScaleOut {
  const cards = dims.reduce((a, b) => a * b, 1);
  const nd = dims.length;
  const strides: number[] = [];
  let stride = 1;
  for (const d of dims) {
    strides.push(stride);
    stride *= d;
  }
  const base = g.reserveLinks(2 * cards * nd);
  const step = (c: number, k: number, dir: 0 | 1) => {
    const n = dims[k] ?? 1;
    const st = strides[k] ?? 1;
    const x = Math.floor(c / st) % n;
    const nx = dir === 0 ? (x + 1) % n : (x + n - 1) % n;
    return c + (nx - x) * st;
  };
  for (let c = 0; c < cards; c++) {
    for (let k = 0; k < nd; k++) {
      g.set(base + 2 * (c * nd + k), "torus", c, step(c, k, 0), linkBytesPerS, latencyS);
      g.set(base + 2 * (c * nd + k) + 1, "torus", c, step(c, k, 1), linkBytesPerS, latencyS);
    }
  }
  const largest = Math.max(...dims);
  return {
    route(src, dst, flowId, out) {
      let cur = src;
      for (let k = 0; k < nd; k++) {
        const n = dims[k] ?? 1;
        const st = strides[k] ?? 1;
        const xs = Math.floor(cur / st) % n;
        const xd = Math.floor(dst / st) % n;
        const fwd = (xd - xs + n) % n;
        const back = n - fwd;
        if (fwd === 0) continue;
        const dir: 0 | 1 = fwd < back || (fwd === back && (ecmpHash(flowId, 31 + k) & 1) === 0) ? 0 : 1;
        const hops = dir === 0 ? fwd : back;
        for (let h = 0; h < hops; h++) {
          out.push(base + 2 * (cur * nd + k) + dir);
          cur = step(cur, k, dir);
        }
      }
    },
    // Cutting the largest dimension in half crosses 2 * cards/largest links each way (wrap-around).
    bisectionBytesPerS: 2 * (cards / largest) * linkBytesPerS,
  };
}
