import type { Command } from "commander";
import { claimJsonSchema } from "../claims/claim-spec.js";
import { topologyJsonSchema } from "../cluster/topology-json-schema.js";
import { scenarioJsonSchema } from "../scenario/scenario-spec.js";
import { writeFileAtomic } from "../sweep/atomic-write.js";
import { sweepJsonSchema } from "../sweep/sweep-json-schema.js";
import { modelJsonSchema } from "../workload/model-json-schema.js";
import { UsageError } from "./errors.js";
import { checkOutputPath } from "./output-guard.js";

/** File kinds with a JSON Schema; later kinds (scenario, model, ...) add an entry here. */
const SCHEMAS: Record<string, () => Record<string, unknown>> = {
  topology: topologyJsonSchema,
  scenario: scenarioJsonSchema,
  model: modelJsonSchema,
  sweep: sweepJsonSchema,
  claim: claimJsonSchema,
};

/** The schema text exactly as committed under topologies/schemas/ (2-space JSON, trailing newline). */
export function schemaText(kind: string): string {
  const make = SCHEMAS[kind];
  if (!make) throw new UsageError(`schema: unknown kind '${kind}' (expected: ${Object.keys(SCHEMAS).join(", ")})`);
  return `${JSON.stringify(make(), null, 2)}\n`;
}

/** `clustersim schema <kind> [--out FILE]`: prints (or writes, atomically) the JSON Schema of a file kind. */
export function addSchemaCommand(program: Command, out: (line: string) => void): void {
  program
    .command("schema")
    .description(`print the JSON Schema of an input file kind (for editors): ${Object.keys(SCHEMAS).join(", ")}`)
    .argument("<kind>", `file kind: ${Object.keys(SCHEMAS).join(", ")}`)
    .option("--out <file>", "write the schema to this file instead of printing it")
    .action((kind: string, opts: { out?: string }) => {
      const text = schemaText(kind);
      if (opts.out) {
        checkOutputPath("--out", opts.out, [], "a JSON Schema");
        writeFileAtomic(opts.out, text);
      } else out(text.trimEnd());
    });
}
