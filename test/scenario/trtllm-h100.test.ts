import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadServingScenario } from "../../src/scenario/load-scenario.js";
import { runScenario } from "../../src/scenario/run.js";
import { readReferenceCsv } from "./reference-csv.js";

/**
 * Serving validation: TensorRT-LLM's max-throughput tables on H100 FP8
 * (reference/inference.csv rows V11-V13: 3 models x 7 input/output lengths,
 * offline). One scenario per point under topologies/published/trtllm-h100/,
 * simulated with the shipped H100 constants (one set for all 21 points).
 *
 * Bounds asserted here, the issue's: mean absolute error <= 10%; every point
 * within ±20% (docs/model.md "Serving validation" has the table); and the
 * order of each model's 7 points right for every pair whose published values
 * differ by more than 5% (two pairs are within 5% of each other: 3,450 vs
 * 3,459 and 6,378 vs 6,651).
 */
const DIR = fileURLToPath(new URL("../../topologies/published/trtllm-h100/", import.meta.url));

const ROWS: Record<string, { model: string; cards: number; tp: number }> = {
  V11: { model: "llama-3.3-70b", cards: 2, tp: 2 },
  V12: { model: "llama-3.1-8b", cards: 1, tp: 1 },
  V13: { model: "llama-3.1-405b", cards: 8, tp: 8 },
};
const PAIRS = ["128-128", "128-2048", "1000-1000", "2048-128", "2048-2048", "5000-500", "20000-2000"];

const reference = readReferenceCsv("inference.csv").filter((r) => (r.id as string) in ROWS);

interface Point {
  file: string;
  published: number;
  simulated: number;
}

describe("TensorRT-LLM H100 max-throughput tables (V11-V13)", () => {
  const points: Point[] = [];

  it("reads the three rows of the committed reference with 7 values each, on the stated cards", () => {
    expect(reference.map((r) => r.id)).toEqual(["V11", "V12", "V13"]);
    for (const r of reference) {
      const row = ROWS[r.id as string] as { cards: number; tp: number };
      expect(Number(r.cards)).toBe(row.cards);
      expect(r.parallelism).toBe(`TP${row.tp}`);
      expect(r.metric).toBe("output_tokens_per_s");
      expect((r.value as string).split("|")).toHaveLength(7);
    }
  });

  it("ships exactly one scenario per point", () => {
    const expected = Object.values(ROWS).flatMap((r) => PAIRS.map((p) => `${r.model}-${p}.yaml`));
    expect(
      readdirSync(DIR)
        .filter((f) => f.endsWith(".yaml"))
        .sort(),
    ).toEqual(expected.sort());
  });

  for (const r of reference) {
    const row = ROWS[r.id as string] as { model: string; cards: number; tp: number };
    const values = (r.value as string).split("|").map((v) => Number(v.trim()));
    PAIRS.forEach((pair, i) => {
      const file = `${row.model}-${pair}.yaml`;
      it(`${file}: its scenario states the published setup and lands within ±20%`, () => {
        const [input, output] = pair.split("-").map(Number);
        const spec = loadServingScenario(`${DIR}${file}`);
        const s = spec.serving;
        expect(s.deployment.instances * s.deployment.tp * s.deployment.pp).toBe(row.cards);
        expect(s.deployment.tp).toBe(row.tp);
        expect([s.deployment.weights, s.deployment.activations]).toEqual(["fp8", "fp8"]);
        expect(s.traffic.arrival).toBe("offline");
        expect(s.traffic.inputTokens).toMatchObject({ distribution: "fixed", mean: input });
        expect(s.traffic.outputTokens).toMatchObject({ distribution: "fixed", mean: output });
        const result = runScenario({ scenarioPath: `${DIR}${file}`, sets: [], seed: 1, steps: 1 });
        expect(result.ok, result.ok ? "" : result.error).toBe(true);
        if (!result.ok) return;
        const simulated = result.metrics.outputTokensPerSecond as number;
        const published = values[i] as number;
        points.push({ file, published, simulated });
        expect(Math.abs(simulated / published - 1)).toBeLessThanOrEqual(0.2);
      });
    });
  }

  it("has a mean absolute error of at most 10% over the 21 points", () => {
    expect(points).toHaveLength(21);
    const mae = points.reduce((s, p) => s + Math.abs(p.simulated / p.published - 1), 0) / points.length;
    expect(mae).toBeLessThanOrEqual(0.1);
  });

  it("orders each model's points as published (pairs more than 5% apart)", () => {
    for (const row of Object.values(ROWS)) {
      const mine = points.filter((p) => p.file.startsWith(`${row.model}-`));
      expect(mine).toHaveLength(7);
      for (const a of mine) {
        for (const b of mine) {
          if (a.published > 1.05 * b.published)
            expect(a.simulated, `${a.file} vs ${b.file}`).toBeGreaterThan(b.simulated);
        }
      }
    }
  });
});
