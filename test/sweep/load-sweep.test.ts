import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadSweep } from "../../src/sweep/load-sweep.js";
import { planSweep } from "../../src/sweep/run-sweep.js";
import { sweepJsonSchema } from "../../src/sweep/sweep-json-schema.js";
import { FIXTURES, tempSweep } from "./helpers.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected an error");
}

describe("sweep files", () => {
  it("reports every problem of a bad file with file:line:col and the field path", () => {
    const file = join(FIXTURES, "bad-fields.yaml");
    const lines = errorOf(() => loadSweep(file)).split("\n");
    const expectLine = (re: RegExp) =>
      expect(
        lines.some((l) => re.test(l)),
        `${re} in\n${lines.join("\n")}`,
      ).toBe(true);
    expectLine(/bad-fields\.yaml:2:7: seed: .*whole number.*1\.5/);
    expectLine(/bad-fields\.yaml:3:1: stepz: unknown field.*steps/);
    expectLine(/bad-fields\.yaml:7:\d+: axes\.0\.values\.parallel\.tp: /);
    expectLine(/bad-fields\.yaml:11:\d+: axes\.1\.values\.b: zip lists must have equal lengths/);
    expectLine(/bad-fields\.yaml:15:\d+: axes\.2\.ranges\.c\.max: expected max > min/);
    expectLine(/bad-fields\.yaml:16:\d+: axes\.3\.kind: .*gird/);
  });

  it("rejects a path varied by two blocks, and YAML syntax errors, with positions", () => {
    expect(errorOf(() => loadSweep(join(FIXTURES, "bad-duplicate-axis.yaml")))).toMatch(
      /bad-duplicate-axis\.yaml:6:\d+: axes\.1: axis 'parallel\.tp' already varies in axes\[0\]/,
    );
    // Written at test time: a YAML syntax error in a committed fixture would break `biome check`.
    const { dir } = tempSweep();
    const bad = join(dir, "bad-syntax.yaml");
    writeFileSync(bad, "scenario: scenario.yaml\naxes:\n  - kind: grid\n    values: { parallel.tp: [1, 2\n");
    expect(errorOf(() => loadSweep(bad))).toMatch(/bad-syntax\.yaml:\d+:\d+: .*YAML/);
  });

  it("resolves the scenario against the sweep file; the shipped example expands to 64 points", () => {
    const { loaded, plan } = planSweep(join(ROOT, "topologies/sweeps/example.yaml"));
    expect(loaded.scenarioPath).toBe(join(ROOT, "topologies/scenarios/gpt3-175b-h100-1024.yaml"));
    expect(plan.points).toHaveLength(64);
    expect(new Set(plan.points.map((p) => p.id)).size).toBe(64);
  });

  it("the committed JSON Schema is the one generated from the zod schema", () => {
    const committed = JSON.parse(readFileSync(join(ROOT, "topologies/schemas/sweep.schema.json"), "utf8"));
    expect(committed).toEqual(sweepJsonSchema());
    expect(committed.additionalProperties).toBe(false);
    expect(committed.required).toEqual(["scenario", "axes"]);
  });
});
