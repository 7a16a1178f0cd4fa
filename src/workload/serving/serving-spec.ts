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
 * arrays under ~1 GB (~70 bytes a request, src/workload/serving/request-store.ts).
 */
export const MAX_SERVING_REQUESTS = 10_000_000;
export const MAX_TOKENS = 10_000_000;
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
      .describe("Fraction of each prompt found in the prefix cache: those tokens cost no prefill compute"),
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
    requests: posInt("Requests to simulate (including warm-up)", MAX_SERVING_REQUESTS).optional(),
    durationS: positive("durationS", MAX_SECONDS).optional().describe("Or: simulate arrivals during this many seconds"),
    warmupRequests: z.int().min(0).default(0).describe("The first requests (by arrival) excluded from statistics"),
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
      need("inputTokens", "requests need a prompt length distribution");
      need("outputTokens", "requests need an output length distribution");
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

export const ServingSpecSchema = z
  .strictObject({
    deployment: DeploymentSpecSchema.default(DeploymentSpecSchema.parse({})),
    decode: DecodePoolSpecSchema.optional(),
    scheduler: SchedulerSpecSchema.default(SchedulerSpecSchema.parse({})),
    kvCache: KvCacheSpecSchema.default(KvCacheSpecSchema.parse({})),
    router: z
      .enum(["round-robin", "least-outstanding"])
      .default("round-robin")
      .describe("How arriving requests are spread over instances"),
    traffic: TrafficSpecSchema,
    slo: SloSpecSchema.default(SloSpecSchema.parse({})),
    overheads: OverheadSpecSchema.default({}),
  })
  .describe("An LLM serving deployment, simulated request by request (docs/serving.md)");

export type ServingSpec = z.infer<typeof ServingSpecSchema>;
export type DeploymentSpec = z.infer<typeof DeploymentSpecSchema>;
export type DecodePoolSpec = z.infer<typeof DecodePoolSpecSchema>;
export type SchedulerSpec = z.infer<typeof SchedulerSpecSchema>;
export type TrafficSpec = z.infer<typeof TrafficSpecSchema>;
export type LengthSpec = z.infer<typeof LengthSpecSchema>;
export type SloSpec = z.infer<typeof SloSpecSchema>;
