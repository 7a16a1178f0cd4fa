/**
 * Deterministic ECMP choice: a 32-bit mix (murmur3 fmix32) of the flow id
 * and a per-decision salt. Same flowId -> same path, on any machine.
 */
export function ecmpHash(flowId: number, salt: number): number {
  const lo = flowId >>> 0;
  const hi = Math.floor(flowId / 4294967296) >>> 0;
  let h = lo ^ Math.imul(hi ^ 0x85ebca6b, 0xc2b2ae35) ^ Math.imul(salt + 1, 0x9e3779b9);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
