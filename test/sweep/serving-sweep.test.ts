import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { metricColumns } from "../../src/scenario/metric-columns.js";
import { servingMetricColumns } from "../../src/scenario/serving-metric-columns.js";
import { parseCsv } from "../../src/sweep/csv.js";
import { resultColumns, sweepMetricColumns } from "../../src/sweep/result-columns.js";
import { planSweep } from "../../src/sweep/run-sweep.js";
import { runCli } from "./helpers.js";

const SWEEP = "test/fixtures/serving/sweep-rate.yaml";
const LEADING = ["point_id", "point_index", "seed", "steps"];
const STATUS = ["ok", "error_kind", "error"];

describe("sweeps of a serving scenario", () => {
  it("the metric columns follow the base scenario's kind, decided before anything runs", () => {
    expect(sweepMetricColumns("test/fixtures/serving/tiny-poisson.yaml")).toEqual(servingMetricColumns());
    expect(sweepMetricColumns("test/fixtures/scenarios/small-dp16.yaml")).toEqual(metricColumns());
    // A missing scenario (a dry run does not need it) gets the training columns.
    expect(sweepMetricColumns("test/fixtures/serving/no-such-file.yaml")).toEqual(metricColumns());
    const axes = ["serving.traffic.ratePerS", "seed"];
    expect(resultColumns(axes, servingMetricColumns()).header).toEqual([
      ...LEADING,
      "serving.traffic.ratePerS",
      ...STATUS,
      ...servingMetricColumns(),
    ]);
    // Without the list: the training columns, as before.
    expect(resultColumns(axes).metrics).toEqual(metricColumns().filter((m) => m !== "steps"));
    const { columns } = planSweep(SWEEP);
    expect(columns.metrics).toEqual(servingMetricColumns());
    expect(columns.axisPaths).toEqual(["serving.traffic.ratePerS", "serving.scheduler.maxSequences"]);
  });

  it("--dry-run prints the serving columns", () => {
    const r = runCli(["sweep", SWEEP, "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `columns: ${[...LEADING, "serving.traffic.ratePerS", "serving.scheduler.maxSequences", ...STATUS, ...servingMetricColumns()].join(",")}`,
    );
  });

  it("runs: one row per point with the serving metrics; shards merge back to the same file", () => {
    const dir = mkdtempSync(join(tmpdir(), "serving-sweep-"));
    const all = join(dir, "all.csv");
    const r = runCli(["sweep", SWEEP, "--out", all, "--workers", "2"]);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = parseCsv(readFileSync(all, "utf8"));
    expect(header).toEqual(planSweep(SWEEP).columns.header);
    expect(rows).toHaveLength(4);
    const col = (name: string) => (header as string[]).indexOf(name);
    for (const row of rows) {
      expect(row[col("ok")]).toBe("true");
      expect(Number(row[col("instances")])).toBe(2);
      expect(Number(row[col("outputTokensPerSecond")])).toBeGreaterThan(0);
      expect(Number(row[col("ttftP99Seconds")])).toBeGreaterThan(0);
    }
    // More offered load, more served requests.
    const rps = rows.map((row) => Number(row[col("requestsPerSecond")]));
    expect(rps[2]).toBeGreaterThan(rps[0] as number);
    const shards = [1, 2].map((k) => {
      const out = join(dir, `shard-${k}.csv`);
      expect(runCli(["sweep", SWEEP, "--out", out, "--workers", "1", "--shard", `${k}/2`]).code).toBe(0);
      return out;
    });
    const merged = join(dir, "merged.csv");
    const m = runCli(["merge", ...shards, "--out", merged]);
    expect(m.code, m.stderr).toBe(0);
    expect(readFileSync(merged, "utf8")).toBe(readFileSync(all, "utf8"));
  });

  // Fails until src/sweep/merge.ts takes the columns from planSweep (`const { plan, columns } = planSweep(...)`,
  // merge --sweep must check a serving sweep against the serving columns, not the training ones.
  it("merge --sweep checks a serving sweep's files against its serving columns", () => {
    const dir = mkdtempSync(join(tmpdir(), "serving-merge-"));
    const out = join(dir, "r.csv");
    expect(runCli(["sweep", SWEEP, "--out", out, "--workers", "1", "--shard", "1/2"]).code).toBe(0);
    const m = runCli(["merge", out, "--out", join(dir, "m.csv"), "--sweep", SWEEP]);
    expect(m.stderr).toContain("incomplete: 2 of 4 points");
  });
});
