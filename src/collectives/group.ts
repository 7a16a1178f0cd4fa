import type { Cluster } from "../cluster/types.js";
import { CollectiveError } from "./errors.js";
import type { CollectiveRequest } from "./types.js";

/**
 * The shape of a collective's group on the cluster: its members grouped by
 * scale-up domain (in order of first appearance), and whether every domain
 * holds the same number of members (what channels and the hierarchical
 * algorithm need).
 */
export interface GroupShape {
  readonly cards: Int32Array;
  readonly n: number;
  /** Members of each scale-up domain, in group order. */
  readonly domains: Int32Array[];
  /** Members per domain when all domains hold the same number, else 0. */
  readonly perDomain: number;
}

export function validateRequest(cluster: Cluster, req: CollectiveRequest): void {
  const where = req.label ? ` (${req.label})` : "";
  const n = req.cards.length;
  if (n === 0) throw new CollectiveError(`${req.op}${where}: the group is empty; give at least one card`);
  const seen = new Set<number>();
  for (const c of req.cards) {
    if (!Number.isInteger(c) || c < 0 || c >= cluster.cards) {
      throw new CollectiveError(
        `${req.op}${where}: card ${c} does not exist in cluster '${cluster.name}' (cards 0..${cluster.cards - 1})`,
      );
    }
    if (seen.has(c)) throw new CollectiveError(`${req.op}${where}: card ${c} appears twice in the group`);
    seen.add(c);
  }
  if (!(req.sizeBytes > 0) || !Number.isFinite(req.sizeBytes)) {
    throw new CollectiveError(`${req.op}${where}: size must be a positive number of bytes, found ${req.sizeBytes}`);
  }
  if (req.op === "sendrecv" && n !== 2) {
    throw new CollectiveError(`sendrecv${where}: needs exactly 2 cards [src, dst], found ${n}`);
  }
  if (req.sendBytesMatrix !== undefined) {
    if (req.op !== "alltoall") throw new CollectiveError(`${req.op}${where}: sendBytesMatrix is for alltoall only`);
    if (req.sendBytesMatrix.length !== n * n) {
      throw new CollectiveError(
        `alltoall${where}: sendBytesMatrix must have n*n = ${n * n} entries, found ${req.sendBytesMatrix.length}`,
      );
    }
    for (let i = 0; i < n * n; i++) {
      const v = req.sendBytesMatrix[i] as number;
      if (!(v >= 0) || !Number.isFinite(v)) {
        throw new CollectiveError(`alltoall${where}: sendBytesMatrix[${i}] must be >= 0 bytes, found ${v}`);
      }
    }
  }
}

export function groupShape(cluster: Cluster, cards: readonly number[]): GroupShape {
  const byDomain = new Map<number, number[]>();
  for (const c of cards) {
    const d = cluster.scaleUpDomainOf(c);
    let list = byDomain.get(d);
    if (!list) {
      list = [];
      byDomain.set(d, list);
    }
    list.push(c);
  }
  const domains = [...byDomain.values()].map((l) => Int32Array.from(l));
  const first = domains[0]?.length ?? 0;
  const uniform = domains.every((d) => d.length === first);
  return { cards: Int32Array.from(cards), n: cards.length, domains, perDomain: uniform ? first : 0 };
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && (n & (n - 1)) === 0;
}
