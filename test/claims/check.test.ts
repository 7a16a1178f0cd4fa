import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { baselineFileName } from "../../src/claims/baseline.js";
import { runCheck } from "../../src/claims/check.js";
import { ClaimInputError } from "../../src/claims/claim-error.js";
import { loadClaim } from "../../src/claims/load-claim.js";
import { runScale } from "../../src/claims/scale.js";
import { solveBreakingPoint } from "../../src/claims/solve.js";
import { schemaText } from "../../src/cli/schema-command.js";
import { UsageError } from "../../src/input/user-error.js";
import { runCli } from "../helpers/run-cli.js";
import { parseXml, type XmlElement } from "./xml-check.js";

const FIX = "test/claims/fixtures";
const opts = { tolerance: 0.02, steps: 1, seed: 1, threads: 1 };

describe("claim files: bad input exits 2 with clear messages", () => {
  it("unknown metric: file:line:col, the allowed metrics and a did-you-mean", () => {
    const r = runCli(["check", `${FIX}/bad-metric.yaml`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${FIX}/bad-metric.yaml:4:18: bound.metric`);
    expect(r.stderr).toContain("did you mean 'scalingEfficiency'");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
  it("bound of the wrong type", () => {
    const r = runCli(["check", `${FIX}/bad-bound-type.yaml`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bound.value: expected a finite number, found "high"');
  });
  it("a variant overriding a field that does not exist", () => {
    const r = runCli(["check", `${FIX}/bad-variant-field.yaml`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("variants.0.set.0: variant 'typo': topology.scaleOut.nicGbs");
    expect(r.stderr).toContain("did you mean 'nicGbps'?");
  });
  it("a variant's unknown field keeps the loader's issue code", () => {
    expect(() => loadClaim(`${FIX}/bad-variant-field.yaml`)).toThrow(ClaimInputError);
    try {
      loadClaim(`${FIX}/bad-variant-field.yaml`);
    } catch (err) {
      expect((err as ClaimInputError).issues.map((i) => [i.path, i.code])).toEqual([
        ["variants.0.set.0", "unknown-field"],
      ]);
    }
  });
});

describe("check verdicts and exit codes", () => {
  it("exit 0 when the baseline holds (a failing informative variant does not fail the check); JUnit parses back", () => {
    const dir = mkdtempSync(join(tmpdir(), "claims-"));
    const junit = join(dir, "junit.xml");
    const r = runCli([
      "check",
      `${FIX}/holds.yaml`,
      `${FIX}/fails.yaml`,
      "--junit",
      junit,
      "--threads",
      "1",
      "--exit-zero",
    ]);
    expect(r.code).toBe(0);
    const doc = parseXml(readFileSync(junit, "utf8"));
    expect(doc.name).toBe("testsuites");
    const suites = doc.children.filter((c) => c.name === "testsuite");
    expect(suites).toHaveLength(2);
    const cases = (s: XmlElement) => s.children.filter((c) => c.name === "testcase");
    // One test case per claim x (baseline + variants).
    expect(cases(suites[0] as XmlElement).map((c) => c.attrs.name)).toEqual([
      "baseline",
      "nic-100g",
      "impossible-bound-variant",
    ]);
    expect(cases(suites[1] as XmlElement).map((c) => c.attrs.name)).toEqual(["baseline", "nic-400g"]);
    const failed = (c: XmlElement) => c.children.some((x) => x.name === "failure");
    expect(cases(suites[0] as XmlElement).some(failed)).toBe(false);
    expect(cases(suites[1] as XmlElement).map(failed)).toEqual([true, false]);
    expect(doc.attrs.tests).toBe("5");
    expect(doc.attrs.failures).toBe("1");
    expect(r.stdout).toMatch(/baseline\s+\S+\s+>= 99.0%\s+FAILS/);
  });
  it("exit 1 when a claim's baseline fails", () => {
    const r = runCli(["check", `${FIX}/fails.yaml`, "--threads", "1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("claim does not hold");
  });
  it("with several seeds the value is a mean with a 95% CI", async () => {
    const dir = mkdtempSync(join(tmpdir(), "claims-"));
    const claim = join(dir, "seeds.yaml");
    writeFileSync(
      claim,
      [
        "statement: seeds",
        `scenario: ${join(process.cwd(), FIX, "tiny.yaml")}`,
        "targetCards: 16",
        "seeds: 3",
        "bound: { metric: stepTimeSeconds, op: '<=', value: 100 }",
        "variants:",
        "  - { name: jitter, set: [noise.jitter.sigma=0.05] }",
      ].join("\n"),
    );
    const report = await runCheck({ ...opts, paths: [claim] });
    const [base, jitter] = report.claims[0]?.outcomes ?? [];
    expect(base?.ok && base.value.values).toHaveLength(3);
    // No noise: every seed gives the same step time, so the CI has zero width.
    if (base?.ok) expect(base.value.halfWidth).toBe(0);
    if (jitter?.ok) {
      expect(new Set(jitter.value.values).size).toBe(3);
      expect(jitter.value.halfWidth).toBeGreaterThan(0);
    }
  });
});

describe("regression baselines", () => {
  it("update writes one stable file per input; compare passes, then fails past the tolerance with a diff", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baselines-"));
    const inputs = [`${FIX}/tiny.yaml`, `${FIX}/holds.yaml`];
    const missing = await runCheck({ ...opts, paths: inputs, baselineDir: dir });
    expect(missing.baselines.map((b) => b.status)).toEqual(["missing", "missing"]);
    expect(missing.exitCode).toBe(1);
    const written = await runCheck({ ...opts, paths: inputs, baselineDir: dir, updateBaseline: true });
    expect(written.exitCode).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(inputs.map(baselineFileName).sort());
    const file = join(dir, baselineFileName(`${FIX}/tiny.yaml`));
    const text = readFileSync(file, "utf8");
    const stored = JSON.parse(text);
    expect(Object.keys(stored)).toEqual(["file", "kind", "seed", "steps", "cards", "metrics"]);
    expect(Object.keys(stored.metrics)).toEqual(["mfu", "peakMemoryBytes", "stepTimeSeconds", "tokensPerSecond"]);
    const claimStored = JSON.parse(readFileSync(join(dir, baselineFileName(`${FIX}/holds.yaml`)), "utf8"));
    expect(claimStored.metrics.scalingEfficiency).toBeGreaterThan(0);

    const same = await runCheck({ ...opts, paths: inputs, baselineDir: dir });
    expect(same.baselines.map((b) => b.status)).toEqual(["pass", "pass"]);
    expect(same.exitCode).toBe(0);

    // A 5% slower stored step time: past the default 2% tolerance, within 10%.
    stored.metrics.stepTimeSeconds *= 1.05;
    writeFileSync(file, JSON.stringify(stored, null, 2));
    const r = runCli(["check", "--baseline", dir, `${FIX}/tiny.yaml`, "--threads", "1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/stepTimeSeconds .* -> .* \(-4\.\d\d%\)\s+<-- over tolerance/);
    expect(runCli(["check", "--baseline", dir, `${FIX}/tiny.yaml`, "--tolerance", "0.1", "--threads", "1"]).code).toBe(
      0,
    );
  });
  it("a scenario the model says does not run keeps that verdict as its baseline; running or failing otherwise differs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "baselines-oom-"));
    const oom = `${FIX}/tiny-oom.yaml`;
    const written = await runCheck({ ...opts, paths: [oom], baselineDir: dir, updateBaseline: true });
    expect(written.exitCode).toBe(0);
    const file = join(dir, baselineFileName(oom));
    const stored = JSON.parse(readFileSync(file, "utf8"));
    expect(stored).toMatchObject({ metrics: {}, failure: "out-of-memory" });
    const same = await runCheck({ ...opts, paths: [oom], baselineDir: dir });
    expect(same.baselines.map((b) => b.status)).toEqual(["pass"]);
    expect(same.exitCode).toBe(0);
    // Stored as running: the run now fails (and the other way round), so the check fails and says how.
    writeFileSync(file, JSON.stringify({ ...stored, failure: undefined, metrics: { stepTimeSeconds: 1 } }));
    const differs = await runCheck({ ...opts, paths: [oom], baselineDir: dir });
    expect(differs.baselines[0]).toMatchObject({ status: "fail", message: "stored: runs; now: fails (out-of-memory)" });
    expect(differs.exitCode).toBe(1);
  });
});

describe("scale", () => {
  it("rows for impossible sizes say why; efficiency is relative to the smallest size that runs", async () => {
    // ZeRO-3 on cards of 8.5 GB: 8 cards need ~8.9 GB each (out of memory), 16 cards ~7 GB.
    const rows = await runScale({
      scenarioPath: `${FIX}/tiny.yaml`,
      sets: ["parallel.zeroStage=3", "topology.accelerator.overrides.hbmGB=8.5"],
      cards: [12, 8, 16, 32],
      mode: "weak",
      steps: 1,
      seed: 1,
      threads: 1,
    });
    expect(rows.map((r) => r.cards)).toEqual([8, 12, 16, 32]);
    expect(rows[0]).toMatchObject({ ok: false, reason: expect.stringContaining("out of memory") });
    expect(rows[1]).toMatchObject({ ok: false, reason: expect.stringContaining("not whole nodes") });
    expect(rows[2]).toMatchObject({ ok: true, scalingEfficiency: 1, dp: 16, globalBatchSize: 32 });
    const r32 = rows[3];
    expect(r32?.ok).toBe(true);
    if (r32?.ok) {
      expect(r32.globalBatchSize).toBe(64);
      const lost = Object.values(r32.lossContributions).reduce((a, b) => a + b, 0);
      expect(lost).toBeCloseTo(1 - r32.scalingEfficiency, 9);
    }
  });
  it("strong scaling keeps the global batch and reports sizes it cannot split", async () => {
    const rows = await runScale({
      scenarioPath: `${FIX}/tiny.yaml`,
      sets: [],
      cards: [8, 16, 64],
      mode: "strong",
      steps: 1,
      seed: 1,
      threads: 1,
    });
    expect(rows.map((r) => (r.ok ? r.globalBatchSize : r.reason))).toEqual([
      32,
      32,
      expect.stringContaining("strong scaling"),
    ]);
  });
});

describe("claim JSON Schema", () => {
  it("the committed file equals the generated one (regenerate: npx clustersim schema claim --out topologies/schemas/claim.schema.json)", () => {
    expect(readFileSync("topologies/schemas/claim.schema.json", "utf8")).toBe(schemaText("claim"));
  });
});

describe("--solve and --sensitivity", () => {
  it("a field that does not exist is a usage error with the loader's did-you-mean (found by the issue's code)", async () => {
    const claim = loadClaim(`${FIX}/holds.yaml`);
    const missing = solveBreakingPoint(claim, { field: "topology.scaleOut.nicGbs", threads: 1 });
    await expect(missing).rejects.toBeInstanceOf(UsageError);
    await expect(missing).rejects.toThrow(
      /^--solve: --set topology\.scaleOut\.nicGbs=0\.5: topology\.scaleOut\.nicGbs: expected a field of topology\.scaleOut, found 'nicGbs'; did you mean 'nicGbps'\?/,
    );
    // A field that exists but rejects the probe value (a string field here) is not "no such field".
    await expect(solveBreakingPoint(claim, { field: "name", threads: 1 })).rejects.toThrow(
      '--solve: name is not a numeric field of the scenario (found "tiny-claims")',
    );
  });
  it("bisection brackets the breaking NIC speed: holds at holdsAt, fails at failsAt, within 1%", async () => {
    const report = await runCheck({ ...opts, paths: [`${FIX}/holds.yaml`], solve: "topology.scaleOut.nicGbps" });
    const s = report.claims[0]?.solve;
    expect(s?.holdsAt).toBeDefined();
    const holdsAt = s?.holdsAt as number;
    const failsAt = s?.failsAt as number;
    expect(holdsAt).toBeGreaterThan(failsAt);
    expect((holdsAt - failsAt) / holdsAt).toBeLessThan(0.01);
    // Monotone in the probes: every probe above the breaking value holds, every one below fails.
    for (const p of s?.probes ?? []) expect(p.holds).toBe(p.value >= holdsAt);
    const atHold = s?.probes.find((p) => p.value === holdsAt);
    expect(atHold?.metric).toBeGreaterThanOrEqual(0.5);
  });
  it("sensitivity ranks fields by swing, skipping integer fields", async () => {
    const report = await runCheck({ ...opts, paths: [`${FIX}/holds.yaml`], sensitivity: true });
    const sens = report.claims[0]?.sensitivity;
    expect(sens?.rows.map((r) => `${r.context}:${r.field}`)).toEqual([
      "baseline:topology.scaleOut.nicGbps",
      "nic-100g:topology.scaleOut.nicGbps",
    ]);
    const row = sens?.rows[0];
    // Faster NICs help a data-parallel job: the metric rises with the field.
    expect(row?.metricHigh).toBeGreaterThan(row?.metricLow as number);
    expect(sens?.skipped).toEqual(["impossible-bound-variant: parallel.tp (integer field)"]);
  });
});
