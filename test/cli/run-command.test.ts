import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

const SMALL = "test/fixtures/scenarios/small-dp16.yaml";

describe("clustersim run", () => {
  it("prints the step, the breakdown and memory, and documented JSON keys", () => {
    const text = runCli(["run", SMALL]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^step time +\d+\.\d{3} s$/m);
    expect(text.stdout).toMatch(/where the time goes/);
    const json = runCli(["run", SMALL, "--json", "--steps", "2"]);
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout);
    for (const key of ["cards", "stepTimeSeconds", "tokensPerSecond", "tflopsPerCard", "mfu", "peakMemoryBytes"]) {
      expect(typeof r[key]).toBe("number");
    }
    expect(r.cards).toBe(16);
    expect(r.stepTimesSeconds).toHaveLength(2);
    expect(Object.keys(r.breakdown)).toContain("dpComm");
  });

  it("reports 95% confidence intervals over seeds, the same for any worker count", () => {
    const args = ["run", SMALL, "--json", "--seeds", "3", "--set", "noise.jitter.sigma=0.05"];
    const one = JSON.parse(runCli([...args, "--workers", "1"]).stdout);
    const two = JSON.parse(runCli([...args, "--workers", "2"]).stdout);
    expect(one.seeds.metrics.stepTimeSeconds.halfWidth).toBeGreaterThan(0);
    expect(two).toEqual(one);
  });

  it("reports goodput for --job-days when the scenario has a failures block, else says what is missing", () => {
    const r = runCli([
      "run",
      SMALL,
      "--json",
      "--job-days",
      "10",
      "--set",
      "failures={detectionS: 60, restartS: 300, checkpoint: {writeGBps: 10, readGBps: 20}}",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const job = JSON.parse(r.stdout).job;
    expect(job.goodput).toBeGreaterThan(0.5);
    expect(job.goodput).toBeLessThanOrEqual(1);
    expect(job.optimum.dalyS).toBeGreaterThan(0);
    const missing = runCli(["run", SMALL, "--job-days", "10"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--job-days needs a 'failures:' block/);
  });

  it("rejects impossible plans with exit 1 and usage errors with exit 2, without stack traces", () => {
    const plan = runCli(["run", SMALL, "--set", "parallel.dp=7"]);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/parallel\.dp: tp·pp·dp·cp = 1·1·7·1 = 7 but the cluster has 16 cards/);
    const oom = runCli(["run", SMALL, "--set", "model.layers=400"]);
    expect(oom.code).toBe(1);
    expect(oom.stderr).toMatch(/out of memory: pipeline stage 0 needs .* GB per card/);
    const usage = runCli(["run", SMALL, "--steps", "0"]);
    expect(usage.code).toBe(2);
    for (const r of [plan, oom, usage]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
