import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";

/**
 * Meta's Llama 3.1 405B pre-training at 8K context (Grattafiori et al. 2024, "The Llama 3 Herd of Models",
 * arXiv 2407.21783, Table 4): 430 TFLOP/s per GPU on 8,192 H100 and 400 on 16,384, TP 8, CP 1, PP 16,
 * 16M tokens per batch. A held-out check (no constant was chosen on it; the figures are not in
 * reference/), with the scenario files' stated assumptions (plain 1F1B, a non-blocking fabric).
 * Asserted: the published plans fit in memory (issue 16: the memory model must not reject them), the
 * throughput falls from 8,192 to 16,384 GPUs as published (half the micro-batches per pipeline: a larger
 * bubble), and each row stays in a band around today's state: 8,192 within ±10% (−1.4% today) and
 * 16,384 within −25..0% (−21% today: Meta's interleaved schedule, which hides most of the larger
 * bubble, is not modelled; docs/model.md, "Held-out: Meta's Llama 3.1 405B").
 */
const PUBLISHED: Record<number, number> = { 8192: 430, 16384: 400 };

function tflops(cards: number): number {
  const r = runScenario({
    scenarioPath: `topologies/published/meta-llama3/llama3.1-405b-${cards}.yaml`,
    sets: [],
    seed: 1,
    steps: 1,
  });
  if (!r.ok) throw new Error(r.error);
  return r.metrics.tflopsPerCard as number;
}

describe("Meta Llama 3.1 405B on 8,192 and 16,384 H100 (Llama 3 paper, Table 4)", () => {
  const at8k = tflops(8192);
  const at16k = tflops(16384);

  it("both published plans fit in memory and run", () => {
    expect(at8k).toBeGreaterThan(0);
    expect(at16k).toBeGreaterThan(0);
  });

  it("throughput per GPU falls from 8,192 to 16,384 GPUs, as published (430 -> 400)", () => {
    expect(PUBLISHED[16384] as number).toBeLessThan(PUBLISHED[8192] as number);
    expect(at16k).toBeLessThan(at8k);
  });

  it("8,192 GPUs within ±10% of 430 TFLOP/s; 16,384 within -25..0% of 400 (today's state)", () => {
    expect(Math.abs(at8k / (PUBLISHED[8192] as number) - 1)).toBeLessThan(0.1);
    const e16 = at16k / (PUBLISHED[16384] as number) - 1;
    expect(e16).toBeGreaterThan(-0.25);
    expect(e16).toBeLessThan(0);
  });
});
