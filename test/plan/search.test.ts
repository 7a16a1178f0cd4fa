import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { parseConstraint } from "../../src/plan/constraints.js";
import { spearman } from "../../src/plan/rank-correlation.js";
import { type SearchResult, searchPlans } from "../../src/plan/search.js";
import { loadAnyScenario } from "../../src/scenario/load-scenario.js";

/**
 * `plan --search` on a shipped scenario small enough to run 50 plans through
 * the DES here (Llama 3 8B on one DGX H100, NeMo's published setup): the
 * screen ranks the simulated plans as the DES does, each within 15%, the
 * lower-bound pruning never drops a plan that could rank, and constraints
 * and bad input behave.
 */
const SCENARIO = "topologies/published/nemo-h100/llama3-8b-8.yaml";
const BIN = "bin/clustersim.mjs";

async function search(top: number, constraints: string[] = []): Promise<SearchResult> {
  const loaded = loadAnyScenario(SCENARIO, []);
  if (loaded.kind !== "training") throw new Error("expected training");
  return searchPlans(SCENARIO, [], loaded.spec, {
    top,
    constraints: constraints.map((c) => {
      const k = parseConstraint(c);
      if (typeof k === "string") throw new Error(k);
      return k;
    }),
    seed: 1,
    steps: 1,
    threads: 2,
  });
}

describe("plan --search", () => {
  it("screens in the DES's order (Spearman >= 0.9 over the top 50), each within 15%, and prunes exactly", async () => {
    const r = await search(50);
    const simulated = r.rows.filter((x) => x.status === "simulated");
    expect(simulated).toHaveLength(50);
    expect(simulated.every((x) => Number.isFinite(x.desStepS))).toBe(true);
    const rho = spearman(
      simulated.map((x) => x.screenStepS),
      simulated.map((x) => x.desStepS),
    );
    expect(rho).toBeGreaterThanOrEqual(0.9);
    for (const x of simulated) expect(Math.abs(x.screenStepS / x.desStepS - 1)).toBeLessThan(0.15);
    // The DES budget goes to distinct plans: no two simulated plans differ only in recompute with the same
    // screened time and memory; such twins say which simulated plan they match.
    const key = (x: (typeof simulated)[number]) =>
      JSON.stringify({ ...x.candidate, recompute: "", s: x.screenStepS, m: x.memoryBytes });
    expect(new Set(simulated.map(key)).size).toBe(simulated.length);
    const twins = r.rows.filter((x) => x.reason.includes("differs only in recompute"));
    expect(twins.length).toBeGreaterThan(0);
    for (const t of twins) expect(simulated.map(key)).toContain(key(t));
    // Ranked by DES step time.
    const des = simulated.map((x) => x.desStepS);
    expect(des).toEqual([...des].sort((a, b) => a - b));
    // Every pruned plan's bound is above the 60th best screened time (top 50 + the 10 shown next).
    const screenedTimes = r.rows
      .filter((x) => x.status === "simulated" || x.status === "screened")
      .map((x) => x.screenStepS)
      .sort((a, b) => a - b);
    const threshold = screenedTimes[59] as number;
    const pruned = r.rows.filter((x) => x.status === "pruned");
    expect(pruned.length).toBeGreaterThan(0);
    for (const x of pruned) expect(x.lowerBoundS).toBeGreaterThan(threshold * (1 - 1e-9));
    // Counts add up, and out-of-memory plans say why.
    const c = r.counts;
    expect(c.simulated + c.screened + c.pruned + c.excluded + c.invalid + c["out-of-memory"]).toBe(c.enumerated);
    expect(r.rows.find((x) => x.status === "out-of-memory")?.reason).toMatch(/needs [\d.]+ GB of [\d.]+ GB usable/);
  });

  it("keeps only plans that satisfy the constraints", async () => {
    const r = await search(3, ["tp<=2", "recompute!=full"]);
    const kept = r.rows.filter((x) => x.status === "simulated" || x.status === "screened");
    expect(kept.length).toBeGreaterThan(0);
    for (const x of kept) {
      expect(x.candidate.tp).toBeLessThanOrEqual(2);
      expect(x.candidate.recompute).not.toBe("full");
    }
    expect(r.counts.excluded).toBeGreaterThan(0);
    expect(r.rows.find((x) => x.status === "excluded")?.reason).toMatch(/^constraint (tp<=2|recompute!=full)$/);
  });

  it("the CLI prints the ranked table and writes every plan to the CSV; bad input exits 1 or 2 with a message", () => {
    const out = join(mkdtempSync(join(tmpdir(), "clustersim-plan-")), "plans.csv");
    const ok = spawnSync(process.execPath, [BIN, "plan", SCENARIO, "--search", "--top", "3", "--out", out], {
      encoding: "utf8",
    });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^plan search: .*llama3-8b-8\.yaml; 8 cards, global batch 128$/m);
    expect(ok.stdout).toMatch(/^ {3}1 +\d+ +\d+ +\d+ .* +\d+\.\d% +\S+$/m);
    const rows = parse(readFileSync(out, "utf8"), { columns: true }) as Record<string, string>[];
    const enumerated = Number(/([\d,]+) plans enumerated/.exec(ok.stdout)?.[1]?.replace(/,/g, ""));
    expect(rows).toHaveLength(enumerated);
    expect(rows.slice(0, 3).every((x) => x.status === "simulated" && Number(x.desStepTimeSeconds) > 0)).toBe(true);
    expect(rows[0]?.sets).toMatch(/^parallel\.tp=\d+ parallel\.pp=\d+ /);

    const cli = (args: string[]) => spawnSync(process.execPath, [BIN, "plan", ...args], { encoding: "utf8" });
    const badConstraint = cli([SCENARIO, "--search", "--constraint", "tpp<=8"]);
    expect(badConstraint.status).toBe(2);
    expect(badConstraint.stderr).toMatch(/--constraint: unknown field 'tpp' in 'tpp<=8' \(expected one of: tp, pp/);
    const noSearch = cli([SCENARIO]);
    expect(noSearch.status).toBe(2);
    expect(noSearch.stderr).toMatch(/--search is required/);
    const serving = cli(["topologies/scenarios/llama3-8b-h100-serving.yaml", "--search"]);
    expect(serving.status).toBe(1);
    expect(serving.stderr).toMatch(/plan --search is for training scenarios/);
    const missing = cli(["nowhere.yaml", "--search"]);
    expect(missing.status).toBe(1);
    for (const r of [badConstraint, noSearch, serving, missing]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("spearman: 1 for the same order, -1 reversed, ties averaged", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9486832980505138, 12);
  });
});
