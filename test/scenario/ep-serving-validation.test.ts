import { describe, expect, it } from "vitest";
import { loadServingScenario } from "../../src/scenario/load-scenario.js";
import { runServingScenario } from "../../src/scenario/run-serving.js";
import { readReferenceCsv } from "./reference-csv.js";

/**
 * Expert-parallel serving against published deployments, the shipped
 * constants unchanged (docs/model.md, "Expert parallelism"):
 * - V02 DeepSeek's decode unit (EP 144 on 18 H800 nodes): output tokens/s per node;
 * - V08 SGLang's decode (EP 72 on 9 H100 nodes): output tokens/s per node;
 * - V07 SGLang's prefill (EP 32 on 4 H100 nodes): input tokens/s per node;
 * - V24 Pangu Pro MoE on 4 Ascend 910B (800I A2): output tokens/s per card;
 * - two prefill runs at perfect expert balance, the like-for-like checks of the
 *   prefill kernels and all-to-alls: DeepSeek's own prefill profile on H800 and
 *   SGLang's "simulated perfect EPLB" run on H100 (both 4K prompts, 16K tokens per
 *   card; figures from the SGLang blog's "Overall Throughput" table).
 * The issue asks ±20%. V02 (+8%), V08 (+18%), V07 (+13%) and the two balanced prefill runs are
 * held to it (priced with per-op kernels, as DeepSeek's engine and SGLang run them). V07's expert
 * imbalance comes from SGLang's own default-against-balanced measurement at 4K prompts; the last
 * test re-derives it. V24 is not met (+87%: docs/model.md, "Expert parallelism"); its bounds
 * are what the model does now, so a change that moves it shows. Until 2026-12-07 V02 read −11%
 * and V08 +1%: the rate then counted only the measured requests' work in the measured window,
 * which left out the warm-up requests still decoding in it (a third of the decode batch for
 * most of V02's window); then +31% and +35%, until every Hopper kernel paid the card's measured
 * kernel-to-kernel gap and the decode schedule hid each all-to-all behind its own blocks
 * (2026-12-07, evening).
 */
const reference = readReferenceCsv("inference.csv");
const published = (id: string) => {
  const row = reference.find((r) => r.id === id);
  if (!row) throw new Error(`inference.csv: no row ${id}`);
  return Number.parseFloat((row.value as string).split("|")[0] as string);
};

/** Figures of the SGLang blog (lmsys.org, 2025-05-05, "Profile Results", "Overall Throughput"): not rows of reference/. */
const SGL_BLOG_4K = {
  /** DeepSeek's prefill profile (deepseek-ai/profile-data), balanced routing, H800. */
  deepseekProfilePerNode: 62713,
  /** SGLang with simulated perfect EPLB, H100. */
  sglangBalancedPerNode: 59337,
  /** SGLang with its default expert distribution, H100 (reference/inference.csv V09). */
  sglangDefaultPerNode: 50302,
};

type Metrics = Record<string, number | string | undefined>;
/** The decode pool's output tokens/s per card. */
const decodePerCard = (m: Metrics) => m.decodeOutputTokensPerSecondPerCard as number;
/** Input tokens/s per card of a prefill-only run. */
const inputPerCard = (m: Metrics) => (m.inputTokensPerSecond as number) / (m.cards as number);

const POINTS: {
  id: string;
  file: string;
  perNode: number;
  read: (m: Metrics) => number;
  low: number;
  high: number;
  publishedValue?: number;
}[] = [
  // +8% (+31% before the kernel gap: its 44-token micro-batches are bound by their kernels' count).
  {
    id: "V02",
    file: "topologies/published/deepseek/deepseek-v3-decode-ep144.yaml",
    perNode: 8,
    read: decodePerCard,
    low: 0.8,
    high: 1.2,
  },
  // +18% (+43% until its decode batch was held full at the published 256 per card, +58% then until the
  // decode schedule left the routed experts unhidden, +35% until each all-to-all hid behind its own blocks).
  {
    id: "V08",
    file: "topologies/published/deepseek/sglang-h100-decode-ep72.yaml",
    perNode: 8,
    read: decodePerCard,
    low: 0.8,
    high: 1.2,
  },
  // +13% (+35% with balanced routing; +74% before the per-op kernels, 2026-12-07).
  {
    id: "V07",
    file: "topologies/published/deepseek/sglang-h100-prefill-ep32.yaml",
    perNode: 8,
    read: inputPerCard,
    low: 0.8,
    high: 1.2,
  },
  {
    id: "DeepSeek prefill profile (H800, balanced)",
    file: "topologies/published/deepseek/deepseek-v3-h800-prefill-profile.yaml",
    perNode: 8,
    read: inputPerCard,
    low: 0.9,
    high: 1.1,
    publishedValue: SGL_BLOG_4K.deepseekProfilePerNode,
  },
  {
    id: "SGLang prefill, simulated perfect EPLB (H100, 4K)",
    file: "topologies/published/deepseek/sglang-h100-prefill-ep32-4k-balanced.yaml",
    perNode: 8,
    read: inputPerCard,
    low: 0.8,
    high: 1.2,
    publishedValue: SGL_BLOG_4K.sglangBalancedPerNode,
  },
  // Not met: +87% (today's state). It was +45% until the TP all-reduces on the 800I A2's HCCS full mesh
  // used all of a card's links (2026-11-28), +77% until the rate counted the warm-up requests' work.
  {
    id: "V24",
    file: "topologies/published/pangu-pro/pangu-pro-moe-800i-a2-decode.yaml",
    perNode: 1,
    read: decodePerCard,
    low: 1,
    high: 1.95,
  },
];

describe("expert-parallel serving against published deployments (V02, V08, V07, V24, prefill profiles)", () => {
  it("reads the published figures from the committed reference", () => {
    expect(published("V02")).toBe(14800);
    expect(published("V08")).toBe(22300);
    expect(published("V24")).toBe(1148);
    expect(published("V07")).toBe(52300);
  });

  for (const p of POINTS) {
    it(`${p.id}: the simulated rate is within ${p.low}..${p.high} of the published figure`, () => {
      const r = runServingScenario(loadServingScenario(p.file), 1);
      if (!r.ok) throw new Error(r.error);
      const simulated = p.read(r.metrics) * p.perNode;
      const ratio = simulated / (p.publishedValue ?? published(p.id));
      expect(ratio).toBeGreaterThan(p.low);
      expect(ratio).toBeLessThan(p.high);
    });
  }

  it("V07's expertImbalance 1.41 gives the model SGLang's measured cost of its default expert distribution at 4K prompts", () => {
    // The imbalance is a workload input read off a measurement of the same deployment: the
    // balanced and default runs at 4K prompts. Re-derived here so that a model change which
    // moves the model's response to imbalance shows, instead of leaving a stale input behind.
    const balancedFile = "topologies/published/deepseek/sglang-h100-prefill-ep32-4k-balanced.yaml";
    const v07 = loadServingScenario("topologies/published/deepseek/sglang-h100-prefill-ep32.yaml");
    const imbalance = v07.serving.deployment.expertParallel?.expertImbalance;
    expect(imbalance).toBe(1.41);
    const rate = (sets: string[]) => {
      const r = runServingScenario(loadServingScenario(balancedFile, sets), 1);
      if (!r.ok) throw new Error(r.error);
      return r.metrics.inputTokensPerSecond as number;
    };
    const modelRatio = rate([]) / rate([`serving.deployment.expertParallel.expertImbalance=${imbalance}`]);
    const measuredRatio = SGL_BLOG_4K.sglangBalancedPerNode / SGL_BLOG_4K.sglangDefaultPerNode;
    expect(published("V09")).toBe(SGL_BLOG_4K.sglangDefaultPerNode);
    expect(Math.abs(modelRatio / measuredRatio - 1)).toBeLessThan(0.01);
  });
});
