import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { Accelerator } from "../../src/hardware/types.js";
import { type Model, type ModelSpec, ModelSpecSchema, resolveModel } from "../../src/workload/model-spec.js";
import {
  ParallelPlanSchema,
  type ParallelPlanSpec,
  type ResolvedPlan,
  resolvePlan,
} from "../../src/workload/plan-spec.js";

export const MODELS_DIR = fileURLToPath(new URL("../../topologies/models/", import.meta.url));

/** A shipped model file, validated and resolved (as runScenario passes it down). */
export function loadModel(name: string): Model {
  return resolveModel(loadModelSpec(name));
}

/** A shipped model file as validated data (before resolution). */
export function loadModelSpec(name: string): ModelSpec {
  return ModelSpecSchema.parse(parse(readFileSync(`${MODELS_DIR}${name}.yaml`, "utf8")));
}

/** A plan, validated and resolved (as runScenario passes it down). */
export function plan(p: ParallelPlanSpec): ResolvedPlan {
  return resolvePlan(ParallelPlanSchema.parse(p));
}

/**
 * A100-SXM4-80GB from ../shared/reference/hardware.csv (NVIDIA A100 datasheet):
 * 312 TFLOP/s bf16 dense, 19.5 TFLOP/s fp32, 80 GB HBM2e at 2.039 TB/s.
 * Efficiencies: test values only (the catalog owns the real assumptions).
 */
export const A100: Accelerator = {
  name: "A100-SXM4-80GB",
  peakFlopsPerS: { bf16: 312e12, fp32: 19.5e12, tf32: 156e12 },
  hbmBytes: 80e9,
  hbmBytesPerS: 2.039e12,
  efficiency: { matmul: 0.7, memory: 0.8 },
  sources: { all: "../shared/reference/hardware.csv (NVIDIA A100 datasheet)" },
};
