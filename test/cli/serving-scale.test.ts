import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAnyScale, runServingScale } from "../../src/claims/scale.js";
import { servingScaleCsv, servingScaleTable } from "../../src/report/scale-report.js";
import { loadServingScenario } from "../../src/scenario/load-scenario.js";
import { parseCsv } from "../../src/sweep/csv.js";
import { runCli } from "../helpers/run-cli.js";

const POISSON = "test/fixtures/serving/tiny-poisson.yaml";
const OFFLINE = "test/fixtures/serving/tiny-offline.yaml";
const base = { sets: [], mode: "weak" as const, steps: 1, seed: 1, threads: 1 };

describe("scale on a serving scenario", () => {
  it("sizes that cannot exist are rows with the reason (no simulation needed)", async () => {
    const rows = await runServingScale({ ...base, scenarioPath: POISSON, cards: [5, 3] }, loadServingScenario(POISSON));
    expect(rows).toEqual([
      { cards: 3, ok: false, reason: "instances not integral: 3 cards / (tp 2 x pp 1 = 2) is not whole" },
      { cards: 5, ok: false, reason: "instances not integral: 5 cards / (tp 2 x pp 1 = 2) is not whole" },
    ]);
    const table = servingScaleTable(rows);
    expect(table).toContain("3 cards: cannot run: instances not integral: 3 cards / (tp 2 x pp 1 = 2) is not whole");
    const csv = parseCsv(servingScaleCsv(rows));
    expect(csv[0]).toEqual([
      "cards",
      "ok",
      "reason",
      "instances",
      "requestsPerSecond",
      "outputTokensPerSecond",
      "outputTokensPerSecondPerCard",
      "scalingEfficiency",
      "linearity",
      "ttftP99Seconds",
      "tpotP99Seconds",
      "sloAttainment",
      "overloaded",
    ]);
    expect(csv[1]?.slice(0, 3)).toEqual(["3", "false", rows[0]?.ok ? "" : rows[0]?.reason]);
  });

  it("weak scaling of offline instances: per-card throughput constant, efficiency 100% at every size", async () => {
    const r = await runAnyScale({ ...base, scenarioPath: OFFLINE, cards: [4, 1, 2, 16] });
    expect(r.kind).toBe("serving");
    if (r.kind !== "serving") return;
    expect(r.rows.map((x) => x.cards)).toEqual([1, 2, 4, 16]);
    for (const row of r.rows) {
      expect(row.ok).toBe(true);
      if (!row.ok) continue;
      expect(row.instances).toBe(row.cards);
      expect(row.scalingEfficiency).toBeCloseTo(1, 6);
      expect(row.outputTokensPerSecondPerCard).toBeCloseTo(row.outputTokensPerSecond / row.cards, 9);
      expect(row.overloaded).toBe(false);
    }
  });

  it("the CLI table shows cards, instances, output tokens/s (per card), efficiency, TTFT and TPOT p99; CSV and plot", () => {
    const dir = mkdtempSync(join(tmpdir(), "serving-scale-"));
    const csv = join(dir, "rows.csv");
    const plot = join(dir, "eff.svg");
    const r = runCli(["scale", POISSON, "--cards", "2,4,8,5", "--threads", "1", "--csv", csv, "--plot", plot]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^cards +instances +out tok\/s +out tok\/s\/card +efficiency +TTFT p99 +TPOT p99 +SLO met$/m,
    );
    expect(r.stdout).toMatch(/^ +2 +1 +[\d,.]+ +[\d,.]+ +100\.0% +[\d.]+ m?s +[\d.]+ m?s +[\d.]+%$/m);
    expect(r.stdout).toMatch(/^ +8 +4 /m);
    expect(r.stdout).toContain("5 cards: cannot run: instances not integral");
    const rows = parseCsv(readFileSync(csv, "utf8"));
    expect(rows.map((x) => x[0])).toEqual(["cards", "2", "4", "5", "8"]);
    expect(readFileSync(plot, "utf8")).toMatch(/^<svg/);
    const json = JSON.parse(runCli(["scale", POISSON, "--cards", "4,8", "--threads", "1", "--json"]).stdout);
    expect(json[1]).toMatchObject({ cards: 8, ok: true, instances: 4, overloaded: false });
    expect(json[1].ttftP99Seconds).toBeGreaterThan(0);
  });

  it("a size past capacity is marked OVERLOADED", () => {
    const r = runCli([
      "scale",
      POISSON,
      "--cards",
      "4",
      "--threads",
      "1",
      "--set",
      "serving.traffic.ratePerS=100000",
      "--set",
      "serving.traffic.requests=400",
      "--set",
      "serving.scheduler.maxSequences=1",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ +4 +2 .*OVERLOADED$/m);
  });
});
