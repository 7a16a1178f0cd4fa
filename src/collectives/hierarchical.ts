import type { CollectiveContext } from "./context.js";
import type { GroupShape } from "./group.js";
import { predictRing, type RingSet, ringStage } from "./ring.js";
import { Sequence, type Stage, type TreeSpec } from "./stage.js";
import { dtreeParents, predictTreePhase, treeStage, treesOver } from "./tree.js";
import type { Granularity } from "./types.js";

/**
 * Hierarchical all-reduce, as NCCL and HCCL do across nodes: (1) ring
 * reduce-scatter inside every scale-up domain at once; (2) all-reduce of
 * the S/m shard across domains, one group per rail (the j-th member of each
 * domain), all rails in parallel, by ring or double binary tree; (3) ring
 * all-gather inside every domain. Needs D >= 2 domains holding m >= 2
 * members each.
 */
export function hierarchicalFits(shape: GroupShape): boolean {
  return shape.domains.length >= 2 && shape.perDomain >= 2;
}

function domainRings(shape: GroupShape): RingSet {
  return {
    rings: shape.domains,
    vias: shape.domains.map((d) => new Int32Array(d.length).fill(-1)),
    channels: 1,
  };
}

function railGroups(shape: GroupShape): Int32Array[] {
  const m = shape.perDomain;
  const out: Int32Array[] = [];
  for (let j = 0; j < m; j++) out.push(Int32Array.from(shape.domains, (d) => d[j] as number));
  return out;
}

function railTrees(rails: Int32Array[]): TreeSpec[] {
  const D = rails[0]?.length ?? 0;
  const parents = dtreeParents(D);
  return rails.flatMap((r) => treesOver(r, parents));
}

export function predictHierarchical(
  ctx: CollectiveContext,
  shape: GroupShape,
  sizeBytes: number,
): { timeS: number; inner: "ring" | "tree" } {
  const m = shape.perDomain;
  const D = shape.domains.length;
  const domain0: RingSet = { rings: [shape.domains[0] as Int32Array], vias: [new Int32Array(m).fill(-1)], channels: 1 };
  const intra = predictRing(ctx, domain0, m - 1, sizeBytes);
  const rail0 = (railGroups(shape)[0] as Int32Array).slice();
  const shard = sizeBytes / m;
  const ringS = predictRing(
    ctx,
    { rings: [rail0], vias: [new Int32Array(D).fill(-1)], channels: 1 },
    2 * (D - 1),
    shard,
  );
  const trees = railTrees([rail0]);
  const treeS = predictTreePhase(ctx, trees, "up", shard / 2) + predictTreePhase(ctx, trees, "down", shard / 2);
  const inner = treeS < ringS ? "tree" : "ring";
  return { timeS: 2 * intra + Math.min(ringS, treeS), inner };
}

export function hierarchicalStage(
  ctx: CollectiveContext,
  shape: GroupShape,
  sizeBytes: number,
  inner: "ring" | "tree",
  granularity: Granularity,
  label?: string,
): Stage {
  const m = shape.perDomain;
  const D = shape.domains.length;
  const intra = domainRings(shape);
  const rails = railGroups(shape);
  const shard = sizeBytes / m;
  const stages: Stage[] = [ringStage(ctx, intra, m - 1, sizeBytes, granularity, label)];
  if (inner === "ring") {
    const railSet: RingSet = { rings: rails, vias: rails.map(() => new Int32Array(D).fill(-1)), channels: 1 };
    stages.push(ringStage(ctx, railSet, 2 * (D - 1), shard, granularity, label));
  } else {
    const trees = railTrees(rails);
    stages.push(treeStage(ctx, trees, "up", shard / 2, granularity, label));
    stages.push(treeStage(ctx, trees, "down", shard / 2, granularity, label));
  }
  stages.push(ringStage(ctx, intra, m - 1, sizeBytes, granularity, label));
  return new Sequence(stages);
}
