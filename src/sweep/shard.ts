/** Shard k of n (1-based k), as given by `--shard k/n`. */
export interface Shard {
  k: number;
  n: number;
}

/** Parses `k/n` (1 ≤ k ≤ n); returns a message on bad input. */
export function parseShard(text: string): Shard | { error: string } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (m === null || !Number.isSafeInteger(k) || !Number.isSafeInteger(n) || n < 1 || k < 1 || k > n) {
    return { error: `--shard: expected k/n with 1 ≤ k ≤ n (e.g. 2/8), found '${text}'` };
  }
  return { k, n };
}

/**
 * Whether the point at `index` belongs to the shard: point i goes to shard
 * (i mod n) + 1. Round-robin over the expansion order, so shards get equal
 * counts (±1) and a mix of cheap and expensive points.
 */
export function inShard(index: number, shard: Shard | undefined): boolean {
  return shard === undefined || index % shard.n === shard.k - 1;
}
