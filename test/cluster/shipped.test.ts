import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { schemaText } from "../../src/cli/schema-command.js";
import { buildCluster } from "../../src/cluster/build.js";
import { loadTopology } from "../../src/cluster/load-topology.js";
import { validateJsonSchema } from "./json-schema-check.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLUSTERS = `${ROOT}topologies/clusters/`;
const SCHEMA_FILE = `${ROOT}topologies/schemas/topology.schema.json`;
const shipped = readdirSync(CLUSTERS).filter((f) => f.endsWith(".yaml"));

describe("shipped topologies", () => {
  it("include the clusters the issue asks for", () => {
    for (const f of [
      "megatron-selene-3072-a100.yaml",
      "dgx-h100-superpod-1024.yaml",
      "h100-rail-8192.yaml",
      "h800-2048.yaml",
      "ascend-910b-8192.yaml",
      "ascend-910c-8192.yaml",
    ]) {
      expect(shipped).toContain(f);
    }
  });

  it.each(shipped)("%s validates, builds, and points editors at the schema", (file) => {
    const text = readFileSync(CLUSTERS + file, "utf8");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../schemas/topology.schema.json");
    const spec = loadTopology(CLUSTERS + file);
    const cluster = buildCluster(spec);
    expect(cluster.cards).toBe(spec.nodes * spec.cardsPerNode);
    expect(cluster.summary().bisectionBytesPerS).toBeGreaterThan(0);
    // The committed JSON Schema accepts the file too (what the editor checks).
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8"));
    expect(validateJsonSchema(schema, parse(text))).toEqual([]);
  });

  it("the Megatron cluster has the paper's shape: 384 DGX A100 nodes, 8 x 200 Gb/s HDR each", () => {
    const c = buildCluster(loadTopology(`${CLUSTERS}megatron-selene-3072-a100.yaml`));
    expect([c.nodes, c.cardsPerNode, c.nicsPerNode]).toEqual([384, 8, 8]);
    const nicUp = c.route(0, 3071, 1).at(0) ?? -1;
    expect(c.links.bandwidthBytesPerS[nicUp]).toBe(25e9); // 200 Gb/s = 25 GB/s
    expect(c.route(0, 3071, 1)).toHaveLength(6); // 3 tiers: nic, leaf, agg, core, agg, leaf
    expect(c.accelerator.hbmBytes).toBe(80 * 2 ** 30);
  });
});

describe("topology JSON Schema", () => {
  it("the committed file equals the generated one (regenerate: npx clustersim schema topology --out topologies/schemas/topology.schema.json)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(schemaText("topology"));
  });

  it("`clustersim schema topology` prints valid JSON with field descriptions", () => {
    const r = spawnSync(process.execPath, ["bin/clustersim.mjs", "schema", "topology"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.nodes.description).toMatch(/nodes/i);
    const so = JSON.stringify(schema.properties.scaleOut);
    expect(so).toMatch(/10\^9 BITS\/s/);
  });

  it("rejects what the zod schema rejects for unknown keys and wrong types", () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8"));
    const doc = parse(readFileSync(`${CLUSTERS}small-2x8.yaml`, "utf8"));
    doc.scaleOut.nicGBps = 50;
    doc.nodes = "two";
    const errors = validateJsonSchema(schema, doc);
    expect(errors.some((e) => e.startsWith("scaleOut:"))).toBe(true);
    expect(errors.some((e) => e.startsWith("nodes"))).toBe(true);
  });
});
