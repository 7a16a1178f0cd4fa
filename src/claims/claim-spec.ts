import { z } from "zod";

/**
 * Metrics a claim may bound. `scalingEfficiency` and `linearity` compare the
 * target size with the base size (src/claims/efficiency.ts; throughput is
 * tokensPerSecond for training, outputTokensPerSecond for serving); the
 * others are read from the run at the target size (training:
 * src/scenario/run.ts; serving: src/scenario/serving-metric-columns.ts).
 */
export const CLAIM_METRICS = [
  "scalingEfficiency",
  "linearity",
  "mfu",
  "hfu",
  "stepTimeSeconds",
  "tokensPerSecond",
  "tflopsPerCard",
  "peakMemoryBytes",
  "stragglerShare",
  "requestsPerSecond",
  "outputTokensPerSecond",
  "outputTokensPerSecondPerCard",
  "ttftP99Seconds",
  "tpotP99Seconds",
  "e2eP99Seconds",
  "ttftP50Seconds",
  "tpotP50Seconds",
  "sloAttainment",
  "goodputRequestsPerSecond",
  "sloRatio",
  "meanBatchSize",
  "decodeOutputTokensPerSecondPerCard",
  "busyFraction",
  "prefillBusyFraction",
  "decodeBusyFraction",
  "kvTransferP99Seconds",
  "allToAllShare",
  "decodeAllToAllShare",
] as const;

export type ClaimMetric = (typeof CLAIM_METRICS)[number];

/** Metrics that need a run at the base size as well as at the target size. */
export const RELATIVE_METRICS: readonly ClaimMetric[] = ["scalingEfficiency", "linearity"];

export const BoundSpecSchema = z
  .strictObject({
    metric: z
      .enum(CLAIM_METRICS)
      .describe(
        "What is bounded: scalingEfficiency = (throughput_N/N)/(throughput_base/base); linearity = (throughput_N/throughput_base)/(N/base); or a metric of the target-size run",
      ),
    op: z.enum([">=", "<="]).describe("The claim holds when `metric op value`"),
    value: z
      .number()
      .describe(
        "The bound (a fraction for efficiencies and MFU: 0.95 means 95%; a ratio when relative: 2 means twice)",
      ),
    relative: z
      .boolean()
      .default(false)
      .describe(
        "true: the bound applies to metric(claim's run) / metric(the same run with the reference's overrides); needs `reference`",
      ),
  })
  .describe("The bound the claim states, e.g. { metric: scalingEfficiency, op: '>=', value: 0.95 }");

export const ReferenceSpecSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe("What the claim compares with, in a few words (e.g. H100); shown in the verdict table"),
    set: z
      .array(z.string())
      .min(1)
      .describe(
        "Overrides that turn the claim's run into the reference run, `--set` syntax (e.g. topology.accelerator.name=H100-SXM5-80GB); applied after a variant's",
      ),
  })
  .describe(
    "The run a relative bound compares with: the claim's scenario (with the case's overrides, at the same size) plus these overrides",
  );

export const VariantSpecSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: "expected letters, digits, '.', '_' or '-'" })
      .describe("Short name of the what-if (shown in the verdict table and as the JUnit test case)"),
    description: z.string().optional().describe("What the what-if changes, in words"),
    set: z
      .array(z.string())
      .default([])
      .describe(
        "Overrides of the scenario, `--set` syntax (e.g. topology.scaleOut.nicGbps=200); applied at both sizes (and, with a relative bound, to the reference run too)",
      ),
    referenceSet: z
      .array(z.string())
      .default([])
      .describe(
        "With a relative bound: overrides of the reference run only, applied after the reference's own (e.g. topology.accelerator.overrides.hbmTBps=1.5: 'what if the card we compare with had 1.5 TB/s')",
      ),
    required: z
      .boolean()
      .default(false)
      .describe("true: the claim must also hold under this variant (check fails otherwise); false: informative"),
  })
  .describe("A named what-if: the claim re-evaluated with these overrides");

export const ClaimSpecSchema = z
  .strictObject({
    statement: z.string().min(1).describe("The claim in words, e.g. '95% scaling efficiency on 8,000 cards'"),
    source: z.string().optional().describe("Who makes the claim, where (citation)"),
    scenario: z.string().min(1).describe("Scenario file the claim is about, relative to this file"),
    mode: z
      .enum(["weak", "strong"])
      .default("weak")
      .describe(
        "weak: micro-batches per replica fixed, the global batch grows with data parallelism (serving: offered load per instance fixed); strong: the scenario's global batch (serving: offered load) fixed",
      ),
    baseCards: z.int().min(1).optional().describe("Reference size for scalingEfficiency/linearity (required for them)"),
    targetCards: z
      .int()
      .min(1)
      .describe(
        "Size the claim is about (training: data parallelism and nodes are resized to it; serving: instances = targetCards / (tp·pp), offered load scaled with the instances in weak mode)",
      ),
    bound: BoundSpecSchema,
    reference: ReferenceSpecSchema.optional(),
    steps: z
      .int()
      .min(1)
      .max(1000)
      .default(1)
      .describe("Training steps simulated per run (ignored by serving scenarios)"),
    seeds: z.int().min(1).max(100).default(1).describe("Seeds per run; above 1, values are means with a 95% CI"),
    seed: z.int().min(0).default(1).describe("First seed (seeds are seed, seed+1, ...)"),
    variants: z.array(VariantSpecSchema).default([]).describe("Named what-ifs, each evaluated like the baseline"),
  })
  .superRefine((c, ctx) => {
    if (RELATIVE_METRICS.includes(c.bound.metric) && c.baseCards === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["baseCards"],
        message: `expected baseCards (the metric ${c.bound.metric} compares two sizes), found nothing`,
      });
    }
    if (c.baseCards !== undefined && c.baseCards >= c.targetCards) {
      ctx.addIssue({
        code: "custom",
        path: ["baseCards"],
        message: `expected fewer cards than targetCards (${c.targetCards}), found ${c.baseCards}`,
      });
    }
    if (c.bound.relative && c.reference === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["reference"],
        message: "expected a reference (bound.relative compares with a reference run), found nothing",
      });
    }
    if (!c.bound.relative && c.reference !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["bound", "relative"],
        message: "expected relative: true (a reference is only used by a relative bound), found false",
      });
    }
    const seen = new Set<string>();
    c.variants.forEach((v, i) => {
      if (v.set.length === 0 && v.referenceSet.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["variants", i, "set"],
          message: "expected at least one override in set (or, with a relative bound, in referenceSet), found none",
        });
      }
      if (v.referenceSet.length > 0 && !c.bound.relative) {
        ctx.addIssue({
          code: "custom",
          path: ["variants", i, "referenceSet"],
          message:
            "expected no referenceSet (it changes the reference run of a relative bound; this bound is not relative)",
        });
      }
      if (v.name === "baseline" || seen.has(v.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["variants", i, "name"],
          message: `expected a unique name other than 'baseline', found '${v.name}'`,
        });
      }
      seen.add(v.name);
    });
  })
  .describe("A claim about a scenario (clustersim check): a bound on a metric, and what-if variants");

export type ClaimSpec = z.infer<typeof ClaimSpecSchema>;
export type BoundSpec = z.infer<typeof BoundSpecSchema>;
export type VariantSpec = z.infer<typeof VariantSpecSchema>;
export type ReferenceSpec = z.infer<typeof ReferenceSpecSchema>;

/** JSON Schema (draft 2020-12) of claim files (topologies/schemas/claim.schema.json, `clustersim schema claim`). */
export function claimJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ClaimSpecSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }),
    $id: "https://clustersim.dev/schemas/claim.schema.json",
    title: "clustersim claim",
  };
}
