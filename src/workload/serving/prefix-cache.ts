/**
 * ASSUMPTION: by default an instance keeps shared prefixes while their tokens
 * fit in half its KV cache. vLLM keeps the blocks of computed prefixes in its
 * free-block queue and evicts them least recently used when it needs blocks,
 * so how many survive depends on the load; half the cache is a stated middle
 * ground, not a measurement. `kvCache.prefixCacheEntries` replaces it with a
 * bound on the number of prefixes.
 */
export const PREFIX_CACHE_KV_FRACTION = 0.5;

/**
 * The shared prefixes (of request classes) one instance holds in its prefix
 * cache, least recently used evicted first, bounded by a number of prefixes
 * and by their tokens (docs/serving.md, "Request classes and prefix-aware
 * routing"). A prefix is held from the end of the prompt chunk that computed
 * it; a hit makes it the most recently used. The held prefixes take no KV
 * blocks from running requests (they stand for cached blocks that are free:
 * vLLM's free-block queue), so the cache changes prefill compute, not
 * capacity.
 */
export class PrefixCache {
  /** Prefix id → its tokens, least recently used first (a Map keeps insertion order). */
  private readonly held = new Map<number, number>();
  private heldTokens = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxTokens: number,
  ) {
    if (!(maxEntries >= 0) || !(maxTokens >= 0)) {
      throw new RangeError(`prefix cache bounds must be >= 0, found ${maxEntries} entries, ${maxTokens} tokens`);
    }
  }

  /** Prefixes held. */
  get size(): number {
    return this.held.size;
  }

  /** Tokens of the prefixes held. */
  get tokens(): number {
    return this.heldTokens;
  }

  /** Whether the prefix is held (no change to the order). */
  has(prefix: number): boolean {
    return this.held.has(prefix);
  }

  /** Makes a held prefix the most recently used. */
  touch(prefix: number): void {
    const t = this.held.get(prefix);
    if (t === undefined) return;
    this.held.delete(prefix);
    this.held.set(prefix, t);
  }

  /** Holds a prefix of `tokens` tokens as the most recently used, evicting the least recently used beyond the bounds. */
  insert(prefix: number, tokens: number): void {
    const old = this.held.get(prefix);
    if (old !== undefined) {
      this.held.delete(prefix);
      this.heldTokens -= old;
    }
    if (tokens > this.maxTokens || this.maxEntries < 1) return;
    this.held.set(prefix, tokens);
    this.heldTokens += tokens;
    while (this.held.size > this.maxEntries || this.heldTokens > this.maxTokens) {
      const oldest = this.held.entries().next().value;
      if (oldest === undefined) break;
      this.held.delete(oldest[0]);
      this.heldTokens -= oldest[1];
    }
  }
}
