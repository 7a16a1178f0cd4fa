import { z } from "zod";

/**
 * The parallel plan of a training job (the `parallel` block of a scenario).
 * Rank order ("tp-inner", the default; "tp-cp-pp-dp" swaps DP and PP): a global
 * rank r decomposes, fastest-varying first, as
 *   tpRank = r % tp, cpRank = (r / tp) % cp, dpRank = (r / (tp·cp)) % dp, ppRank = r / (tp·cp·dp)
 * so TP groups are adjacent cards (inside one scale-up domain when tp divides
 * it), then CP, then DP, with pipeline stages outermost (Megatron-LM's default
 * order tp-cp-ep-dp-pp; Narayanan et al. 2021 §3.3 place TP inside a node).
 * EP groups are ep consecutive ranks of a stage in this order, spanning TP
 * ranks (Megatron-Core's expert layout with expert tensor parallelism 1:
 * src/workload/expert-groups.ts).
 */

const posInt = (desc: string) => z.int().min(1).describe(desc);

/**
 * Megatron-Core's default gradient bucket (DistributedDataParallelConfig.bucket_size):
 * max(40,000,000, 1,000,000 · dp) parameters, "larger DP sizes need larger
 * buckets to ensure collectives do not become latency-bound".
 */
export function defaultBucketParams(dataParallelSize: number): number {
  return Math.max(40_000_000, 1_000_000 * dataParallelSize);
}

/** Megatron-Core's --recompute-modules choices that clustersim models (transformer_config.py, recompute_modules). */
export const RECOMPUTE_MODULES = ["core_attn", "layernorm", "mla_up_proj", "moe_act", "mlp", "shared_experts"] as const;
export type RecomputeModule = (typeof RECOMPUTE_MODULES)[number];

export const ParallelPlanSchema = z
  .strictObject({
    tp: posInt("Tensor-parallel size: each layer's matrices are split over tp cards (Megatron-LM)").default(1),
    pp: posInt("Pipeline-parallel size: layers split into pp stages").default(1),
    dp: posInt("Data-parallel size: model replicas"),
    cp: posInt("Context-parallel size: the sequence split over cp cards (ring attention)").default(1),
    ep: posInt(
      "Expert-parallel size (MoE only): routed experts split over ep consecutive ranks of a pipeline stage (tp fastest, then cp, then dp: Megatron-Core with expert tensor parallelism 1); must divide tp·cp·dp and be a multiple or a divisor of tp·cp",
    ).default(1),
    expertDispatch: z
      .strictObject({
        mode: z
          .enum(["all-to-all", "per-node", "per-expert"])
          .default("all-to-all")
          .describe(
            "How MoE tokens reach their experts: all-to-all = one copy per routed expert spread evenly over the EP group's cards, card to card (Megatron-Core's alltoall token dispatcher, NCCL all-to-all; the default); per-node = a token crosses to each node it needs once, on its own rail, then is forwarded over scale-up links to the cards holding its experts (DeepSeek-V3 report §3.2.2, DeepEP normal kernels); per-expert = one copy per routed expert, on the rail, then to its card (DeepEP low-latency kernels)",
          ),
        maxNodesPerToken: posInt(
          "Node-limited routing: each token's experts lie on at most this many nodes (DeepSeek-V3: 4, report §2.1.2); default: no limit. Used by per-node and per-expert",
        ).optional(),
        nodeSelection: z
          .enum(["by-score", "local-first"])
          .default("by-score")
          .describe(
            "Which nodes a token's experts lie on: by-score = any node alike (DeepSeek-V3); local-first = the token's own node is always one of them",
          ),
      })
      .optional()
      .describe("Traffic of the expert-parallel all-to-alls (MoE with ep > 1); default: all-to-all"),
    expertCommOverlap: z
      .boolean()
      .default(false)
      .describe(
        "Overlap the expert all-to-alls of a forward and the backward that follows it in the pipeline schedule (1F1B steady state): one pass's dispatch and combine run while the other computes (DeepSeek-V3's DualPipe overlap of a forward and a backward chunk, report §3.2.1; Megatron-Core --overlap-moe-expert-parallel-comm). Default false",
      ),
    expertImbalance: z
      .number()
      .min(1)
      .max(100)
      .default(1)
      .describe(
        "Expert load of the busiest card over the mean (MoE with ep > 1): its experts compute and receive that many times the balanced share, and every card waits for it at each all-to-all. Default 1: balanced (NVIDIA's MoE benchmarks force-balance routing; DeepSeek-V3 balances without an auxiliary loss)",
      ),
    expertCommComputeShare: z
      .number()
      .min(0)
      .max(0.9)
      .optional()
      .describe(
        "With expertCommOverlap: share of the card's compute units the all-to-all kernels hold while they run beside compute (compute slows meanwhile). Default 20/132: DeepSeek-V3 report §3.2.2, 20 of the H800's 132 SMs run its training all-to-alls",
      ),
    virtualStages: posInt(
      "Model chunks per pipeline rank (interleaved 1F1B, Narayanan et al. 2021 §2.2.2); 1 = not interleaved",
    ).default(1),
    schedule: z
      .enum(["1f1b", "interleaved-1f1b", "gpipe"])
      .default("1f1b")
      .describe("Pipeline schedule; interleaved-1f1b needs virtualStages > 1"),
    sequenceParallel: z
      .boolean()
      .optional()
      .describe("Sequence parallelism with TP (Korthikanti et al. 2022); defaults to true when tp > 1"),
    zeroStage: z
      .union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)])
      .default(0)
      .describe(
        "ZeRO stage over the dp·cp group: 0 none; 1 optimizer states sharded (Megatron distributed optimizer); 2 + gradients; 3 + weights",
      ),
    microBatchSize: posInt("Sequences per micro-batch per model replica").default(1),
    globalBatchSize: posInt("Sequences per optimizer step over all replicas"),
    recompute: z
      .enum(["none", "selective", "full"])
      .default("none")
      .describe("Activation recomputation: none; selective (attention core only); full (whole layer, input kept)"),
    recomputeModules: z
      .array(z.enum(RECOMPUTE_MODULES))
      .min(1)
      .optional()
      .describe(
        "With recompute: selective, the submodules whose activations are dropped after the forward and rebuilt before the backward (Megatron-Core --recompute-modules, default [core_attn]): core_attn = the attention core (only its s×s tensors without flash attention); layernorm = the two norms' outputs; mla_up_proj = MLA's Q/K/V up-projections and RoPE; moe_act = the routed experts' activation function; mlp = the dense FFN of dense layers (with its TP collectives); shared_experts = the MoE layers' shared experts",
      ),
    optimizerPrecision: z
      .strictObject({
        mainParams: z
          .enum(["fp32", "bf16"])
          .default("fp32")
          .describe(
            "The optimizer's copy of the weights: fp32 master weights (default), or bf16 (no fp32 master: Apex DistributedFusedAdam with dtype bf16, NeMo 1.x's optim.dtype)",
          ),
        moments: z
          .enum(["fp32", "bf16"])
          .default("fp32")
          .describe(
            "Adam's first and second moments: fp32 (default) or bf16 (Megatron-Core --use-precision-aware-optimizer --exp-avg-dtype bf16 --exp-avg-sq-dtype bf16; DeepSeek-V3 report §3.3.2)",
          ),
      })
      .optional()
      .describe(
        "Dtypes of the optimizer states; default fp32 master weights and fp32 moments (12 bytes per parameter)",
      ),
    precision: z.enum(["bf16", "fp8"]).default("bf16").describe("Matmul precision (fp8: Transformer Engine style)"),
    fp8Scaling: z
      .enum(["delayed", "current", "blockwise"])
      .default("delayed")
      .describe(
        "With precision fp8, how each GEMM operand's scale is found (Transformer Engine recipes): delayed (DelayedScaling, TE's default: from an amax history, one quantize pass), current (Float8CurrentScaling, Megatron-Bridge's H100 benchmarks: an extra pass reads the tensor for its amax), blockwise (per-block scales in the quantize pass, DeepSeek-V3's recipe)",
      ),
    flashAttention: z
      .boolean()
      .default(true)
      .describe("Fused flash attention (no s×s scores in HBM); false = unfused scores, softmax, dropout as in 2021"),
    gradReducePrecision: z
      .enum(["fp32", "bf16"])
      .default("fp32")
      .describe(
        "Dtype of the gradient buffer and its data-parallel reduction (Megatron-LM forces fp32 with bf16 params: accumulate_allreduce_grads_in_fp32)",
      ),
    overlapPipelineSends: z
      .boolean()
      .optional()
      .describe(
        "Pipeline sends overlap the next compute: a stage starts its next chunk while its output is in flight, and only the receiver waits (Megatron-LM's overlap_p2p_comm, on by default with the interleaved schedule since 2023-10; --no-overlap-p2p-communication). Default: true with interleaved-1f1b, false otherwise (Megatron-LM turns it off for the other schedules); set false for runs of older code (Megatron-LM 2021 sent with blocking batched p2p)",
      ),
    zero3Prefetch: z
      .boolean()
      .default(true)
      .describe(
        "ZeRO-3/FSDP: gather the next layer's weights (and reduce-scatter the last layer's gradients) while this layer computes, so a layer exposes only what its collectives take beyond its compute (PyTorch FSDP prefetches by default, DeepSpeed ZeRO-3 too); false = every gather and reduce-scatter exposed, as without prefetch",
      ),
    tpCommOverlap: z
      .boolean()
      .default(false)
      .describe(
        "With sequence parallelism: each TP all-gather runs chunk by chunk beside the GEMM that consumes it, each reduce-scatter beside the GEMM that produces it (Megatron-Core --tp-comm-overlap, Transformer Engine userbuffers; default false); the collective's time is then max(comm, GEMM) + min(comm, GEMM)/tp − GEMM",
      ),
    overlapParamGather: z
      .boolean()
      .default(false)
      .describe(
        "With ZeRO >= 1: all-gather the updated weights bucket by bucket during the next step's forward instead of after the optimizer (Megatron-Core --overlap-param-gather, DistributedDataParallelConfig.overlap_param_gather, default false); the first forward of each chunk waits for that chunk's first bucket",
      ),
    overlapGradReduce: z
      .boolean()
      .default(false)
      .describe(
        "Start data-parallel gradient bucket collectives during the backward as buckets fill (Megatron-Core --overlap-grad-reduce, PyTorch DDP); false = after the last backward, as Megatron-LM 2021",
      ),
    gradientBucketBytes: z
      .number()
      .positive()
      .optional()
      .describe(
        "Bytes per data-parallel gradient bucket; default Megatron-Core's rule: max(40M, 1M·dp) parameters per bucket (DistributedDataParallelConfig.bucket_size)",
      ),
    placement: z
      .enum(["tp-inner", "tp-cp-pp-dp"])
      .default("tp-inner")
      .describe(
        "Rank order: tp-inner = TP adjacent (inside the scale-up domain), then CP, then DP, PP outermost (Megatron-Core's default order tp-cp-ep-dp-pp); tp-cp-pp-dp = pipeline stages before data-parallel replicas, so a replica's stages sit on neighbouring nodes and each DP group strides across the cluster (Megatron-LM --use-tp-pp-dp-mapping)",
      ),
    stageLayers: z
      .array(posInt("Layers on one pipeline rank"))
      .min(1)
      .optional()
      .describe("Layers per pipeline rank, for an uneven split (length pp, sum = layers)"),
  })
  .describe("Parallelism, batch, recomputation and precision of a training job");

export type ParallelPlanSpec = z.input<typeof ParallelPlanSchema>;
export type ParallelPlan = z.infer<typeof ParallelPlanSchema>;

/** A plan with every default resolved and the derived counts. */
export interface ResolvedPlan extends ParallelPlan {
  sequenceParallel: boolean;
  overlapPipelineSends: boolean;
  /** Micro-batches per step on each pipeline: globalBatch / (microBatch · dp). */
  microBatchesPerStep: number;
  /** Cards: tp · pp · dp · cp. */
  cards: number;
}

/**
 * Whether recomputation re-runs a module: every module with full recomputation; with selective,
 * the listed recomputeModules (default core_attn, Megatron-Core's default); none without.
 */
export function recomputes(
  plan: Pick<ParallelPlan, "recompute" | "recomputeModules">,
  module: RecomputeModule,
): boolean {
  if (plan.recompute === "full") return true;
  if (plan.recompute === "none") return false;
  return (plan.recomputeModules ?? ["core_attn"]).includes(module);
}

export function resolvePlan(plan: ParallelPlan): ResolvedPlan {
  return {
    ...plan,
    sequenceParallel: plan.sequenceParallel ?? plan.tp > 1,
    overlapPipelineSends: plan.overlapPipelineSends ?? plan.schedule === "interleaved-1f1b",
    microBatchesPerStep: plan.globalBatchSize / (plan.microBatchSize * plan.dp),
    cards: plan.tp * plan.pp * plan.dp * plan.cp,
  };
}

export interface RankCoordinates {
  tp: number;
  cp: number;
  dp: number;
  pp: number;
}

/** Coordinates of a global rank under the plan's placement (see the file comment). */
export function rankCoordinates(plan: ParallelPlan, rank: number): RankCoordinates {
  const { tp, cp, dp, pp } = plan;
  if (plan.placement === "tp-cp-pp-dp") {
    return {
      tp: rank % tp,
      cp: Math.floor(rank / tp) % cp,
      pp: Math.floor(rank / (tp * cp)) % pp,
      dp: Math.floor(rank / (tp * cp * pp)),
    };
  }
  return {
    tp: rank % tp,
    cp: Math.floor(rank / tp) % cp,
    dp: Math.floor(rank / (tp * cp)) % dp,
    pp: Math.floor(rank / (tp * cp * dp)),
  };
}

/** Global rank of the given coordinates (inverse of rankCoordinates). */
export function rankOf(plan: ParallelPlan, c: RankCoordinates): number {
  if (plan.placement === "tp-cp-pp-dp") return c.tp + plan.tp * (c.cp + plan.cp * (c.pp + plan.pp * c.dp));
  return c.tp + plan.tp * (c.cp + plan.cp * (c.dp + plan.dp * c.pp));
}

/**
 * Layers of each pipeline rank and chunk: `result[rank][chunk]` lists 0-based
 * layer indices. Megatron's interleaved assignment: the model is cut into
 * pp·v chunks in order, chunk c of rank r is global chunk c·pp + r. With
 * stageLayers each rank's layers are split over its v chunks as evenly as
 * whole layers allow (the first chunks take the remainder).
 * Assumes a plan that passed checkPlan.
 */
export function stageLayerIndices(layers: number, plan: ParallelPlan): number[][][] {
  const { pp, virtualStages: v } = plan;
  const perRank = plan.stageLayers ?? new Array<number>(pp).fill(layers / pp);
  // A rank's layers over its v chunks as evenly as whole layers allow, the first chunks taking the
  // remainder (stageLayers not divisible by v; ASSUMPTION: where the spare layers go).
  const chunkSize = (r: number, c: number) => {
    const n = perRank[r] ?? 0;
    return Math.floor(n / v) + (c < n % v ? 1 : 0);
  };
  const out: number[][][] = Array.from({ length: pp }, () => []);
  let next = 0;
  for (let c = 0; c < v; c++) {
    for (let r = 0; r < pp; r++) {
      const n = chunkSize(r, c);
      const chunk: number[] = [];
      for (let i = 0; i < n; i++) chunk.push(next++);
      out[r]?.push(chunk);
    }
  }
  return out;
}
