import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../src/scenario/load-scenario.js";
import { runScenario } from "../../src/scenario/run.js";
import { numberCell, readReferenceCsv } from "./reference-csv.js";

/**
 * The training model must reproduce the Megatron-LM 2021 weak-scaling table
 * (Narayanan et al., SC'21, Table 1; committed copy
 * test/fixtures/reference/megatron-2021.csv, read here: a missing file or row
 * fails): every row within ±10% of the published TFLOP/s per GPU and a mean
 * absolute error of at most 5%, with one set of A100 assumptions for all rows.
 * Each shipped scenario row-NN-*.yaml is checked against the NN-th data row of
 * the CSV: cards, TP, PP, DP (= gpus / (TP·PP), the paper lists no DP column),
 * global batch and the model shape (layers, hidden size, attention heads).
 */
const DIR = fileURLToPath(new URL("../../topologies/published/megatron-2021/", import.meta.url));

const TABLE = readReferenceCsv("megatron-2021.csv");

const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();

/** The CSV row of scenario file row-NN-*.yaml (1-based NN); throws when the CSV has no such row. */
function rowOf(file: string): Record<string, string> {
  const n = Number(/^row-(\d+)-/.exec(file)?.[1]);
  const row = TABLE[n - 1];
  if (!Number.isInteger(n) || row === undefined) {
    throw new Error(`megatron-2021.csv has no data row for ${file} (${TABLE.length} rows)`);
  }
  return row;
}

describe("Megatron-LM 2021 Table 1 reproduction", () => {
  const errors: number[] = [];

  it("ships one scenario per row of the committed table, numbered as its rows", () => {
    expect(TABLE).toHaveLength(10);
    expect(files.map((f) => /^row-(\d+)-/.exec(f)?.[1])).toEqual(TABLE.map((_, i) => String(i + 1).padStart(2, "0")));
  });

  for (const file of files) {
    it(`${file}: cards, TP, PP, DP, batch and model shape as in its megatron-2021.csv row`, () => {
      const row = rowOf(file);
      const spec = loadScenario(`${DIR}${file}`);
      const gpus = numberCell(row, "gpus");
      const tp = numberCell(row, "tensor_parallel");
      const pp = numberCell(row, "pipeline_parallel");
      expect(spec.parallel.tp, "TP").toBe(tp);
      expect(spec.parallel.pp, "PP").toBe(pp);
      expect(spec.parallel.dp, "DP = gpus / (TP·PP)").toBe(gpus / (tp * pp));
      expect(spec.parallel.tp * spec.parallel.pp * spec.parallel.dp, "TP·PP·DP").toBe(gpus);
      expect(spec.topology.cards ?? spec.topology.nodes * spec.topology.cardsPerNode, "topology cards").toBe(gpus);
      expect(spec.topology.nodes * spec.topology.cardsPerNode, "nodes x cards per node").toBe(gpus);
      expect(spec.parallel.globalBatchSize, "global batch").toBe(numberCell(row, "global_batch"));
      expect(spec.model.layers, "layers").toBe(numberCell(row, "layers"));
      expect(spec.model.hiddenSize, "hidden size").toBe(numberCell(row, "hidden_size"));
      expect(spec.model.attentionHeads, "attention heads").toBe(numberCell(row, "attention_heads"));
      // The scenario's description restates the published figure: it must be the CSV's.
      expect(Number(/published (\d+) TFLOP\/s/.exec(spec.description ?? "")?.[1]), "description").toBe(
        numberCell(row, "tflops_per_gpu"),
      );
    });

    it(`${file}: within ±10% of the published TFLOP/s per GPU of its megatron-2021.csv row`, () => {
      const published = numberCell(rowOf(file), "tflops_per_gpu");
      const r = runScenario({ scenarioPath: `${DIR}${file}`, sets: [], seed: 1, steps: 1 });
      if (!r.ok) throw new Error(r.error);
      const got = r.metrics.megatronTflopsPerCard as number;
      const err = (got - published) / published;
      errors.push(Math.abs(err));
      expect(Math.abs(err)).toBeLessThanOrEqual(0.1);
    });
  }

  it("has a mean absolute error of at most 5% over the table", () => {
    expect(errors).toHaveLength(files.length);
    const mae = errors.reduce((a, b) => a + b, 0) / errors.length;
    expect(mae).toBeLessThanOrEqual(0.05);
  });
});
