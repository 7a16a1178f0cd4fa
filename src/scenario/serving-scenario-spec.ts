import { z } from "zod";
import { TopologySpecSchema } from "../cluster/topology-schema.js";
import { NoiseSpecSchema } from "../stragglers/noise-spec.js";
import { ModelSpecSchema } from "../workload/model-spec.js";
import { resolveServingPools } from "../workload/serving/serving-pools.js";
import { ServingSpecSchema } from "../workload/serving/serving-spec.js";
import { REFERENCED_FILE_FIELDS } from "./file-references.js";

const fields = {
  name: z.string().min(1).describe("Name of the scenario"),
  description: z.string().optional().describe("Free text: what this scenario reproduces, with its source"),
  set: z
    .array(z.string())
    .default([])
    .describe("Overrides applied to the merged tree before the command line's --set ones, same syntax"),
  serving: ServingSpecSchema,
  noise: NoiseSpecSchema.default(NoiseSpecSchema.parse({})).describe(
    "Stragglers: persistent slow cards, per-iteration jitter, pauses and throttling slow the instance whose cards they hit (an instance runs in lock step); degraded links slow the KV transfers and expert all-to-alls that cross them (TP collectives are priced on instance 0's cards)",
  ),
};

/**
 * A serving scenario: a cluster, a model and a `serving:` block (instead of a
 * training `parallel:` plan). Loaded by the same loader as training scenarios
 * (src/scenario/load-scenario.ts dispatches on the `serving` key).
 */
export const ServingScenarioSpecSchema = z
  .strictObject({ ...fields, topology: TopologySpecSchema, model: ModelSpecSchema })
  .superRefine((s, ctx) => {
    // Cross-file checks (each pool vs topology and model, KV capacity) at the field they concern.
    const r = resolveServingPools(s.topology, s.model, s.serving);
    if (!r.ok) for (const i of r.issues) ctx.addIssue({ code: "custom", path: i.path, message: i.message });
  })
  .describe("A clustersim serving scenario");

export type ServingScenarioSpec = z.infer<typeof ServingScenarioSpecSchema>;

/** File-side shape (editor JSON Schema): topology and model may be file paths. */
export const ServingScenarioFileSchema = z
  .strictObject({
    ...fields,
    ...REFERENCED_FILE_FIELDS,
  })
  .describe("A clustersim serving scenario");
