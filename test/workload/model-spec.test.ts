import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { MODEL_SCHEMA_PATH, modelJsonSchemaText } from "../../src/workload/model-json-schema.js";
import { ModelSpecSchema, resolveModel } from "../../src/workload/model-spec.js";
import { activeParams, totalParams } from "../../src/workload/params.js";
import { loadModel, MODELS_DIR } from "./helpers.js";

const base = {
  name: "t",
  source: "test",
  layers: 4,
  hiddenSize: 1024,
  attentionHeads: 16,
  ffnHiddenSize: 4096,
  vocabSize: 1000,
  seqLength: 512,
};

function issues(spec: unknown): string[] {
  const r = ModelSpecSchema.safeParse(spec);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("model files", () => {
  const files = readdirSync(MODELS_DIR).filter((f) => f.endsWith(".yaml"));

  it("ships the 20 required models, each valid, citing its source, pointing editors at the schema", () => {
    expect(files.length).toBe(27);
    for (const f of files) {
      const text = readFileSync(`${MODELS_DIR}${f}`, "utf8");
      expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../schemas/model.schema.json");
      const r = ModelSpecSchema.safeParse(parse(text));
      expect(r.success, `${f}: ${r.success ? "" : JSON.stringify(r.error.issues)}`).toBe(true);
      if (r.success) expect(`${r.data.name}.yaml`).toBe(f);
    }
  });

  it("the committed JSON Schema equals the one generated from ModelSpecSchema", () => {
    const path = fileURLToPath(new URL(`../../${MODEL_SCHEMA_PATH}`, import.meta.url));
    expect(readFileSync(path, "utf8")).toBe(modelJsonSchemaText());
  });

  // Published parameter counts: an independent check of the architecture figures and of params.ts.
  it.each([
    ["gpt3-175b", 175e9, 0.01], // Brown et al. 2020
    ["llama3-8b", 8.03e9, 0.01], // Llama 3 model card
    ["llama3-70b", 70.6e9, 0.01],
    ["llama3-405b", 405e9, 0.01],
    ["deepseek-v3", 671e9, 0.01], // DeepSeek-V3 report: 671B total (main model, no MTP)
    ["pangu-ultra-moe-718b", 718e9, 0.01],
    ["pangu-ultra-135b", 135e9, 0.015],
    ["megatron-1t", 1008e9, 0.01], // Megatron Table 1 column
    ["megatron-1.7b", 1.7e9, 0.04], // the table rounds to 2 digits
  ])("%s has about %d parameters", (name, published, tol) => {
    expect(Math.abs(totalParams(loadModel(name)) / published - 1)).toBeLessThan(tol);
  });

  it("MoE active parameters match the published activated counts", () => {
    // DeepSeek-V3: 37B activated (report abstract); Pangu Ultra MoE: 39B activated.
    expect(Math.abs(activeParams(loadModel("deepseek-v3")) / 37e9 - 1)).toBeLessThan(0.03);
    expect(Math.abs(activeParams(loadModel("pangu-ultra-moe-718b")) / 39e9 - 1)).toBeLessThan(0.05);
  });

  it("resolves defaults and layer kinds", () => {
    const ds = loadModel("deepseek-v3");
    expect(ds.layerKinds.slice(0, 4)).toEqual(["dense", "dense", "dense", "moe"]);
    expect(ds.layerKinds.filter((k) => k === "moe").length).toBe(58);
    expect(ds.qkHeadDim).toBe(192);
    expect(ds.kvHeads).toBe(128);
    const gpt = loadModel("gpt3-175b");
    expect(gpt.kvHeads).toBe(96);
    expect(gpt.qkHeadDim).toBe(128);
    const explicit = resolveModel(
      ModelSpecSchema.parse({ ...base, moe: { experts: 8, topK: 2, expertFfnHiddenSize: 512, moeLayers: [1, 3] } }),
    );
    expect(explicit.layerKinds).toEqual(["dense", "moe", "dense", "moe"]);
  });
});

describe("model semantic checks", () => {
  it("accepts a minimal model", () => {
    expect(issues(base)).toEqual([]);
  });
  it("rejects unknown keys, non-integers and zero", () => {
    expect(issues({ ...base, hidenSize: 3 }).join()).toMatch(/hidenSize/);
    expect(issues({ ...base, layers: 2.5 }).join()).toMatch(/^layers/);
    expect(issues({ ...base, attentionHeads: 0 }).join()).toMatch(/^attentionHeads/);
  });
  it("names the numbers when kvHeads does not divide the heads", () => {
    expect(issues({ ...base, kvHeads: 3 })).toEqual(["kvHeads: kvHeads 3 must divide attentionHeads 16"]);
  });
  it("needs headDim when heads do not divide the hidden size", () => {
    expect(issues({ ...base, attentionHeads: 24 }).join()).toMatch(/attentionHeads 24 does not divide hiddenSize 1024/);
    expect(issues({ ...base, attentionHeads: 24, headDim: 64 })).toEqual([]);
  });
  it("checks MoE fields", () => {
    const moe = { experts: 8, topK: 9, expertFfnHiddenSize: 512 };
    expect(issues({ ...base, moe })).toEqual(["moe.topK: topK 9 exceeds experts 8"]);
    const both = issues({ ...base, moe: { ...moe, topK: 2, denseLayers: 1, moeLayers: [2] } });
    expect(both).toEqual(["moe.moeLayers: give either denseLayers or moeLayers, not both"]);
    expect(issues({ ...base, moe: { ...moe, topK: 2, moeLayers: [4] } })).toEqual([
      "moe.moeLayers.0: layer 4 out of range 0..3",
    ]);
    expect(issues({ ...base, moe: { ...moe, topK: 2, denseLayers: 4 } }).join()).toMatch(/leaves no MoE layer/);
  });
  it("rejects GQA with MLA", () => {
    const mla = { qLoraRank: 0, kvLoraRank: 64, qkNopeHeadDim: 32, qkRopeHeadDim: 16, vHeadDim: 32 };
    expect(issues({ ...base, mla })).toEqual([]);
    expect(issues({ ...base, mla, kvHeads: 4 }).join()).toMatch(/kvHeads 4 must equal attentionHeads/);
  });
});
