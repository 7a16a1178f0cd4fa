import { z } from "zod";
import { TopologyShapeSchema } from "../cluster/topology-schema.js";
import { ModelSpecSchema } from "../workload/model-spec.js";

/**
 * The file-side `topology` and `model` fields of a scenario (training or
 * serving), for the editor's JSON Schema: a path relative to the scenario
 * file, or the object inline. The loader grafts referenced files before
 * validation (src/scenario/load-scenario.ts).
 */
export const REFERENCED_FILE_FIELDS = {
  topology: z
    .union([z.string().describe("Path of a topology file, relative to this file"), TopologyShapeSchema])
    .describe("The cluster: a topology file path or an inline topology"),
  model: z
    .union([z.string().describe("Path of a model file, relative to this file"), ModelSpecSchema])
    .describe("The model: a model file path or an inline model"),
};
