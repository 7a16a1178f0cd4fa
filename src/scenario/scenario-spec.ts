import { z } from "zod";
import { TopologySpecSchema } from "../cluster/topology-schema.js";
import { FailureSpecSchema } from "../stragglers/failures-spec.js";
import { NoiseSpecSchema } from "../stragglers/noise-spec.js";
import { ModelSpecSchema } from "../workload/model-spec.js";
import { ParallelPlanSchema } from "../workload/plan-spec.js";
import { REFERENCED_FILE_FIELDS } from "./file-references.js";
import { ServingScenarioFileSchema } from "./serving-scenario-spec.js";

const CollectivesSpecSchema = z
  .strictObject({
    algo: z
      .enum(["auto", "ring", "tree", "halving-doubling", "hierarchical", "nvls"])
      .default("auto")
      .describe("Force one collective algorithm for data-parallel and pipeline traffic, or auto (NCCL-like tuner)"),
    nvls: z
      .boolean()
      .default(false)
      .describe(
        "Let the automatic choice run all-reduces inside one scale-up domain as NVLS (NVLink SHARP) where the topology's switches reduce (scaleUp.inSwitchReduction): NCCL_NVLS_ENABLE. NCCL turns it on by default; the default here is false because the frameworks the model is checked against run without it (Megatron-Bridge's benchmark recipes set NCCL_NVLS_ENABLE=0)",
      ),
    granularity: z
      .enum(["phase", "fine"])
      .default("phase")
      .describe("Flow granularity: phase (one flow per rank per algorithm phase) or fine (per step; slow at scale)"),
    inLayer: z
      .enum(["predicted", "simulated", "simulated-overlap"])
      .default("predicted")
      .describe(
        "Tensor- and context-parallel collectives inside a layer: predicted (closed-form time on the group, exposed, added to the pass), simulated (collective tasks on the flow network, exposed, contending with data-parallel and pipeline traffic; slower, as many events as collectives) or simulated-overlap (the same, overlapped with the ops between each collective's start and wait points)",
      ),
    expertAllToAll: z
      .enum(["simulated", "predicted"])
      .default("simulated")
      .describe(
        "Expert-parallel all-to-alls of MoE training: simulated (one flow per ordered card pair on the flow network, contending with other traffic; n² flows per all-to-all, slow for EP groups of 64+ over many steps) or predicted (the closed form: launch + alpha + the most loaded card port's bytes / bandwidth, on an idle network; the members still wait for each other)",
      ),
  })
  .describe("How collectives run on the network");

const scenarioFields = {
  name: z.string().min(1).describe("Name of the scenario"),
  description: z.string().optional().describe("Free text: what this scenario reproduces, with its source"),
  set: z
    .array(z.string())
    .default([])
    .describe(
      "Overrides applied to the merged tree before the command line's --set ones, same syntax (e.g. topology.nodes=4): lets a scenario use a subset of a shipped cluster",
    ),
  parallel: ParallelPlanSchema,
  noise: NoiseSpecSchema.default(NoiseSpecSchema.parse({})),
  failures: FailureSpecSchema.optional().describe("Failure rates and checkpointing (used by run --job-days)"),
  collectives: CollectivesSpecSchema.default({
    algo: "auto",
    nvls: false,
    granularity: "phase",
    inLayer: "predicted",
    expertAllToAll: "simulated",
  }),
};

/**
 * A training scenario: a cluster, a model, a parallel plan, and the
 * imperfections to simulate. In a file, `topology` and `model` are paths
 * (relative to the scenario file) or inline objects; the loader grafts the
 * referenced files into one tree before `--set` overrides and validation, so
 * `--set topology.scaleOut.nicGbps=200` works on a referenced file.
 */
export const ScenarioSpecSchema = z
  .strictObject({
    ...scenarioFields,
    topology: TopologySpecSchema,
    model: ModelSpecSchema,
  })
  .describe("A clustersim training scenario");

export type ScenarioSpec = z.infer<typeof ScenarioSpecSchema>;

/** The file-side shape (for the editor's JSON Schema): topology and model may be file paths. */
export const ScenarioFileSchema = z
  .strictObject({
    ...scenarioFields,
    ...REFERENCED_FILE_FIELDS,
  })
  .describe("A clustersim training scenario");

/** Either kind of scenario file, for the editor: a training plan (`parallel`) or a `serving` block. */
const AnyScenarioFileSchema = z
  .union([ScenarioFileSchema, ServingScenarioFileSchema])
  .describe("A clustersim scenario: training (parallel) or serving (serving)");

export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(AnyScenarioFileSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }),
    $id: "https://clustersim.dev/schemas/scenario.schema.json",
    title: "clustersim scenario",
  };
}
