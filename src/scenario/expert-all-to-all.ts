import type { Cluster } from "../cluster/types.js";
import { CollectiveRunner } from "../collectives/runner.js";
import { Simulator } from "../engine/index.js";
import { clusterNetwork } from "../network/cluster-network.js";
import { cardsByNode, type ExpertTrafficShape, expertTrafficMatrix } from "../workload/expert-traffic.js";
import type { LinearCommS } from "../workload/serving/iteration-cost.js";
import type { ExpertParallelSpec } from "../workload/serving/serving-spec.js";

/**
 * Most instances whose all-to-alls are simulated together (the first ones in card order):
 * bounds the flows of one pricing (~512 × 3,500 for EP 144 units). ASSUMPTION: a pool
 * larger than this shares its fabric as its first 512 instances do.
 */
const MAX_INSTANCES_PRICED_TOGETHER = 512;

/**
 * Fixed cost of one expert all-to-all kernel (launch, notification, the
 * receivers' polling), paid once per dispatch or combine in place of NCCL's
 * launch latency. A component measurement: DeepEP's published low-latency
 * kernel times on H800 (deepseek-ai/DeepEP README: 128 tokens per card, hidden
 * 7,168, top-8, FP8 dispatch, BF16 combine; EP 8/16/32/64: dispatch 77/118/155/173 µs,
 * combine 114/195/273/314 µs) minus the flow model's time for the same traffic
 * on topologies/clusters/h800-2048.yaml without a launch cost (43.5/89.2/128.2/147.7
 * and 82.5/167.3/245.4/284.4 µs): 25-34 µs, mean 28.9 µs. EP 128 and 256 are held
 * out: with it the model gives 186/191 µs dispatch (DeepEP 192/194) and 333/343 µs
 * combine (369/360). The same cost is taken for DeepEP's normal kernels (ASSUMPTION).
 */
export const EXPERT_ALL_TO_ALL_KERNEL_S = 28.9e-6;

/**
 * Share of the card's compute units DeepEP's normal (per-node) kernels hold
 * while they run beside compute: DeepSeek's prefill profile (deepseek-ai/profile-data
 * README, EP 32, two micro-batches) runs computation on 108 and communication on
 * 24 of the H800's 132 SMs. The low-latency (per-expert) kernels hold none:
 * "after RDMA messages are issued, all GPU SMs are freed" (same README, decoding).
 * ASSUMPTION: the same fraction on other cards, whose counts are not published.
 */
export function defaultCommComputeShare(dispatchMode: ExpertParallelSpec["dispatchMode"]): number {
  return dispatchMode === "per-node" ? 24 / 132 : 0;
}

/** Token counts per card at which the all-to-all is simulated to fit latency + tokens × seconds per token. */
const FIT_SMALL_TOKENS = 16;
const FIT_LARGE_TOKENS = 4096;

/**
 * Seconds of one dispatch all-to-all of an expert-parallel instance as a
 * function of the tokens leaving each card, `latencyS + sPerByte · tokens`
 * (LinearCommS with "bytes" read as tokens), and the same for the combine.
 * Both come from the node-pair traffic of src/workload/expert-traffic.ts
 * simulated as flows on an idle copy of the cluster's network (links, NICs,
 * switch tiers and oversubscription, routing): the latency from one instance
 * moving a few tokens, the seconds per byte from every instance of the pool
 * moving many tokens at once (ASSUMPTION: the pool's instances all-to-all at
 * the same time, so they share the fabric; with two-batch overlap the
 * all-to-alls run most of each iteration, so this is close to the steady
 * state). The network's max-min sharing makes the time affine in the bytes.
 * The dispatch moves each token copy at its own precision, the combine in bf16.
 */
export function fitExpertAllToAll(
  cluster: Cluster,
  instances: readonly (readonly number[])[],
  topK: number,
  hiddenSize: number,
  spec: ExpertParallelSpec,
): { dispatch: LinearCommS; combine: LinearCommS } {
  const first = instances[0] ?? [];
  if (first.length < 2) return { dispatch: { latencyS: 0, sPerByte: 0 }, combine: { latencyS: 0, sPerByte: 0 } };
  /** Completion time of every listed instance's all-to-all started together, `bytesPerCard` per token copy. */
  const timeS = (group: readonly (readonly number[])[], tokensPerCard: number): number => {
    const sim = new Simulator();
    const runner = new CollectiveRunner(sim, cluster, clusterNetwork(sim, cluster), {
      launchLatencyS: EXPERT_ALL_TO_ALL_KERNEL_S,
    });
    let doneS = 0;
    for (const cards of group) {
      const shape: ExpertTrafficShape = { nodes: cardsByNode(cluster, cards), topK, spec };
      const { cards: flat, matrix } = expertTrafficMatrix(shape, tokensPerCard, hiddenSize);
      runner.run({ op: "alltoall", cards: flat, sizeBytes: 1, sendBytesMatrix: matrix }, () => {
        doneS = Math.max(doneS, sim.now);
      });
    }
    sim.run();
    return doneS;
  };
  const t1 = timeS([first], FIT_SMALL_TOKENS);
  const t2 = timeS(instances.slice(0, MAX_INSTANCES_PRICED_TOGETHER), FIT_LARGE_TOKENS);
  // Seconds per token leaving a card, per byte of each token copy's hidden state element.
  const sPerTokenPerByte = Math.max(0, (t2 - t1) / (FIT_LARGE_TOKENS - FIT_SMALL_TOKENS));
  const latencyS = Math.max(0, t1 - sPerTokenPerByte * FIT_SMALL_TOKENS);
  const dispatchBytes = spec.dispatchPrecision === "bf16" ? 2 : 1;
  return {
    dispatch: { latencyS, sPerByte: sPerTokenPerByte * dispatchBytes },
    combine: { latencyS, sPerByte: sPerTokenPerByte * 2 },
  };
}
