import { z } from "zod";
import { ModelSpecSchema } from "./model-spec.js";

/** Path of the committed schema, relative to the repository root. */
export const MODEL_SCHEMA_PATH = "topologies/schemas/model.schema.json";

/**
 * JSON Schema of model files for editors (hover text from the zod
 * `.describe()` calls), generated from ModelSpecSchema: the input side, so
 * fields with defaults are optional. test/workload/model-json-schema.test.ts
 * asserts the committed file equals this.
 */
export function modelJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ModelSpecSchema, { io: "input" }),
    $id: "https://clustersim.local/schemas/model.schema.json",
    title: "clustersim model file",
  };
}

/** The file's text: pretty-printed JSON with a trailing newline. */
export function modelJsonSchemaText(): string {
  return `${JSON.stringify(modelJsonSchema(), null, 2)}\n`;
}
