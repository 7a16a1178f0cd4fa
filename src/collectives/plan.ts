import type { CollectiveContext } from "./context.js";
import {
  alltoallBytes,
  alltoallStage,
  meshPhases,
  meshStage,
  meshUnfit,
  predictAlltoall,
  predictMesh,
  predictSendRecv,
  sendRecvStage,
} from "./direct.js";
import { CollectiveError } from "./errors.js";
import { type GroupShape, isPowerOfTwo } from "./group.js";
import { halvingDistances, hdStage, predictHd } from "./halving-doubling.js";
import { hierarchicalFits, hierarchicalStage, predictHierarchical } from "./hierarchical.js";
import { nvlsStage, nvlsUnfit, predictNvls } from "./nvls.js";
import { buildRings, chainStage, predictChain, predictRing, type RingSet, ringStage } from "./ring.js";
import { Sequence, type Stage } from "./stage.js";
import { btreeParents, dtreeParents, predictTreePhase, treeStage, treesOver } from "./tree.js";
import type { CollectiveAlgo, CollectiveOp, CollectiveRequest, Granularity } from "./types.js";

export type ConcreteAlgo = Exclude<CollectiveAlgo, "auto">;

/** Algorithms that implement each operation, in tie-break order for automatic choice. */
export const ALGOS_FOR: Record<CollectiveOp, readonly ConcreteAlgo[]> = {
  allreduce: ["ring", "tree", "halving-doubling", "hierarchical", "mesh", "nvls"],
  reducescatter: ["ring", "halving-doubling", "mesh"],
  allgather: ["ring", "halving-doubling", "mesh"],
  broadcast: ["ring", "tree"],
  reduce: ["ring", "tree"],
  alltoall: ["direct"],
  sendrecv: ["direct"],
};

/**
 * What automatic choice considers: the algorithms NCCL's tuner picks from
 * (ring, tree; hierarchical stands for its intra-node chain + inter-node
 * ring/tree). Halving-doubling (MPI, Gloo, HCCL) runs only when forced: its
 * closed form ignores the spine congestion its long-distance exchanges
 * cause in a multi-tier fabric, so the tuner would pick it where it loses.
 * Mesh (HCCL's algorithm on an HCCS full mesh) fits only groups inside one
 * full-mesh scale-up domain. NVLS (NVLink SHARP) fits only groups inside one
 * switched domain whose switches reduce; NCCL enables it there by default
 * (NCCL_NVLS_ENABLE), for all-reduce (its reduce-scatter and all-gather move
 * no fewer bytes per port than a ring, so they are not modelled).
 */
export const AUTO_ALGOS_FOR: Record<CollectiveOp, readonly ConcreteAlgo[]> = {
  allreduce: ["ring", "tree", "hierarchical", "mesh", "nvls"],
  reducescatter: ["ring", "mesh"],
  allgather: ["ring", "mesh"],
  broadcast: ["ring", "tree"],
  reduce: ["ring", "tree"],
  alltoall: ["direct"],
  sendrecv: ["direct"],
};

/** Why `algo` cannot run `op` on this group, or undefined when it can. */
export function unfit(
  ctx: CollectiveContext,
  shape: GroupShape,
  op: CollectiveOp,
  algo: ConcreteAlgo,
): string | undefined {
  const list = ALGOS_FOR[op];
  if (!list.includes(algo)) {
    return `algorithm '${algo}' does not implement ${op} (choose from ${[...list, "auto"].join(", ")})`;
  }
  if (algo === "mesh" && shape.n > 1) {
    const why = meshUnfit(ctx, shape.cards);
    if (why) return why;
  }
  if (algo === "nvls" && shape.n > 1) {
    const why = nvlsUnfit(ctx, shape.cards);
    if (why) return why;
  }
  if (algo === "halving-doubling" && !isPowerOfTwo(shape.n)) {
    return `halving-doubling needs a power-of-two group, found ${shape.n} cards (use ring, or auto)`;
  }
  if (algo === "hierarchical" && shape.n > 1 && !hierarchicalFits(shape)) {
    const counts = shape.domains.map((d) => d.length);
    return (
      `hierarchical needs the group to span at least 2 scale-up domains with the same number (>= 2) of cards in each; ` +
      `found ${counts.length} domain(s) holding ${[...new Set(counts)].join("/")} card(s)`
    );
  }
  return undefined;
}

export interface Plan {
  algo: ConcreteAlgo;
  innerAlgo?: "ring" | "tree";
  /** Closed-form time without the launch latency, seconds. */
  predictedS: number;
}

/** The context-dependent pieces an algorithm needs, built once per plan. */
interface Built {
  rings?: RingSet;
}

function rings(shape: GroupShape, built: Built, maxChannels: number): RingSet {
  built.rings ??= buildRings(shape, maxChannels);
  return built.rings;
}

function ringSteps(op: CollectiveOp, n: number): number {
  return op === "allreduce" ? 2 * (n - 1) : n - 1;
}

export function predictPlan(
  ctx: CollectiveContext,
  shape: GroupShape,
  req: CollectiveRequest,
  algo: ConcreteAlgo,
  maxChannels: number,
): Plan {
  const S = req.sizeBytes;
  const n = shape.n;
  if (n < 2) return { algo, predictedS: 0 };
  const built: Built = {};
  switch (algo) {
    case "ring": {
      const set = rings(shape, built, maxChannels);
      if (req.op === "broadcast" || req.op === "reduce") return { algo, predictedS: predictChain(ctx, set, S) };
      return { algo, predictedS: predictRing(ctx, set, ringSteps(req.op, n), S) };
    }
    case "tree": {
      if (req.op === "allreduce") {
        const trees = treesOver(shape.cards, dtreeParents(n));
        const t = predictTreePhase(ctx, trees, "up", S / 2) + predictTreePhase(ctx, trees, "down", S / 2);
        return { algo, predictedS: t };
      }
      const trees = treesOver(shape.cards, [btreeParents(n)]);
      return { algo, predictedS: predictTreePhase(ctx, trees, req.op === "reduce" ? "up" : "down", S) };
    }
    case "halving-doubling": {
      const d = halvingDistances(n);
      const rs = req.op === "allgather" ? 0 : predictHd(ctx, shape.cards, d, S);
      const ag = req.op === "reducescatter" ? 0 : predictHd(ctx, shape.cards, d.slice().reverse(), S);
      return { algo, predictedS: rs + ag };
    }
    case "hierarchical": {
      const p = predictHierarchical(ctx, shape, S);
      return { algo, innerAlgo: p.inner, predictedS: p.timeS };
    }
    case "mesh":
      return { algo, predictedS: predictMesh(ctx, shape.cards, meshPhases(req.op as "allreduce"), S) };
    case "nvls":
      return { algo, predictedS: predictNvls(ctx, shape.cards, S) };
    case "direct": {
      if (req.op === "sendrecv") {
        return { algo, predictedS: predictSendRecv(ctx, shape.cards[0] as number, shape.cards[1] as number, S) };
      }
      return { algo, predictedS: predictAlltoall(ctx, shape.cards, alltoallBytes(n, S, req.sendBytesMatrix)) };
    }
  }
}

/**
 * The algorithm to run: the forced one (checked to fit), or the one with the
 * smallest closed-form time among those that fit (NCCL's tuner picks the
 * same way, from its own latency/bandwidth model).
 */
export function choosePlan(
  ctx: CollectiveContext,
  shape: GroupShape,
  req: CollectiveRequest,
  maxChannels: number,
): Plan {
  const where = req.label ? ` (${req.label})` : "";
  const forced = req.algo ?? "auto";
  if (forced !== "auto") {
    const why = unfit(ctx, shape, req.op, forced);
    if (why) throw new CollectiveError(`${req.op}${where}: ${why}`);
    return predictPlan(ctx, shape, req, forced, maxChannels);
  }
  let best: Plan | undefined;
  for (const algo of AUTO_ALGOS_FOR[req.op]) {
    if (algo === "nvls" && !ctx.nvlsEnabled) continue;
    if (unfit(ctx, shape, req.op, algo)) continue;
    const p = predictPlan(ctx, shape, req, algo, maxChannels);
    if (!best || p.predictedS < best.predictedS) best = p;
  }
  if (!best) throw new CollectiveError(`${req.op}${where}: no algorithm fits this group`);
  return best;
}

export function buildStage(
  ctx: CollectiveContext,
  shape: GroupShape,
  req: CollectiveRequest,
  plan: Plan,
  granularity: Granularity,
  maxChannels: number,
): Stage {
  const S = req.sizeBytes;
  const n = shape.n;
  const label = req.label;
  const built: Built = {};
  switch (plan.algo) {
    case "ring": {
      const set = rings(shape, built, maxChannels);
      if (req.op === "broadcast") return chainStage(ctx, set, shape.cards[0] as number, "down", S, granularity, label);
      if (req.op === "reduce") return chainStage(ctx, set, shape.cards[0] as number, "up", S, granularity, label);
      // Phase granularity splits all-reduce's 2(n-1) steps into a reduce-scatter and an all-gather pass.
      return ringStage(ctx, set, ringSteps(req.op, n), S, granularity, label);
    }
    case "tree": {
      if (req.op === "allreduce") {
        const trees = treesOver(shape.cards, dtreeParents(n));
        return new Sequence([
          treeStage(ctx, trees, "up", S / 2, granularity, label),
          treeStage(ctx, trees, "down", S / 2, granularity, label),
        ]);
      }
      const trees = treesOver(shape.cards, [btreeParents(n)]);
      return treeStage(ctx, trees, req.op === "reduce" ? "up" : "down", S, granularity, label);
    }
    case "halving-doubling": {
      const d = halvingDistances(n);
      const stages: Stage[] = [];
      if (req.op !== "allgather") stages.push(...hdStage(ctx, shape.cards, d, S, label));
      if (req.op !== "reducescatter") stages.push(...hdStage(ctx, shape.cards, d.slice().reverse(), S, label));
      return new Sequence(stages);
    }
    case "hierarchical":
      return hierarchicalStage(ctx, shape, S, plan.innerAlgo ?? "ring", granularity, label);
    case "mesh":
      return meshStage(ctx, shape.cards, meshPhases(req.op as "allreduce"), S, label);
    case "nvls":
      return nvlsStage(ctx, shape.cards, S, label);
    case "direct":
      if (req.op === "sendrecv") {
        return sendRecvStage(ctx, shape.cards[0] as number, shape.cards[1] as number, S, label);
      }
      return alltoallStage(ctx, shape.cards, alltoallBytes(n, S, req.sendBytesMatrix), label);
  }
}
