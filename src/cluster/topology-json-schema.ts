import { z } from "zod";
import { TopologyShapeSchema } from "./topology-schema.js";

/** The JSON Schema of topology files (input side: fields with defaults are optional). */
export function topologyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(TopologyShapeSchema, { io: "input", target: "draft-2020-12" }),
    $id: "https://clustersim.dev/schemas/topology.schema.json",
    title: "clustersim topology",
  };
}
