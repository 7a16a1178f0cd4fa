import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTarget, servingTargetMetrics } from "../../src/claims/solve-scenario.js";
import { summarizeSeeds } from "../../src/scenario/run-report.js";
import { parseCsv } from "../../src/sweep/csv.js";
import { runCli } from "../helpers/run-cli.js";

const OFFLINE = "test/fixtures/serving/tiny-offline.yaml";
const POISSON = "test/fixtures/serving/tiny-poisson.yaml";
const TRAINING = "test/fixtures/scenarios/small-dp16.yaml";
// The Poisson scenario far past its capacity: one sequence per batch, 100,000 req/s offered.
const OVERLOAD = [
  "--set",
  "serving.traffic.ratePerS=100000",
  "--set",
  "serving.traffic.requests=400",
  "--set",
  "serving.scheduler.maxSequences=1",
];

const tmp = () => mkdtempSync(join(tmpdir(), "serving-run-"));

describe("run on a serving scenario: usage errors (exit 2)", () => {
  it("--job-days is for training", () => {
    const r = runCli(["run", OFFLINE, "--job-days", "3"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--job-days is for training scenarios");
  });
  it("--requests-csv and --solve are for serving scenarios", () => {
    const csv = runCli(["run", TRAINING, "--requests-csv", join(tmp(), "r.csv")]);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain("--requests-csv is for serving scenarios");
    const solve = runCli(["run", TRAINING, "--solve", "topology.scaleOut.nicGbps"]);
    expect(solve.code).toBe(2);
    expect(solve.stderr).toContain("--solve is for serving scenarios");
    expect(solve.stderr).toContain("check --solve");
  });
  it("--target/--range without --solve, a bad target, a bad range", () => {
    expect(runCli(["run", OFFLINE, "--target", "sloRatio<=1"]).code).toBe(2);
    expect(runCli(["run", OFFLINE, "--range", "1,2"]).code).toBe(2);
    const bad = runCli(["run", OFFLINE, "--solve", "serving.traffic.ratePerS", "--target", "sloRaito<=1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--target: unknown metric 'sloRaito'");
    const range = runCli(["run", OFFLINE, "--solve", "serving.traffic.ratePerS", "--range", "1"]);
    expect(range.code).toBe(2);
    expect(range.stderr).toContain("--range: expected two numbers");
    for (const r of [bad, range]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it("the help says --steps is ignored by serving scenarios", () => {
    const r = runCli(["run", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, " ")).toContain("(ignored by serving scenarios)");
    expect(r.stdout).toContain("--requests-csv");
    expect(r.stdout).toContain("--solve");
  });
});

describe("--target and seed summaries (units)", () => {
  it("parses METRIC<=VALUE and METRIC>=VALUE over the serving metric keys", () => {
    const keys = servingTargetMetrics();
    expect(parseTarget("sloRatio<=1", keys)).toEqual({ metric: "sloRatio", op: "<=", value: 1 });
    expect(parseTarget(" outputTokensPerSecondPerCard >= 3000 ", keys)).toEqual({
      metric: "outputTokensPerSecondPerCard",
      op: ">=",
      value: 3000,
    });
    expect(parseTarget("sloRatio<1", keys)).toMatchObject({
      error: expect.stringContaining("expected 'METRIC<=VALUE'"),
    });
    expect(parseTarget("sloRatio<=x", keys)).toMatchObject({ error: expect.any(String) });
    expect(parseTarget("mfu>=0.5", keys)).toMatchObject({ error: expect.stringContaining("unknown metric 'mfu'") });
  });
  it("summarizeSeeds takes the metric list; non-finite values are skipped; no step-time percentiles for serving", () => {
    const s = summarizeSeeds(
      [1, 2],
      [
        { requestsPerSecond: 2, tpotP99Seconds: Number.NaN },
        { requestsPerSecond: 4, tpotP99Seconds: Number.NaN },
      ],
      ["requestsPerSecond", "tpotP99Seconds"],
    );
    expect(s.metrics.requestsPerSecond?.mean).toBe(3);
    expect(s.metrics.tpotP99Seconds).toBeUndefined();
    expect(s.stepTimeAcrossSeeds).toBeUndefined();
  });
});

describe("run on a serving scenario", () => {
  it("prints throughput, latencies, SLOs, batch, KV cache, memory and the verdict", () => {
    const r = runCli(["run", OFFLINE, "--steps", "5"]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^tiny-offline: tiny-llm on 1 x A100-SXM4-80GB \(small-2x8\)$/m);
    expect(out).toMatch(/^deployment +1 instance x \(TP 1 PP 1 = 1 card\)/m);
    expect(out).toMatch(/^verdict +stable$/m);
    expect(out).toMatch(/^requests +50 measured, [\d,.]+ req\/s$/m);
    expect(out).toMatch(/^throughput +input [\d,.]+ tok\/s, output [\d,.]+ tok\/s, [\d,.]+ output tok\/s per card$/m);
    expect(out).toMatch(/^ {2}latency +mean +p50 +p90 +p99$/m);
    for (const l of ["TTFT", "TPOT", "E2E"]) expect(out).toMatch(new RegExp(`^  ${l} +[\\d.]+ m?s`, "m"));
    expect(out).toMatch(/^SLO +TTFT <= 2 s and TPOT <= 200 ms at p99: ratio \d+\.\d{3} \(met/m);
    expect(out).toMatch(/attainment [\d.]+% of requests, goodput [\d,.]+ req\/s/);
    expect(out).toMatch(/^batch +[\d.]+ sequences per iteration/m);
    expect(out).toMatch(/^KV cache +[\d.]+% used on average, [\d.]+% at most; \d+ preemptions?$/m);
    expect(out).toMatch(
      /^memory per card +weights [\d.]+ GB, workspace [\d.]+ GB, KV cache [\d.]+ GB .*KV capacity [\d,]+ tokens per instance$/m,
    );
    expect(out).not.toMatch(/OVERLOADED|not steady-state/i);
  });

  it("an overloaded run says so first and marks the latencies as not steady-state", () => {
    const r = runCli(["run", POISSON, ...OVERLOAD]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[2]).toMatch(/^OVERLOADED +overloaded: /);
    expect(r.stdout).toMatch(/latency \(NOT steady-state: queue growing\)/);
    expect(r.stdout).not.toMatch(/^verdict +stable/m);
    const json = JSON.parse(runCli(["run", POISSON, ...OVERLOAD, "--json"]).stdout);
    expect(json.overloaded).toBe(true);
    expect(json.verdict).toMatch(/^overloaded/);
  });

  it("--json has the documented keys", () => {
    const r = runCli(["run", POISSON, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of [
      "scenario",
      "seed",
      "cards",
      "instances",
      "requests",
      "requestsPerSecond",
      "inputTokensPerSecond",
      "outputTokensPerSecond",
      "outputTokensPerSecondPerCard",
      "sloAttainment",
      "goodputRequestsPerSecond",
      "sloRatio",
      "meanBatchSize",
      "preemptions",
    ]) {
      expect(typeof j[k], k).toBe(k === "scenario" ? "string" : "number");
    }
    for (const k of ["ttftSeconds", "tpotSeconds", "e2eSeconds"]) {
      expect(Object.keys(j[k])).toEqual(["mean", "p50", "p90", "p99"]);
    }
    expect(Object.keys(j.kvCacheUtilization)).toEqual(["mean", "max"]);
    expect(j).toMatchObject({
      kind: "serving",
      scenario: POISSON,
      seed: 1,
      cards: 4,
      instances: 2,
      requests: 70,
      overloaded: false,
      verdict: "stable",
      deployment: { instances: 2, tp: 2, pp: 1, cardsPerInstance: 2 },
      slo: { ttftS: 0.5, tpotS: 0.05, percentile: 99 },
      warnings: [],
    });
    for (const k of ["hbmBytes", "weightsBytesPerCard", "kvCacheBytesPerCard", "kvCapacityTokensPerInstance"]) {
      expect(typeof j.memory[k]).toBe("number");
    }
  });

  it("--seeds K: 95% CIs of the serving headline metrics, the same for any worker count", () => {
    const args = ["run", POISSON, "--json", "--seeds", "3"];
    const one = JSON.parse(runCli([...args, "--workers", "1"]).stdout);
    const two = JSON.parse(runCli([...args, "--workers", "2"]).stdout);
    expect(Object.keys(one.seeds.metrics)).toEqual([
      "requestsPerSecond",
      "outputTokensPerSecond",
      "ttftP99Seconds",
      "tpotP99Seconds",
      "sloAttainment",
    ]);
    expect(one.seeds.seeds).toEqual([1, 2, 3]);
    expect(one.seeds.metrics.requestsPerSecond.halfWidth).toBeGreaterThan(0);
    expect(two).toEqual(one);
    const text = runCli(["run", POISSON, "--seeds", "2", "--workers", "1"]);
    expect(text.stdout).toMatch(/^across 2 seeds \(mean ± 95% CI\):$/m);
  });

  it("--requests-csv: one row per measured request, byte-identical for the same seed", () => {
    const dir = tmp();
    const a = join(dir, "a.csv");
    const b = join(dir, "b.csv");
    expect(runCli(["run", POISSON, "--requests-csv", a]).code).toBe(0);
    expect(runCli(["run", POISSON, "--requests-csv", b, "--json"]).code).toBe(0);
    const text = readFileSync(a, "utf8");
    expect(readFileSync(b, "utf8")).toBe(text);
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([
      "request",
      "instance",
      "arrival_s",
      "first_token_s",
      "finish_s",
      "input_tokens",
      "output_tokens",
      "preemptions",
    ]);
    expect(rows).toHaveLength(70); // 80 requests, 10 warm-up
    for (const [i, row] of rows.entries()) {
      const [req, inst, arrival, first, finish, input, output, pre] = row.map(Number) as number[];
      expect(req).toBe(i);
      expect([0, 1]).toContain(inst);
      expect(first).toBeGreaterThan(arrival as number);
      expect(finish).toBeGreaterThan(first as number);
      expect([input, output, pre]).toEqual([128, 32, 0]);
    }
    const other = join(dir, "c.csv");
    runCli(["run", POISSON, "--requests-csv", other, "--seed", "2"]);
    expect(readFileSync(other, "utf8")).not.toBe(text);
  });
});

describe("run --solve on a serving scenario", () => {
  it("default target sloRatio<=1: the highest rate that meets the SLOs", () => {
    const r = runCli([
      "run",
      POISSON,
      "--solve",
      "serving.traffic.ratePerS",
      "--set",
      "serving.scheduler.maxSequences=1",
      "--json",
      "--workers",
      "1",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.target).toEqual({ metric: "sloRatio", op: "<=", value: 1 });
    expect(s.startValue).toBe(4);
    expect(s.holdsAt).toBeLessThan(s.failsAt);
    expect(s.summary).toMatch(/^sloRatio <= 1 needs serving\.traffic\.ratePerS at most ~/);
    for (const p of s.probes) expect(p.holds).toBe(p.value <= s.holdsAt);
    const text = runCli([
      "run",
      POISSON,
      "--solve",
      "serving.traffic.ratePerS",
      "--set",
      "serving.scheduler.maxSequences=1",
      "--range",
      "1,1000",
      "--workers",
      "1",
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^solve: sloRatio <= 1 needs serving\.traffic\.ratePerS at most/m);
    expect(text.stdout).toMatch(/^ {2}serving\.traffic\.ratePerS +target +sloRatio +note$/m);
    expect(text.stdout).toMatch(/^ +1,000 +fails +[\d.]+/m);
  });

  it("an accelerator override the file does not set starts from the catalog value; no breaking point is exit 0", () => {
    const r = runCli([
      "run",
      OFFLINE,
      "--solve",
      "topology.accelerator.overrides.hbmTBps",
      "--target",
      "outputTokensPerSecondPerCard>=1e12",
      "--json",
      "--workers",
      "1",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.startValue).toBe(2.039); // A100-SXM4-80GB in the catalog
    expect(s.holdsAt).toBeUndefined();
    expect(s.summary).toContain("no breaking point found");
  });

  it("how much HBM bandwidth reaches a per-card output rate: at least some value", () => {
    const base = JSON.parse(runCli(["run", OFFLINE, "--json"]).stdout);
    const want = Math.round(base.outputTokensPerSecondPerCard * 1.05);
    const r = runCli([
      "run",
      OFFLINE,
      "--solve",
      "topology.accelerator.overrides.hbmTBps",
      "--target",
      `outputTokensPerSecondPerCard>=${want}`,
      "--json",
      "--workers",
      "1",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.holdsAt).toBeGreaterThan(s.failsAt);
    expect(s.failsAt).toBeGreaterThanOrEqual(2.039);
    expect(s.summary).toContain("needs topology.accelerator.overrides.hbmTBps at least");
  });
});

describe("run on a serving scenario: a cool-down that leaves nothing to measure (exit 1)", () => {
  it("names the file, line and column of cooldownRequests, what was expected and found, without a stack", () => {
    const dir = tmp();
    const file = join(dir, "cooldown.yaml");
    const text = readFileSync(POISSON, "utf8")
      .replace("../../../topologies/", `${process.cwd()}/topologies/`)
      .replace("    warmupRequests: 10\n", "    warmupRequests: 10\n    cooldownRequests: 70\n");
    writeFileSync(file, text);
    const line = text.split("\n").findIndex((l) => l.includes("cooldownRequests")) + 1;
    const r = runCli(["run", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${file}:${line}:23: serving.traffic.cooldownRequests: expected warm-up + cool-down requests fewer than requests (80), found 10 + 70`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
