/**
 * Arithmetic layout of a 2- or 3-tier fat-tree (folded Clos), shared by the
 * semantic checks and the graph builder. No tables: every count is derived
 * from the tier radices and oversubscriptions.
 *
 * Modeling choices (docs/model.md, "Cluster graph"):
 * - Every switch port runs at the NIC speed.
 * - Oversubscription o at a tier keeps the non-blocking split's downlinks
 *   (down = floor(R/2): the same switches below, the same NICs per leaf) and
 *   cables fewer uplinks, up = max(1, floor((R - down)/o)): fewer uplinks and
 *   fewer switches above, not slower ones; the rest of the ports stay unused.
 *   A more oversubscribed tier is the same fabric with cables removed, so it
 *   never carries more. The achieved ratio down/up is reported.
 * - Parallel cables between the same two switches are one link whose
 *   bandwidth is the sum of the cables (one flow may use all of them: an
 *   optimistic simplification, bounded anyway by the NIC speed).
 * - 2 tiers: each leaf spreads its uplinks over all spines; a spine may take
 *   k = floor(R2/leaves) cables from each leaf, so spines = ceil(up1/k).
 * - 3 tiers: pods of min(leaves, down2) leaves; in a pod each leaf spreads its
 *   uplinks over the pod's aggregation switches (aggsPerPod = ceil(up1/k2),
 *   k2 = floor(down2/leavesPerPod)); aggregation switch a of every pod belongs
 *   to plane a, whose cores take k3 = floor(R3/pods) cables from each of the
 *   plane's aggregation switches (coresPerPlane = ceil(up2/k3)).
 */
export interface FatTreeTierInput {
  radix: number;
  oversubscription?: number | undefined;
}

export interface FatTreePlan {
  tiers: 2 | 3;
  /** NIC ports per leaf and uplinks per leaf. */
  down1: number;
  up1: number;
  leaves: number;
  /** 2 tiers: spine count. 3 tiers: 0. */
  spines: number;
  /** 3 tiers. */
  leavesPerPod: number;
  pods: number;
  aggsPerPod: number;
  down2: number;
  up2: number;
  coresPerPlane: number;
  /** Achieved downlink/uplink ratio per non-top tier. */
  oversubscription: number[];
}

export interface PlanProblem {
  /** Path relative to the scale-out object. */
  path: (string | number)[];
  message: string;
}

export function splitPorts(radix: number, oversubscription: number): { down: number; up: number } {
  const down = Math.floor(radix / 2);
  // The epsilon keeps an exact ratio exact (64 / 2 is 32, not 31.999...).
  return { down, up: Math.max(1, Math.floor((radix - down) / oversubscription + 1e-9)) };
}

/** Cables from one lower switch to upper switch `index` when `ups` cables spread over `uppers` switches. */
export function cablesTo(ups: number, uppers: number, index: number): number {
  return Math.floor(ups / uppers) + (index < ups % uppers ? 1 : 0);
}

/**
 * Plans the fat-tree for `leaves` leaf switches (computed by the caller from
 * the NIC attachment: plain or rail-optimized). Returns the plan or the problems.
 */
export function planFatTree(
  tiers: readonly FatTreeTierInput[],
  leafCount: (down1: number) => number,
): FatTreePlan | PlanProblem[] {
  const problems: PlanProblem[] = [];
  const t1 = tiers[0];
  const t2 = tiers[1];
  const t3 = tiers[2];
  if (!t1 || !t2) return [{ path: ["tiers"], message: "expected 2 or 3 tiers" }];
  const top = tiers.length - 1;
  const topTier = tiers[top];
  if (topTier?.oversubscription !== undefined && topTier.oversubscription !== 1) {
    problems.push({
      path: ["tiers", top, "oversubscription"],
      message: `expected no oversubscription on the top tier (its switches have no uplinks), found ${topTier.oversubscription}`,
    });
  }
  const s1 = splitPorts(t1.radix, t1.oversubscription ?? 1);
  if (s1.down < 1 || s1.up < 1) {
    problems.push({
      path: ["tiers", 0],
      message: `expected a radix that leaves at least one down and one up port, found radix ${t1.radix} with oversubscription ${t1.oversubscription ?? 1}`,
    });
    return problems;
  }
  const leaves = leafCount(s1.down);
  const oversubscription = [s1.down / s1.up];
  if (!t3) {
    const k = Math.floor(t2.radix / leaves);
    if (k < 1) {
      problems.push({
        path: ["tiers", 1, "radix"],
        message: `expected a spine radix of at least ${leaves} (one port per leaf switch; the cluster needs ${leaves} leaves of ${s1.down} NIC ports), found ${t2.radix}; add a third tier or use larger switches`,
      });
      return problems;
    }
    const spines = Math.ceil(s1.up / k);
    if (problems.length) return problems;
    return {
      tiers: 2,
      down1: s1.down,
      up1: s1.up,
      leaves,
      spines,
      leavesPerPod: leaves,
      pods: 1,
      aggsPerPod: 0,
      down2: 0,
      up2: 0,
      coresPerPlane: 0,
      oversubscription,
    };
  }
  const s2 = splitPorts(t2.radix, t2.oversubscription ?? 1);
  if (s2.down < 1 || s2.up < 1) {
    problems.push({
      path: ["tiers", 1],
      message: `expected a radix that leaves at least one down and one up port, found radix ${t2.radix} with oversubscription ${t2.oversubscription ?? 1}`,
    });
    return problems;
  }
  oversubscription.push(s2.down / s2.up);
  const leavesPerPod = Math.min(leaves, s2.down);
  const k2 = Math.floor(s2.down / leavesPerPod);
  const aggsPerPod = Math.ceil(s1.up / k2);
  const pods = Math.ceil(leaves / leavesPerPod);
  const k3 = Math.floor(t3.radix / pods);
  if (k3 < 1) {
    problems.push({
      path: ["tiers", 2, "radix"],
      message: `expected a core radix of at least ${pods} (one port per pod; the cluster needs ${pods} pods of ${leavesPerPod} leaves), found ${t3.radix}; use larger switches`,
    });
    return problems;
  }
  const coresPerPlane = Math.ceil(s2.up / k3);
  if (problems.length) return problems;
  return {
    tiers: 3,
    down1: s1.down,
    up1: s1.up,
    leaves,
    spines: 0,
    leavesPerPod,
    pods,
    aggsPerPod,
    down2: s2.down,
    up2: s2.up,
    coresPerPlane,
    oversubscription,
  };
}
