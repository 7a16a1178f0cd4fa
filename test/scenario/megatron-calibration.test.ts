import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runPoints } from "../../src/claims/run-points.js";
import { numberCell, readReferenceCsv } from "./reference-csv.js";

/**
 * What the A100 matmul efficiency is: a one-parameter calibration on the
 * Megatron-LM 2021 table (docs/model.md, "Megatron-LM 2021 reproduction").
 * This test measures the calibration instead of hiding it: every row at
 * matmul efficiencies 0.65, 0.70 and 0.80 (linear interpolation between
 * them: the TFLOP/s are linear in the constant to 0.1% over this range), then
 * - at 0.80, the bottom of the cited large-GEMM range (0.80-0.87), the table
 *   is missed: 6 of the first 8 rows are over +10%;
 * - leave-one-out: the constant chosen on 9 rows (least mean absolute error
 *   over a 0.005 grid) predicts the held-out row within 6%, 2.0% on average;
 * - a stated split: chosen on the 5 smallest models, the 5 largest are
 *   predicted with a mean absolute error of 3.2%.
 * Out of sample here means "other rows of the same table": it says the table
 * is consistent with one constant, not that the constant holds elsewhere.
 */
const DIR = fileURLToPath(new URL("../../topologies/published/megatron-2021/", import.meta.url));
const GRID = [0.65, 0.7, 0.8];
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const published = readReferenceCsv("megatron-2021.csv").map((r) => numberCell(r, "tflops_per_gpu"));

describe("the A100 matmul efficiency is a one-parameter calibration on the Megatron-2021 table", () => {
  /** predicted[row][grid index]: TFLOP/s per GPU by the paper's formula. */
  let predicted: number[][] = [];
  beforeAll(async () => {
    const specs = files.flatMap((f) =>
      GRID.map((e) => ({
        scenarioPath: `${DIR}${f}`,
        sets: [`topology.accelerator.overrides.efficiency.matmul=${e}`],
        seed: 1,
        steps: 1,
      })),
    );
    const results = await runPoints(specs, { threads: 2 });
    predicted = files.map((_, i) =>
      GRID.map((_, k) => {
        const r = results[i * GRID.length + k];
        if (!r?.ok) throw new Error(`${files[i]}: ${r ? r.error : "not run"}`);
        return r.metrics.megatronTflopsPerCard as number;
      }),
    );
  }, 600_000);

  const at = (row: number, e: number): number => {
    const p = predicted[row] as number[];
    let k = 0;
    while (k < GRID.length - 2 && e > (GRID[k + 1] as number)) k++;
    const [a, b] = [GRID[k] as number, GRID[k + 1] as number];
    return (p[k] as number) + (((p[k + 1] as number) - (p[k] as number)) * (e - a)) / (b - a);
  };
  const err = (row: number, e: number) => at(row, e) / (published[row] as number) - 1;
  const mae = (rows: number[], e: number) => rows.reduce((s, i) => s + Math.abs(err(i, e)), 0) / rows.length;
  const FINE = Array.from({ length: 31 }, (_, k) => 0.65 + 0.005 * k);
  const choose = (rows: number[]) => FINE.reduce((best, e) => (mae(rows, e) < mae(rows, best) ? e : best));
  const all = files.map((_, i) => i);

  it("ships one scenario per row", () => {
    expect(files).toHaveLength(published.length);
    expect(predicted).toHaveLength(10);
  });

  it("at 0.80, the bottom of the cited range, 6 of the first 8 rows miss +10%", () => {
    const misses = all.slice(0, 8).filter((i) => Math.abs(err(i, 0.8)) > 0.1);
    expect(misses).toHaveLength(6);
    expect(mae(all, 0.8)).toBeGreaterThan(0.12);
  });

  it("leave-one-out: each row predicted from a constant chosen on the other 9, within 6% (mean 2.0%)", () => {
    const held = all.map((i) => err(i, choose(all.filter((j) => j !== i))));
    for (const [i, e] of held.entries()) expect(Math.abs(e), files[i]).toBeLessThan(0.06);
    const meanAbs = held.reduce((s, e) => s + Math.abs(e), 0) / held.length;
    expect(meanAbs).toBeGreaterThan(0.015);
    expect(meanAbs).toBeLessThan(0.025);
  });

  it("split: chosen on the 5 smallest models, the 5 largest are predicted with a mean absolute error of 3.2%", () => {
    const e = choose([0, 1, 2, 3, 4]);
    expect(e).toBeCloseTo(0.675, 3);
    expect(mae([5, 6, 7, 8, 9], e)).toBeCloseTo(0.032, 2);
  });

  it("the shipped 0.70 is not the least-error fit on the whole table (0.655, mean error 2.0% vs 4.6%)", () => {
    expect(choose(all)).toBeCloseTo(0.655, 3);
    expect(mae(all, 0.7)).toBeCloseTo(0.046, 2);
  });
});
