import type { Cluster } from "../../cluster/types.js";
import { cardsByNode, expertTrafficMatrix } from "../expert-traffic.js";
import type { Model } from "../model-spec.js";
import type { ParallelPlan } from "../plan-spec.js";

/**
 * Bytes from card i to card j (row-major, in the order of `cards`) of one
 * expert all-to-all carrying `sizeBytes` per card in the uniform layout (one
 * copy per token and routed expert), or undefined for the uniform all-to-all.
 */
export type AlltoallTraffic = (cards: readonly number[], sizeBytes: number) => Float64Array | undefined;

/**
 * The traffic of a training plan's expert all-to-alls (parallel.expertDispatch):
 * undefined for the default all-to-all (every card sends sizeBytes / n to each
 * card of the EP group, as Megatron-Core's alltoall dispatcher does); per-node
 * or per-expert, the node-pair traffic of src/workload/expert-traffic.ts (the
 * same model as expert-parallel serving, docs/model.md "Expert parallelism").
 * An all-to-all's sizeBytes is tokens · topK · bytes per token copy, so the
 * matrix carries sizeBytes / topK per card of token bytes. Matrices are
 * memoised per card list object (the executor and the predictors reuse
 * theirs) and size.
 */
export function expertDispatchTraffic(
  model: Model,
  plan: Pick<ParallelPlan, "ep" | "expertDispatch">,
  cluster: Pick<Cluster, "scaleUpDomainOf">,
): AlltoallTraffic | undefined {
  const d = plan.expertDispatch;
  const topK = model.moe?.topK;
  if (topK === undefined || plan.ep <= 1 || d === undefined || d.mode === "all-to-all") return undefined;
  const spec = { maxNodesPerToken: d.maxNodesPerToken, dispatchMode: d.mode, nodeSelection: d.nodeSelection };
  const memo = new Map<readonly number[], Map<number, Float64Array>>();
  return (cards, sizeBytes) => {
    let bySize = memo.get(cards);
    if (bySize === undefined) {
      bySize = new Map();
      memo.set(cards, bySize);
    }
    let out = bySize.get(sizeBytes);
    if (out !== undefined) return out;
    const nodes = cardsByNode(cluster, cards);
    const { cards: order, matrix } = expertTrafficMatrix({ nodes, topK, spec }, sizeBytes / topK, 1);
    const n = cards.length;
    out = new Float64Array(n * n);
    const at = new Map<number, number>();
    cards.forEach((c, i) => {
      at.set(c, i);
    });
    // Back to the caller's card order (the traffic model lists cards node by node).
    for (let i = 0; i < n; i++) {
      const si = at.get(order[i] as number) as number;
      for (let j = 0; j < n; j++) out[si * n + (at.get(order[j] as number) as number)] = matrix[i * n + j] as number;
    }
    bySize.set(sizeBytes, out);
    return out;
  };
}

/**
 * Default share of the card the expert all-to-all kernels hold while they run
 * beside compute in training (parallel.expertCommComputeShare): DeepSeek-V3
 * Technical Report §3.2.2, "only 20 SMs" of the H800's 132 run its
 * all-to-all communication during DualPipe. ASSUMPTION: the same share on
 * other cards and with other kernels (NCCL's all-to-all), whose figures are
 * not published.
 */
export const DEFAULT_EP_COMM_COMPUTE_SHARE = 20 / 132;
