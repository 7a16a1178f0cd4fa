import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BASELINE_METRICS, baselineMetrics, SERVING_BASELINE_METRICS } from "../../src/claims/baseline.js";
import { runCheck } from "../../src/claims/check.js";
import { CLAIM_METRICS, claimJsonSchema } from "../../src/claims/claim-spec.js";
import { claimCases, evaluateCases, sizePoint } from "../../src/claims/evaluate.js";
import { inputKind } from "../../src/claims/input-files.js";
import { loadClaim } from "../../src/claims/load-claim.js";
import { runCli } from "../helpers/run-cli.js";

const FIX = "test/fixtures/serving";
const TINY = "test/claims/fixtures/tiny.yaml";
const opts = { tolerance: 0.02, steps: 1, seed: 1, threads: 1 };

/** Writes a claim file in a fresh temp folder; `scenario` is made absolute. */
function claimFile(fields: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "serving-claim-"));
  const file = join(dir, "claim.json");
  writeFileSync(file, JSON.stringify({ statement: "test", ...fields, scenario: resolve(String(fields.scenario)) }));
  return file;
}

describe("serving scenarios are inputs of check", () => {
  it("a file with serving + model keys is a scenario; claims and other files as before", () => {
    expect(inputKind(`${FIX}/tiny-offline.yaml`)).toBe("scenario");
    expect(inputKind(`${FIX}/claim-vs-h100.yaml`)).toBe("claim");
    expect(inputKind(`${FIX}/sweep-rate.yaml`)).toBe("other");
    expect(inputKind(TINY)).toBe("scenario");
  });

  it("claims may bound the serving metrics; the committed claim schema has them, reference and bound.relative", () => {
    for (const m of [
      "requestsPerSecond",
      "outputTokensPerSecond",
      "outputTokensPerSecondPerCard",
      "ttftP99Seconds",
      "tpotP99Seconds",
      "e2eP99Seconds",
      "ttftP50Seconds",
      "tpotP50Seconds",
      "sloAttainment",
      "goodputRequestsPerSecond",
      "sloRatio",
      "meanBatchSize",
    ]) {
      expect(CLAIM_METRICS).toContain(m);
    }
    const committed = JSON.parse(readFileSync("topologies/schemas/claim.schema.json", "utf8"));
    expect(committed).toEqual(claimJsonSchema());
    expect(committed.properties.reference.properties.set).toBeDefined();
    expect(committed.properties.bound.properties.relative.type).toBe("boolean");
    expect(committed.properties.bound.properties.metric.enum).toContain("sloRatio");
  });

  it("a claim about a serving scenario loads, with its kind", () => {
    const c = loadClaim(`${FIX}/claim-vs-h100.yaml`);
    expect(c.scenario.kind).toBe("serving");
    expect(c.spec.bound.relative).toBe(true);
    expect(c.spec.reference?.set).toEqual(["topology.accelerator.name=H100-SXM5-80GB"]);
  });
});

describe("reference and relative bounds: bad input exits 2 with file:line:col", () => {
  const base = {
    scenario: `${FIX}/tiny-offline.yaml`,
    targetCards: 1,
    bound: { metric: "outputTokensPerSecondPerCard", op: "<=", value: 1, relative: true },
  };
  it("relative without a reference", () => {
    const r = runCli(["check", claimFile(base)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("reference: expected a reference (bound.relative compares with a reference run)");
  });
  it("a reference without relative: true", () => {
    const r = runCli([
      "check",
      claimFile({ ...base, bound: { ...base.bound, relative: false }, reference: { name: "H100", set: ["a=1"] } }),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "bound.relative: expected relative: true (a reference is only used by a relative bound)",
    );
  });
  it("a metric the scenario's kind does not report (MFU of a serving run, TTFT of a training run)", () => {
    const mfu = runCli(["check", claimFile({ ...base, bound: { metric: "mfu", op: ">=", value: 0.5 } })]);
    expect(mfu.code).toBe(2);
    expect(mfu.stderr).toContain("bound.metric: expected a metric that serving runs report");
    expect(mfu.stderr).toContain("found 'mfu' (the scenario is a serving scenario)");
    const ttft = runCli([
      "check",
      claimFile({ scenario: TINY, targetCards: 16, bound: { metric: "ttftP99Seconds", op: "<=", value: 1 } }),
    ]);
    expect(ttft.code).toBe(2);
    expect(ttft.stderr).toContain("found 'ttftP99Seconds' (the scenario is a training scenario)");
  });
  it("a reference overriding a field that does not exist, with a did-you-mean", () => {
    const r = runCli([
      "check",
      claimFile({ ...base, reference: { name: "H100", set: ["topology.accelerator.nam=H100-SXM5-80GB"] } }),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("reference.set.0: reference 'H100': topology.accelerator.nam");
    expect(r.stderr).toContain("did you mean 'name'?");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("throughput and baselines of serving runs", () => {
  it("a serving run's throughput for efficiency is outputTokensPerSecond; it has no step breakdown", () => {
    const p = sizePoint({ cards: 8, outputTokensPerSecond: 1000, requestsPerSecond: 3 });
    expect(p.tokensPerSecond).toBe(1000);
    expect(p.breakdownSeconds).toEqual({});
    expect(sizePoint({ cards: 8, tokensPerSecond: 5, outputTokensPerSecond: 1000 }).tokensPerSecond).toBe(5);
  });

  it("baselines keep the kind's metrics, finite values only", () => {
    const m = {
      stepTimeSeconds: 1,
      mfu: 0.4,
      peakMemoryBytes: 2,
      tokensPerSecond: 3,
      outputTokensPerSecond: 10,
      requestsPerSecond: 2,
      ttftP99Seconds: 0.1,
      tpotP99Seconds: Number.NaN,
    };
    expect(Object.keys(baselineMetrics("training", m)).sort()).toEqual([...BASELINE_METRICS].sort());
    expect(baselineMetrics("serving", m)).toEqual({
      outputTokensPerSecond: 10,
      requestsPerSecond: 2,
      ttftP99Seconds: 0.1,
    });
    expect(SERVING_BASELINE_METRICS).toEqual([
      "outputTokensPerSecond",
      "requestsPerSecond",
      "ttftP99Seconds",
      "tpotP99Seconds",
    ]);
  });
});

describe("relative bounds on a training claim", () => {
  it("the value is metric(claim's run) / metric(reference run), seed by seed", async () => {
    const claim = loadClaim(
      claimFile({
        scenario: TINY,
        targetCards: 16,
        bound: { metric: "tokensPerSecond", op: ">=", value: 1, relative: true },
        reference: { name: "100G NICs", set: ["topology.scaleOut.nicGbps=100"] },
      }),
    );
    const [o] = await evaluateCases(claim, claimCases(claim), { threads: 1 });
    expect(o?.ok).toBe(true);
    if (!o?.ok) return;
    expect(o.own?.mean).toBe(o.target.tokensPerSecond);
    expect(o.reference?.name).toBe("100G NICs");
    expect(o.value.mean).toBeCloseTo((o.own?.mean as number) / (o.reference?.value.mean as number), 12);
    // Faster NICs (200G as written) train faster than 100G ones.
    expect(o.value.mean).toBeGreaterThan(1);
    expect(o.holds).toBe(true);
  });
});

describe("claims about serving scenarios", () => {
  it("A100 vs H100 per card: a ratio below 1, the two absolute values in the table", async () => {
    const report = await runCheck({ ...opts, paths: [`${FIX}/claim-vs-h100.yaml`] });
    const [base, variant] = report.claims[0]?.outcomes ?? [];
    expect(base?.ok).toBe(true);
    if (!base?.ok) return;
    expect(base.value.mean).toBeGreaterThan(0);
    expect(base.value.mean).toBeLessThan(1);
    expect(base.value.mean).toBeCloseTo((base.own?.mean as number) / (base.reference?.value.mean as number), 12);
    expect(base.loss).toEqual({});
    expect(base.target.instances).toBe(2); // resized from 1 card to the claim's 2
    expect(variant).toMatchObject({ name: "hbm-4tbps", ok: true });
    expect(report.exitCode).toBe(0);
    const text = runCli(["check", `${FIX}/claim-vs-h100.yaml`, "--threads", "1"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("outputTokensPerSecondPerCard / H100");
    expect(text.stdout).toMatch(/baseline +0\.\d+x \([\d,]+ tok\/s\/card vs [\d,]+ tok\/s\/card\) +<= 1x +holds/);
  });

  it("weak scaling of independent offline instances keeps per-card throughput: efficiency 1", async () => {
    const claim = loadClaim(
      claimFile({
        scenario: `${FIX}/tiny-offline.yaml`,
        baseCards: 1,
        targetCards: 4,
        bound: { metric: "scalingEfficiency", op: ">=", value: 0.99 },
      }),
    );
    const [o] = await evaluateCases(claim, claimCases(claim), { threads: 1 });
    expect(o?.ok).toBe(true);
    if (!o?.ok) return;
    expect(o.base?.instances).toBe(1);
    expect(o.target.instances).toBe(4);
    expect(o.target.requests).toBe(200);
    expect(o.value.mean).toBeCloseTo(1, 6);
    expect(o.lossKind).toBe("efficiency-loss");
    expect(o.loss).toEqual({});
  });

  it("an SLO claim at a larger size: holds as written, fails with one sequence per batch at 400 req/s", async () => {
    const report = await runCheck({ ...opts, paths: [`${FIX}/claim-rate.yaml`] });
    const [base, variant] = report.claims[0]?.outcomes ?? [];
    expect(base).toMatchObject({ ok: true, holds: true });
    if (base?.ok) {
      expect(base.target.instances).toBe(4);
      expect(base.target.cards).toBe(8);
    }
    expect(variant).toMatchObject({ ok: true, holds: false });
  });

  it("--solve on a serving claim: the highest rate meeting the SLOs with one sequence per batch", async () => {
    const claim = claimFile({
      scenario: `${FIX}/tiny-poisson.yaml`,
      targetCards: 4,
      bound: { metric: "sloRatio", op: "<=", value: 1 },
      variants: [{ name: "one-sequence", set: ["serving.scheduler.maxSequences=1"] }],
    });
    const report = await runCheck({
      ...opts,
      paths: [claim],
      solve: "serving.traffic.ratePerS",
      variant: "one-sequence",
      range: [1, 10000],
    });
    const s = report.claims[0]?.solve;
    expect(s?.holdsAt).toBeDefined();
    expect(s?.holdsAt as number).toBeLessThan(s?.failsAt as number);
    for (const p of s?.probes ?? []) expect(p.holds).toBe(p.value <= (s?.holdsAt as number));
  });

  it("an overloaded run fails a latency bound even when its window's percentiles are within it; throughput bounds are unaffected", async () => {
    // One decode slot, 20 req/s: the decode queue grows, yet TTFT (at the prefill) and TPOT stay
    // far inside the loose limits over the short window.
    const overload = [
      "serving.decode.maxSequences=1",
      "serving.traffic.ratePerS=20",
      "serving.slo.tpotS=1",
      "serving.traffic.outputTokens.mean=128",
    ];
    const latency = claimFile({
      scenario: "test/fixtures/serving-pd/tiny-pd.yaml",
      targetCards: 2,
      bound: { metric: "sloRatio", op: "<=", value: 1 },
      variants: [{ name: "overloaded", set: overload }],
    });
    const [base, over] = (await runCheck({ ...opts, paths: [latency] })).claims[0]?.outcomes ?? [];
    expect(base).toMatchObject({ ok: true, holds: true });
    expect(base?.ok && base.note).toBeFalsy();
    expect(over).toMatchObject({ ok: true, holds: false });
    if (over?.ok) {
      expect(over.target.overloaded).toBe(1);
      expect(over.value.mean).toBeLessThan(1);
      expect(over.margin).toBeGreaterThan(0);
      expect(over.note).toMatch(/overloaded/);
    }
    const throughput = claimFile({
      scenario: "test/fixtures/serving-pd/tiny-pd.yaml",
      targetCards: 2,
      bound: { metric: "outputTokensPerSecond", op: ">=", value: 100 },
      variants: [{ name: "overloaded", set: overload }],
    });
    const [, t] = (await runCheck({ ...opts, paths: [throughput] })).claims[0]?.outcomes ?? [];
    expect(t).toMatchObject({ ok: true, holds: true });
    expect(t?.ok && t.note).toBeFalsy();
  });

  it("check --baseline stores the serving metrics of a serving scenario", () => {
    const dir = mkdtempSync(join(tmpdir(), "serving-baselines-"));
    const file = `${FIX}/tiny-offline.yaml`;
    const w = runCli(["check", "--baseline", dir, "--update-baseline", file, "--threads", "1"]);
    expect(w.code, w.stderr).toBe(0);
    const [name] = readdirSync(dir);
    const rec = JSON.parse(readFileSync(join(dir, name as string), "utf8"));
    expect(rec.kind).toBe("scenario");
    expect(rec.cards).toBe(1);
    expect(Object.keys(rec.metrics).sort()).toEqual([...SERVING_BASELINE_METRICS].sort());
    expect(runCli(["check", "--baseline", dir, file, "--threads", "1"]).code).toBe(0);
  });
});
