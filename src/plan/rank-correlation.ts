/**
 * Spearman's rank correlation of two equally long samples: the Pearson
 * correlation of their ranks, ties taking the mean of the ranks they span.
 * 1 = same order, -1 = reversed; NaN for fewer than two points or a sample
 * with all values equal.
 */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new RangeError(`spearman: ${xs.length} vs ${ys.length} values`);
  if (xs.length < 2) return Number.NaN;
  const rx = ranks(xs);
  const ry = ranks(ys);
  const n = xs.length;
  const mean = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (rx[i] as number) - mean;
    const dy = (ry[i] as number) - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/** 1-based ranks, ties averaged. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => ({ x, i })).sort((a, b) => a.x - b.x || a.i - b.i);
  const out = new Array<number>(xs.length);
  for (let k = 0; k < order.length; ) {
    let j = k;
    while (j + 1 < order.length && (order[j + 1] as { x: number }).x === (order[k] as { x: number }).x) j++;
    const rank = (k + j) / 2 + 1;
    for (let t = k; t <= j; t++) out[(order[t] as { i: number }).i] = rank;
    k = j + 1;
  }
  return out;
}
