import type { Accelerator } from "./types.js";

/**
 * Serving constants per accelerator family: one set per card, never per
 * scenario (docs/model.md, "Serving: cost of one iteration"). Overridable per
 * scenario (`serving.overheads.iterationS`).
 */
export interface ServingConstants {
  /**
   * Host time per engine iteration that the device does not overlap:
   * scheduling the batch, preparing its inputs, launching the step (CUDA
   * graph replay), sampling and detokenisation hand-off.
   */
  iterationOverheadS: number;
  /** Where the figure comes from. */
  source: string;
}

// ASSUMPTION: 1 ms per iteration on NVIDIA cards with a C++/CUDA-graph engine
// (TensorRT-LLM, vLLM >= 0.6 with multi-step scheduling, SGLang). Order of
// magnitude from vLLM's own profile (reference/inference.csv V20: in v0.5.3
// scheduling took 29% and the API server 33% of the time of 10-30 ms decode
// steps, i.e. several ms, which v0.6 cut by overlapping them with the GPU,
// V21); the remaining non-overlapped part is taken as 1 ms.
const NVIDIA: ServingConstants = {
  iterationOverheadS: 1e-3,
  source:
    "ASSUMPTION: 1 ms non-overlapped host time per iteration (order of magnitude from vLLM's profile, reference/inference.csv V20-V21)",
};

// ASSUMPTION: the same order of magnitude on other stacks (CANN/MindIE,
// XLA/JetStream); no published per-iteration figure was found.
const OTHER: ServingConstants = {
  iterationOverheadS: 1e-3,
  source: "ASSUMPTION: 1 ms per iteration, as NVIDIA stacks (no published figure for this stack)",
};

/** The serving constants of a card (by catalog name prefix; inline specs get the generic set). */
export function servingConstants(acc: Pick<Accelerator, "name">): ServingConstants {
  return /^(A100|H100|H800|H200|B200)/.test(acc.name) ? NVIDIA : OTHER;
}
