import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { schemaText } from "../../src/cli/schema-command.js";

const SCHEMAS = fileURLToPath(new URL("../../topologies/schemas/", import.meta.url));

describe("committed JSON Schemas", () => {
  for (const kind of ["topology", "scenario", "model", "sweep", "claim"]) {
    it(`topologies/schemas/${kind}.schema.json equals \`clustersim schema ${kind}\``, () => {
      const committed = readFileSync(`${SCHEMAS}${kind}.schema.json`, "utf8");
      expect(JSON.parse(committed)).toEqual(JSON.parse(schemaText(kind)));
    });
  }
});
