import { z } from "zod";
import { SweepSpecSchema } from "./sweep-spec.js";

/**
 * JSON Schema (draft 2020-12) of sweep files, generated from the zod schema
 * (for editors: topologies/schemas/sweep.schema.json, `clustersim schema sweep`).
 * Input form: fields with defaults are optional. Cross-field rules (equal zip
 * lengths, one block per path, min < max) are checked by clustersim only.
 */
export function sweepJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SweepSpecSchema, { io: "input", unrepresentable: "any" }),
    $id: "https://clustersim.dev/schemas/sweep.schema.json",
    title: "clustersim sweep",
  };
}
