import { createHash } from "node:crypto";

/**
 * A point's stable id: the first 16 hex digits (64 bits) of the SHA-256 of
 * its canonical JSON `{"sets":[...],"seed":s,"steps":n}`. It depends only on
 * what the point runs, not on its index, the scenario file's location, the
 * worker count or the shard, so resume and merge can key rows by it.
 */
export function pointId(sets: readonly string[], seed: number, steps: number): string {
  const canonical = JSON.stringify({ sets, seed, steps });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}
