import { z } from "zod";

/**
 * Metrics a claim may bound. `scalingEfficiency` and `linearity` compare the
 * target size with the base size (src/claims/efficiency.ts); the others are
 * read from the run at the target size (src/scenario/run.ts metrics).
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
    value: z.number().describe("The bound (a fraction for efficiencies and MFU: 0.95 means 95%)"),
  })
  .describe("The bound the claim states, e.g. { metric: scalingEfficiency, op: '>=', value: 0.95 }");

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
      .min(1)
      .describe(
        "Overrides of the scenario, `--set` syntax (e.g. topology.scaleOut.nicGbps=200); applied at both sizes",
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
        "weak: micro-batches per replica fixed, the global batch grows with data parallelism; strong: the scenario's global batch fixed",
      ),
    baseCards: z.int().min(1).optional().describe("Reference size for scalingEfficiency/linearity (required for them)"),
    targetCards: z.int().min(1).describe("Size the claim is about (data parallelism and nodes are resized to it)"),
    bound: BoundSpecSchema,
    steps: z.int().min(1).max(1000).default(1).describe("Training steps simulated per run"),
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
    const seen = new Set<string>();
    c.variants.forEach((v, i) => {
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

/** JSON Schema (draft 2020-12) of claim files (topologies/schemas/claim.schema.json, `clustersim schema claim`). */
export function claimJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ClaimSpecSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }),
    $id: "https://clustersim.dev/schemas/claim.schema.json",
    title: "clustersim claim",
  };
}
