import { z } from "zod";

/**
 * The `serving:` block of a scenario (docs/serving.md): an LLM serving
 * deployment simulated request by request. Schema as data: the types and the
 * editor's JSON Schema come from here. Defaults follow vLLM's engine defaults
 * where one exists (cited per field); every other default is an ASSUMPTION.
 */

/**
 * Plausibility bounds (issue 13): every count and amount that reaches the
 * engine or an allocation has a ceiling, so an absurd value is an input error
 * instead of an exhausted heap. MAX_SERVING_REQUESTS keeps a run's per-request
 * arrays under ~1 GB (~82 bytes a request, src/workload/serving/request-store.ts).
 */
export const MAX_SERVING_REQUESTS = 10_000_000;
export const MAX_TOKENS = 10_000_000;
/** Largest expert-parallel group: its all-to-all is priced from an ep × ep matrix (4,096² × 8 bytes = 134 MB). */
export const MAX_EXPERT_PARALLEL = 4096;
const MAX_COUNT = 1_000_000;
const MAX_SECONDS = 1e7;

const posInt = (desc: string, max = MAX_COUNT) => z.int().min(1).max(max).describe(desc);
const positive = (what: string, max = 1e9) =>
  z
    .number()
    .gt(0, { message: `${what} must be > 0` })
    .max(max, { message: `${what} must be at most ${max.toLocaleString("en-US")}` });

export const PRECISIONS = ["bf16", "fp8", "int8"] as const;
export type ServingPrecision = (typeof PRECISIONS)[number];

/**
 * Expert parallelism for mixture-of-experts serving (DeepSeek's online
 * service, SGLang large-scale EP): the instance is `ep` cards; attention and
 * the dense layers run data-parallel over ep / tp groups of tp cards, each
 * with its own sequences; the routed experts (plus redundant copies) are
 * spread whole over the ep cards; each MoE layer dispatches tokens to their
 * experts and combines the results with all-to-alls on the network
 * (docs/serving.md, "Expert parallelism").
 */
export const ExpertParallelSpecSchema = z
  .strictObject({
    ep: posInt(
      "Cards the routed experts are spread over = the instance's cards (tp must divide it; pp must be 1); attention runs data-parallel over ep / tp groups. At most 4,096 (the all-to-all is priced from an ep x ep traffic matrix; published deployments use up to 320)",
      MAX_EXPERT_PARALLEL,
    ),
    redundantExperts: z
      .int()
      .min(0)
      .max(MAX_COUNT)
      .default(0)
      .describe(
        "Extra copies of hot experts (DeepSeek: 32; EPLB); experts + redundantExperts must divide evenly over the ep cards. Their effect on load is in expertImbalance",
      ),
    maxNodesPerToken: posInt(
      "Node-limited routing: each token's experts lie on at most this many nodes (DeepSeek-V3: 4); default: no limit",
    ).optional(),
    nodeSelection: z
      .enum(["by-score", "local-first"])
      .default("by-score")
      .describe(
        "Which nodes a token's experts lie on: by-score = any node alike (the gate's choice does not depend on where the token is; DeepSeek-V3); local-first = the token's own node is always one of them (a locality-aware gate; with maxNodesPerToken 1 no token leaves its node)",
      ),
    dispatchPrecision: z
      .enum(["bf16", "fp8", "int8"])
      .default("bf16")
      .describe(
        "Precision of the hidden states sent to the experts (DeepSeek: fp8; Ascend deployments: int8); the combine is bf16",
      ),
    dispatchMode: z
      .enum(["per-node", "per-expert"])
      .default("per-node")
      .describe(
        "per-node: a token crosses to each node it needs once, then is forwarded over scale-up links (DeepEP normal kernels); per-expert: one copy per routed expert (DeepEP low-latency kernels)",
      ),
    expertImbalance: z
      .number()
      .min(1)
      .max(1000)
      .default(1)
      .describe(
        "Systematic skew of expert load left after redundant experts (most loaded card / mean), on top of the statistical imbalance of random routing; 1 = balanced by EPLB (ASSUMPTION)",
      ),
    commComputeShare: z
      .number()
      .min(0)
      .max(0.9)
      .optional()
      .describe(
        "Fraction of the card's compute units the all-to-all kernels hold while they run beside compute (two-batch overlap). Default by dispatchMode: per-node 24/132 (DeepSeek's prefill profile: compute on 108 SMs, DeepEP normal kernels on 24 of the H800's 132), per-expert 0 (DeepEP low-latency kernels free the SMs once their messages are issued)",
      ),
    kernels: z
      .enum(["fused", "per-op"])
      .default("fused")
      .describe(
        "How the engine's kernels are priced (docs/serving.md, 'Kernels'): fused = an inference engine's fused kernels (norm with quantisation, activation with quantisation; elementwise bytes at the memory efficiency); per-op = one kernel per operation as in the training layer model (each FP8 GEMM's input quantised by its own kernel, MoE permute and unpermute, router top-k; GEMMs by shape, elementwise at the card's elementwise efficiency), as DeepSeek's engine and SGLang with DeepGEMM and DeepEP run. per-op needs tp 1 and weights in the activations' precision",
      ),
    twoBatchOverlap: z
      .boolean()
      .default(false)
      .describe(
        "Split each iteration's batch in two micro-batches and overlap one's all-to-alls with the other's compute (DeepSeek dual micro-batch overlap, SGLang two-batch overlap)",
      ),
  })
  .describe("Expert parallelism over the network for mixture-of-experts models");

export const DeploymentSpecSchema = z
  .strictObject({
    instances: posInt("Model instances (replicas); each serves requests independently").default(1),
    tp: posInt(
      "Tensor-parallel cards per instance (must divide attention heads and the scale-up domain; a group stays inside one domain)",
    ).default(1),
    pp: posInt(
      "Pipeline stages per instance (at most the layers; split as evenly as possible, earlier stages one more)",
    ).default(1),
    firstCard: z
      .int()
      .min(0)
      .default(0)
      .describe(
        "Placement: instance i uses cards firstCard + i·tp·pp … firstCard + (i+1)·tp·pp − 1 (stage s of an instance on the s-th block of tp cards)",
      ),
    weights: z
      .enum(PRECISIONS)
      .default("bf16")
      .describe("Precision the weights are stored in (bytes read per weight: bf16 2, fp8/int8 1)"),
    activations: z
      .enum(["bf16", "fp8"])
      .default("bf16")
      .describe(
        "Precision the GEMMs compute in (its dense peak must exist on the card: fp8 = W8A8 on FP8 tensor cores)",
      ),
    kvCache: z
      .enum(PRECISIONS)
      .default("bf16")
      .describe("Precision of the KV cache (bytes per element: bf16 2, fp8/int8 1)"),
    hbmUsableFraction: z
      .number()
      .min(0.01)
      .max(1)
      .default(0.9)
      .describe(
        "Fraction of HBM the engine may use for weights + workspace + KV cache (vLLM gpu_memory_utilization, default 0.9)",
      ),
    workspaceGB: z
      .number()
      .min(0)
      .max(1e6)
      .optional()
      .describe(
        "Activation workspace per card, GB; default: computed from maxBatchedTokens (docs/serving.md, 'KV cache capacity')",
      ),
    moeImbalance: z
      .number()
      .min(1)
      .max(1000)
      .default(1)
      .describe(
        "Mixture of experts: multiplier on routed-expert compute for uneven expert loads (1 = even; tensor-parallel experts are split evenly over the instance's cards)",
      ),
    maxContextTokens: posInt(
      "Longest context (input + output) a request may have; default: the model's contextLength (else seqLength)",
      MAX_TOKENS,
    ).optional(),
    expertParallel: ExpertParallelSpecSchema.optional(),
  })
  .describe("Instances of the model, their parallelism, placement and precisions");

/**
 * A separate decode pool (prefill/decode disaggregation, as DistServe and
 * DeepSeek's online service): `deployment` then holds the prefill
 * instances, which prefill and sample the first token; each request's KV
 * cache then moves to a decode instance as flows on the network, and decodes
 * there. Same card kind and precisions as the prefill pool.
 */
export const DecodePoolSpecSchema = z
  .strictObject({
    instances: posInt("Decode instances").default(1),
    tp: posInt("Tensor-parallel cards per decode instance").default(1),
    pp: posInt("Pipeline stages per decode instance").default(1),
    firstCard: z
      .int()
      .min(0)
      .optional()
      .describe("First card of the decode pool; default: the card after the prefill pool's last"),
    maxSequences: posInt("Most sequences in one decode iteration; default: scheduler.maxSequences").optional(),
    maxBatchedTokens: posInt("Most tokens in one decode iteration; default: scheduler.maxBatchedTokens").optional(),
    expertParallel: ExpertParallelSpecSchema.optional().describe(
      "Expert parallelism of the decode instances (their own ep; not inherited from the prefill pool)",
    ),
  })
  .describe("A separate pool of decode instances: prefill/decode disaggregation, KV caches moved over the network");

export const SchedulerSpecSchema = z
  .strictObject({
    maxSequences: posInt("Most sequences in one iteration's batch (vLLM max_num_seqs, default 256)").default(256),
    maxBatchedTokens: posInt(
      "Most tokens (prefill chunks + one per decoding sequence) in one iteration (vLLM max_num_batched_tokens; default 8192)",
      MAX_TOKENS,
    ).default(8192),
    chunkedPrefill: z
      .boolean()
      .default(true)
      .describe(
        "true: prompts are split into chunks (at most prefillChunkTokens) that fill the token budget left by the decodes (vLLM V1); false: prompts are admitted whole when they fit the budget left by the decodes (TensorRT-LLM without chunked context)",
      ),
    prefillChunkTokens: posInt(
      "With chunkedPrefill: most prompt tokens of one sequence per iteration; default: maxBatchedTokens",
    ).optional(),
    kvReservation: z
      .enum(["incremental", "full-request"])
      .default("incremental")
      .describe(
        "incremental: KV blocks are taken as tokens are computed and the cache can run out mid-request (vLLM); full-request: a request is admitted only when blocks for its prompt and whole output are free, so nothing is ever preempted (TensorRT-LLM's default GUARANTEED_NO_EVICT policy)",
      ),
    preemption: z
      .enum(["recompute"])
      .default("recompute")
      .describe(
        "With incremental reservation, when the KV cache is full: the latest-admitted running sequence is evicted and recomputed later",
      ),
  })
  .describe("Continuous (iteration-level) batching, FCFS admission");

export const KvCacheSpecSchema = z
  .strictObject({
    blockTokens: posInt("Tokens per paged KV block (vLLM block_size, default 16)", 65_536).default(16),
    prefixHitFraction: z
      .number()
      .min(0)
      .lt(1)
      .default(0)
      .describe(
        "Fraction of each prompt found in the prefix cache: those tokens cost no prefill compute. Requests without a class always hit; it is also the default prefixHitFraction of traffic.classes",
      ),
    prefixCacheEntries: posInt(
      "Request classes: most shared prefixes one instance keeps in its prefix cache, least recently used evicted first; default: as many as fit in half the instance's KV cache (ASSUMPTION, docs/serving.md)",
    ).optional(),
  })
  .describe("Paged KV cache");

export const LengthSpecSchema = z
  .strictObject({
    distribution: z
      .enum(["fixed", "uniform", "lognormal"])
      .default("fixed")
      .describe("fixed (mean), uniform (min..max, integers), lognormal (mean, cv) clipped to [1, max context]"),
    mean: positive("mean", MAX_TOKENS).optional().describe("Tokens: the fixed length, or the lognormal's mean"),
    cv: positive("cv", 100).optional().describe("Lognormal: coefficient of variation (std / mean)"),
    min: posInt("Uniform: smallest length", MAX_TOKENS).optional(),
    max: posInt("Uniform: largest length", MAX_TOKENS).optional(),
  })
  .superRefine((l, ctx) => {
    const need = (key: "mean" | "cv" | "min" | "max") => {
      if (l[key] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `expected ${key} (distribution ${l.distribution} needs it), found nothing`,
        });
      }
    };
    if (l.distribution === "fixed") need("mean");
    if (l.distribution === "lognormal") {
      need("mean");
      need("cv");
    }
    if (l.distribution === "uniform") {
      need("min");
      need("max");
      if (l.min !== undefined && l.max !== undefined && l.max < l.min) {
        ctx.addIssue({ code: "custom", path: ["max"], message: `expected max >= min (${l.min}), found ${l.max}` });
      }
    }
  })
  .describe("A distribution of token counts");

/**
 * A class of requests (docs/serving.md, "Request classes and prefix-aware
 * routing"): each arriving request draws its class by `share`; a class's
 * prompts start with one of its `prefixes` shared prefixes (a system prompt, a
 * document), the first `prefixHitFraction` of the prompt, served from an
 * instance's prefix cache when that instance already holds it.
 */
export const RequestClassSpecSchema = z
  .strictObject({
    name: z.string().min(1).max(200).describe("Name of the class (results are reported per class)"),
    share: positive("share", 1).describe("Fraction of the requests in this class; the shares of all classes sum to 1"),
    prefixHitFraction: z
      .number()
      .min(0)
      .lt(1)
      .optional()
      .describe(
        "Share of each prompt that is the class's shared prefix (0 <= f < 1): ⌊input · f⌋ tokens cost no prefill compute when the instance holds the prefix; default: kvCache.prefixHitFraction",
      ),
    prefixes: posInt("Distinct shared prefixes of the class; a request's is drawn uniformly among them").default(1),
    inputTokens: LengthSpecSchema.optional().describe("Prompt length distribution; default: the traffic's"),
    outputTokens: LengthSpecSchema.optional().describe("Output length distribution; default: the traffic's"),
  })
  .describe("A class of requests: its share of the traffic, its shared prefixes, its lengths");

/** Shares of the classes must sum to 1 within this (they are written as decimals). */
export const CLASS_SHARE_TOLERANCE = 1e-9;

export const ARRIVALS = ["poisson", "gamma", "constant", "closed-loop", "offline", "trace", "rate-curve"] as const;

export const TrafficSpecSchema = z
  .strictObject({
    arrival: z
      .enum(ARRIVALS)
      .default("poisson")
      .describe(
        "poisson (ratePerS), gamma (ratePerS, cv: bursty), constant (ratePerS), closed-loop (users send their next request when the last finishes), offline (all at t = 0, as MLPerf Offline), trace (traceFile), rate-curve (Poisson with a rate that changes over time: rateCurveFile)",
      ),
    ratePerS: positive("ratePerS").optional().describe("Mean arrival rate, requests per second"),
    cv: positive("cv")
      .optional()
      .describe("Gamma arrivals: coefficient of variation of inter-arrival times (1 = Poisson)"),
    users: posInt("Closed loop: concurrent users (each has one request in flight)").optional(),
    thinkTimeS: z
      .number()
      .min(0)
      .max(MAX_SECONDS)
      .default(0)
      .describe("Closed loop: pause between a response and the next request, s"),
    traceFile: z
      .string()
      .min(1)
      .optional()
      .describe("Trace: CSV with header arrival_s,input_tokens,output_tokens (path relative to the scenario file)"),
    rateCurveFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Rate curve: CSV with header time_s,rate_per_s, one row per change of rate from time_s on (first row at 0; path relative to the scenario file)",
      ),
    inputTokens: LengthSpecSchema.optional().describe("Prompt length distribution (not with a trace)"),
    outputTokens: LengthSpecSchema.optional().describe("Output length distribution (not with a trace)"),
    classes: z
      .array(RequestClassSpecSchema)
      .min(1)
      .max(1000)
      .optional()
      .describe(
        "Request classes: each request draws one by share (results per class; prefix-cache hits per instance, see router prefix-aware); default: one class-less stream, every request hitting kvCache.prefixHitFraction",
      ),
    requests: posInt("Requests to simulate (including warm-up)", MAX_SERVING_REQUESTS).optional(),
    durationS: positive("durationS", MAX_SECONDS).optional().describe("Or: simulate arrivals during this many seconds"),
    warmupRequests: z.int().min(0).default(0).describe("The first requests (by arrival) excluded from statistics"),
    cooldownRequests: z
      .int()
      .min(0)
      .default(0)
      .describe(
        "The last requests (by arrival) excluded from statistics: when arrivals stop, the requests still running see the load drain, so their latencies are better than the steady state's (about ratePerS x the mean request duration of them)",
      ),
  })
  .superRefine((t, ctx) => {
    const need = (key: keyof typeof t, why: string) => {
      if (t[key] === undefined) {
        ctx.addIssue({ code: "custom", path: [key], message: `expected ${key} (${why}), found nothing` });
      }
    };
    const byRate = t.arrival === "poisson" || t.arrival === "gamma" || t.arrival === "constant";
    if (byRate) need("ratePerS", `${t.arrival} arrivals need a rate`);
    if (t.arrival === "gamma") need("cv", "gamma arrivals need a coefficient of variation");
    if (t.arrival === "closed-loop") need("users", "a closed loop needs a number of users");
    if (t.arrival === "trace") need("traceFile", "trace arrivals need a CSV file");
    if (t.arrival === "rate-curve") need("rateCurveFile", "rate-curve arrivals need a CSV file of rates over time");
    if (t.arrival !== "trace") {
      // With classes, a class's own distribution replaces the traffic's default.
      for (const key of ["inputTokens", "outputTokens"] as const) {
        const what = key === "inputTokens" ? "a prompt" : "an output";
        const without = (t.classes ?? []).flatMap((c, i) => (c[key] === undefined ? [i] : []));
        if (t[key] !== undefined || (t.classes !== undefined && without.length === 0)) continue;
        if (t.classes === undefined) need(key, `requests need ${what} length distribution`);
        for (const i of without) {
          ctx.addIssue({
            code: "custom",
            path: ["classes", i, key],
            message: `expected ${key} (requests need ${what} length distribution, and the traffic has no ${key} to default to), found nothing`,
          });
        }
      }
    }
    if (t.classes !== undefined) {
      const sum = t.classes.reduce((a, c) => a + c.share, 0);
      if (!(Math.abs(sum - 1) <= CLASS_SHARE_TOLERANCE)) {
        ctx.addIssue({
          code: "custom",
          path: ["classes"],
          message: `expected the shares of the classes to sum to 1 (within ${CLASS_SHARE_TOLERANCE}), found ${sum}`,
        });
      }
      const seen = new Set<string>();
      t.classes.forEach((c, i) => {
        if (seen.has(c.name)) {
          ctx.addIssue({
            code: "custom",
            path: ["classes", i, "name"],
            message: `expected a name no other class has, found '${c.name}' again`,
          });
        }
        seen.add(c.name);
        if (t.arrival === "trace") {
          for (const key of ["inputTokens", "outputTokens"] as const) {
            if (c[key] !== undefined) {
              ctx.addIssue({
                code: "custom",
                path: ["classes", i, key],
                message: `expected no ${key} with trace arrivals (the trace gives every request's lengths), found a distribution`,
              });
            }
          }
        }
      });
      const prefixes = t.classes.reduce((a, c) => a + c.prefixes, 0);
      if (prefixes > MAX_COUNT) {
        ctx.addIssue({
          code: "custom",
          path: ["classes"],
          message: `expected at most ${MAX_COUNT.toLocaleString("en-US")} prefixes over all classes, found ${prefixes.toLocaleString("en-US")}`,
        });
      }
    }
    if (t.arrival === "offline") need("requests", "offline traffic needs a request count");
    if (
      (byRate || t.arrival === "closed-loop" || t.arrival === "rate-curve") &&
      t.requests === undefined &&
      t.durationS === undefined
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["requests"],
        message: "expected requests or durationS (how much traffic to simulate), found neither",
      });
    }
    if (t.requests === undefined && t.durationS !== undefined && t.ratePerS !== undefined) {
      const expected = t.ratePerS * t.durationS;
      if (expected > MAX_SERVING_REQUESTS) {
        ctx.addIssue({
          code: "custom",
          path: ["durationS"],
          message: `expected at most ${MAX_SERVING_REQUESTS.toLocaleString("en-US")} requests (ratePerS x durationS), found ${expected.toLocaleString("en-US")}: give requests, or a shorter duration`,
        });
      }
    }
    if (t.requests !== undefined && t.warmupRequests >= t.requests) {
      ctx.addIssue({
        code: "custom",
        path: ["warmupRequests"],
        message: `expected fewer warm-up requests than requests (${t.requests}), found ${t.warmupRequests}`,
      });
    } else if (t.requests !== undefined && t.warmupRequests + t.cooldownRequests >= t.requests) {
      ctx.addIssue({
        code: "custom",
        path: ["cooldownRequests"],
        message: `expected warm-up + cool-down requests fewer than requests (${t.requests}), found ${t.warmupRequests} + ${t.cooldownRequests}`,
      });
    }
  })
  .describe("The requests: arrivals, lengths, how many");

export const SloSpecSchema = z
  .strictObject({
    ttftS: positive("ttftS", MAX_SECONDS)
      .default(2)
      .describe("Time-to-first-token limit, s (MLPerf Llama-2-70B Server: 2 s)"),
    tpotS: positive("tpotS", MAX_SECONDS)
      .default(0.2)
      .describe("Time-per-output-token limit (mean inter-token time of a request), s (MLPerf: 0.2 s)"),
    percentile: z
      .number()
      .gt(0)
      .max(100)
      .default(99)
      .describe("Percentile at which both limits must hold (MLPerf: 99)"),
  })
  .describe("Service-level objectives (reference/inference.csv V14-V19)");

export const OverheadSpecSchema = z
  .strictObject({
    iterationS: z
      .number()
      .min(0)
      .max(10)
      .optional()
      .describe(
        "Host time per iteration (scheduling, launch, sampling), s; default: the accelerator's serving constant (docs/model.md)",
      ),
  })
  .describe("Per-iteration host overhead");

export const ROUTERS = ["round-robin", "least-outstanding", "prefix-aware"] as const;
export type Router = (typeof ROUTERS)[number];

export const ServingSpecSchema = z
  .strictObject({
    deployment: DeploymentSpecSchema.default(DeploymentSpecSchema.parse({})),
    decode: DecodePoolSpecSchema.optional(),
    scheduler: SchedulerSpecSchema.default(SchedulerSpecSchema.parse({})),
    kvCache: KvCacheSpecSchema.default(KvCacheSpecSchema.parse({})),
    router: z
      .enum(ROUTERS)
      .default("round-robin")
      .describe(
        "How arriving requests are spread over instances: round-robin, least-outstanding, or prefix-aware (to the instance that last served the request's shared prefix unless it is routerBalanceThreshold requests busier than the least-outstanding one; SGLang's cache-aware router). A decode pool is routed least-outstanding under prefix-aware",
      ),
    routerBalanceThreshold: z
      .int()
      .min(0)
      .max(MAX_COUNT)
      .default(32)
      .describe(
        "prefix-aware: outstanding requests by which the prefix's instance may exceed the least-outstanding instance before a request goes to the latter (SGLang router balance_abs_threshold, default 32)",
      ),
    traffic: TrafficSpecSchema,
    slo: SloSpecSchema.default(SloSpecSchema.parse({})),
    overheads: OverheadSpecSchema.default({}),
  })
  .describe("An LLM serving deployment, simulated request by request (docs/serving.md)");

export type ServingSpec = z.infer<typeof ServingSpecSchema>;

/** Cards of one instance of a pool: ep with expert parallelism, else tp × pp. */
export function cardsPerInstance(pool: {
  tp: number;
  pp: number;
  expertParallel?: { ep: number } | undefined;
}): number {
  return pool.expertParallel ? pool.expertParallel.ep : pool.tp * pool.pp;
}
export type DeploymentSpec = z.infer<typeof DeploymentSpecSchema>;
export type DecodePoolSpec = z.infer<typeof DecodePoolSpecSchema>;
export type ExpertParallelSpec = z.infer<typeof ExpertParallelSpecSchema>;
export type SchedulerSpec = z.infer<typeof SchedulerSpecSchema>;
export type TrafficSpec = z.infer<typeof TrafficSpecSchema>;
export type LengthSpec = z.infer<typeof LengthSpecSchema>;
export type RequestClassSpec = z.infer<typeof RequestClassSpecSchema>;
export type SloSpec = z.infer<typeof SloSpecSchema>;
