import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

const CLUSTERS = fileURLToPath(new URL("../../topologies/clusters/", import.meta.url));
const MODELS = fileURLToPath(new URL("../../topologies/models/", import.meta.url));

function scenario(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "clustersim-scenario-"));
  const file = join(dir, "s.yaml");
  writeFileSync(file, body);
  return file;
}

const plan = "parallel: { dp: 16, globalBatchSize: 16 }\n";

describe("scenario files referencing other files", () => {
  it("names the scenario's line when a referenced file does not exist (exit 1)", () => {
    const file = scenario(`name: s\ntopology: nope.yaml\nmodel: ${MODELS}megatron-1.7b.yaml\n${plan}`);
    const r = runCli(["run", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${file}:2:11: topology: expected a topology file (path relative to the scenario file) or an inline topology, found 'nope.yaml'`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("reports an issue inside a referenced file at that file's own line, and --set typos with a suggestion", () => {
    const topo = scenario(
      "name: t\nnodes: 2\ncardsPerNode: 8\naccelerator: { name: A100-SXM4-80GB }\nscaleOut: { kind: single-switch, nicsPerNode: 8, nicGbps: 200, latencyUs: 1, speed: 3 }\n",
    );
    const file = scenario(`name: s\ntopology: ${topo}\nmodel: ${MODELS}megatron-1.7b.yaml\n${plan}`);
    const r = runCli(["run", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${topo}:5:`);
    expect(r.stderr).toMatch(/topology\.scaleOut\.speed: unknown field 'speed'/);
    const ok = scenario(`name: s\ntopology: ${CLUSTERS}small-2x8.yaml\nmodel: ${MODELS}megatron-1.7b.yaml\n${plan}`);
    const typo = runCli(["run", ok, "--set", "parallel.microBatchSise=2"]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/parallel\.microBatchSise.*did you mean 'microBatchSize'\?/);
  });
});
