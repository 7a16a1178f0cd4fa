import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { FIXTURE_RUNNER_ENV, runCli as runSweepCli, tempSweep } from "../sweep/helpers.js";

const TINY = "test/claims/fixtures/tiny.yaml";
const STACK = /\n\s+at /;

describe("small fixes (real CLI)", () => {
  it("--set without '=' is a usage error (exit 2) naming the argument, for run and scale", () => {
    for (const args of [
      ["run", TINY, "--set", "parallel.tp"],
      ["run", TINY, "--set", "=4"],
      ["scale", TINY, "--cards", "8,16", "--set", "parallel.tp"],
    ]) {
      const r = runCli(args);
      const bad = args[args.length - 1];
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`clustersim: --set ${bad}: expected path=value, found "${bad}"\n`);
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it("a set without '=' inside a claim file is bad input at its file:line:col (check: exit 2)", () => {
    const dir = mkdtempSync(join(tmpdir(), "clustersim-sets-"));
    const claim = join(dir, "claim.yaml");
    writeFileSync(
      join(dir, "tiny.yaml"),
      readFileSync(TINY, "utf8").replaceAll("../../../topologies/", `${process.cwd()}/topologies/`),
    );
    writeFileSync(
      claim,
      "statement: s\nscenario: tiny.yaml\ntargetCards: 16\nbound: { metric: mfu, op: '>=', value: 0.1 }\nvariants:\n  - name: v\n    set: [parallel.tp]\n",
    );
    const r = runCli(["check", claim, "--threads", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /claim\.yaml:7:11: variants\.0\.set\.0: variant 'v': expected path=value, found "parallel\.tp"$/m,
    );
    expect(r.stderr).not.toMatch(STACK);
  });

  it("one point, one row, one file: singular in the sweep progress and the merge summary", () => {
    const { dir, sweepPath } = tempSweep({ axes: [{ kind: "grid", values: { a: [1] } }] });
    const out = join(dir, "r.csv");
    const sweep = runSweepCli(["sweep", sweepPath, "--out", out, "--workers", "1"], FIXTURE_RUNNER_ENV);
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(sweep.stderr).toMatch(/^sweep: 1 point, 0 already done, 1 to run$/m);
    expect(sweep.stderr).not.toMatch(/\b1 points\b/);
    const merged = runSweepCli(["merge", out, "--out", join(dir, "m.csv"), "--sweep", sweepPath]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/^merge: 1 row from 1 file \(0 duplicates dropped\) → /m);
    expect(merged.stdout).toMatch(/^merge: complete: the 1 point of .* is present$/m);
  });

  it("run --seeds says which figures are means over seeds and which are of the first seed only", () => {
    const r = runCli([
      "run",
      TINY,
      "--seeds",
      "2",
      "--steps",
      "3",
      "--workers",
      "1",
      "--set",
      "noise.jitter.sigma=0.05",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^step time +\d+\.\d{3} s ± \d+\.\d{3} s \(mean of 2 seeds, 95% CI\)$/m);
    expect(r.stdout).toMatch(
      /^ {2}p50\/p95\/p99 +[\d. /]+ s over the 3 steps of seed 1 only, not of the mean over seeds$/m,
    );
    expect(r.stdout).toMatch(/\(HFU of seed 1 only\)$/m);
    expect(r.stdout).toMatch(/^where the time goes \(mean per card per step, seed 1 only\):$/m);
    const single = runCli(["run", TINY, "--steps", "3"]);
    expect(single.stdout).toMatch(/^ {2}p50\/p95\/p99 +[\d. /]+ s over the 3 steps of this run$/m);
    expect(single.stdout).not.toMatch(/seed 1 only/);
  });

  it("--job-days says the first goodput is one seed and the best interval a mean over four", () => {
    const r = runCli([
      "run",
      TINY,
      "--job-days",
      "10",
      "--seed",
      "5",
      "--set",
      "failures={detectionS: 60, restartS: 300, checkpoint: {writeGBps: 10, readGBps: 20}}",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}goodput +[\d.]+% simulated \(one failure history, seed 5\), /m);
    expect(r.stdout).toMatch(/^ {2}best interval +[\d.]+ h \(goodput [\d.]+%, mean of seeds 5\.\.8\); /m);
    expect(r.stdout).toMatch(/means over 4 failure histories, the first line's is one/);
  });

  it("docs/sweeps.md quotes the shipped example sweep exactly", () => {
    const shipped = readFileSync("topologies/sweeps/example.yaml", "utf8");
    const docs = readFileSync("docs/sweeps.md", "utf8");
    expect(docs).toContain(`\`\`\`yaml\n${shipped}\`\`\`\n`);
  });
});
