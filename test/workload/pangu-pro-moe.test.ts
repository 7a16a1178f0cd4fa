import { describe, expect, it } from "vitest";
import { ModelSpecSchema, resolveModel } from "../../src/workload/model-spec.js";
import { activeParams, totalParams } from "../../src/workload/params.js";
import { loadModel } from "./helpers.js";

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

describe("Pangu Pro MoE 72B (arXiv:2505.21411 Table 1)", () => {
  const m = loadModel("pangu-pro-moe-72b");

  it("has the published parameter counts: 71.99B total, 16.50B activated", () => {
    expect(totalParams(m) / 1e9).toBeCloseTo(71.99, 1);
    expect(activeParams(m) / 1e9).toBeCloseTo(16.5, 1);
  });

  it("is MoE in all 48 layers, 64 experts in 8 groups (1 per group per token), GQA 40/8 of 128", () => {
    expect(m.layerKinds.length).toBe(48);
    expect(m.layerKinds.every((k) => k === "moe")).toBe(true);
    expect(m.moe).toEqual({
      experts: 64,
      topK: 8,
      expertFfnHiddenSize: 1344,
      sharedExperts: 4,
      sharedExpertFfnHiddenSize: 1344,
      expertGroups: 8,
    });
    expect([m.attentionHeads, m.kvHeads, m.qkHeadDim, m.vHeadDim]).toEqual([40, 8, 128, 128]);
  });
});

describe("moe.expertGroups (MoGE)", () => {
  const moe = { experts: 64, topK: 8, expertFfnHiddenSize: 512 };

  it("is optional: plain top-k models resolve without it", () => {
    const plain = resolveModel(ModelSpecSchema.parse({ ...base, moe }));
    expect(plain.moe && "expertGroups" in plain.moe).toBe(false);
    expect(resolveModel(ModelSpecSchema.parse({ ...base, moe: { ...moe, expertGroups: 4 } })).moe?.expertGroups).toBe(
      4,
    );
  });

  it("must divide experts and topK, each reported at moe.expertGroups", () => {
    expect(issues({ ...base, moe: { ...moe, expertGroups: 8 } })).toEqual([]);
    expect(issues({ ...base, moe: { ...moe, expertGroups: 3 } })).toEqual([
      "moe.expertGroups: expertGroups 3 must divide experts 64 (equal groups)",
      "moe.expertGroups: expertGroups 3 must divide topK 8 (each token activates topK / expertGroups experts in every group)",
    ]);
    expect(issues({ ...base, moe: { ...moe, expertGroups: 16 } })).toEqual([
      "moe.expertGroups: expertGroups 16 must divide topK 8 (each token activates topK / expertGroups experts in every group)",
    ]);
    expect(issues({ ...base, moe: { ...moe, expertGroups: 0 } })[0]).toMatch(/^moe\.expertGroups: /);
  });
});
