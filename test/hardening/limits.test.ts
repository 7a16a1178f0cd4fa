import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { FIXTURE_RUNNER_ENV, runCli as runSweepCli, tempSweep } from "../sweep/helpers.js";

const TINY = "test/claims/fixtures/tiny.yaml";
const HOLDS = "test/claims/fixtures/holds.yaml";
const CORES = availableParallelism();
const STACK = /\n\s+at /;
const NOTE =
  /^clustersim: note: (--workers|--threads|worker threads) \d+ capped at \d+, the available parallelism of this machine$/m;

describe("resource limits (real CLI)", () => {
  it("run --workers above the available parallelism is capped with a note; results unchanged", () => {
    const args = ["run", TINY, "--json", "--seeds", "3", "--set", "noise.jitter.sigma=0.05"];
    const capped = runCli([...args, "--workers", "10000"]);
    expect(capped.code, capped.stderr).toBe(0);
    expect(capped.stderr).toMatch(/^clustersim: note: --workers 10000 capped at \d+, the available parallelism/m);
    expect(capped.stderr.trim().split("\n")).toHaveLength(1);
    const one = runCli([...args, "--workers", "1"]);
    expect(one.stderr).toBe("");
    expect(JSON.parse(capped.stdout)).toEqual(JSON.parse(one.stdout));
  });

  it("sweep --workers above the available parallelism is capped with a note", () => {
    // One point more than the cores, so the pool would start more threads than there are cores.
    const values = Array.from({ length: CORES + 1 }, (_, i) => i);
    const { dir, sweepPath } = tempSweep({ axes: [{ kind: "grid", values: { a: values } }] });
    const r = runSweepCli(["sweep", sweepPath, "--out", `${dir}/r.csv`, "--workers", "10000"], FIXTURE_RUNNER_ENV);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(NOTE);
    expect(r.stderr).not.toMatch(STACK);
  });

  it("check --threads and scale --threads: capped with a note when the points outnumber the cores", () => {
    // holds.yaml runs 4 points; the scale runs 4 sizes. Fewer points than cores start one thread per point, no note.
    const check = runCli(["check", HOLDS, "--threads", "10000"]);
    const scale = runCli(["scale", TINY, "--cards", "8,16,24,32", "--threads", "10000"]);
    for (const r of [check, scale]) {
      expect(r.code, r.stderr).toBe(0);
      if (CORES < 4) expect(r.stderr).toMatch(NOTE);
      else expect(r.stderr).toBe("");
    }
  });

  it("run --steps above 10,000 and --seeds above 1,000 are usage errors (exit 2), bounds included", () => {
    const steps = runCli(["run", TINY, "--steps", "10001"]);
    expect(steps.code).toBe(2);
    expect(steps.stderr).toBe("clustersim: --steps: at most 10,000 steps, found '10001'\n");
    const seeds = runCli(["run", TINY, "--seeds", "1001"]);
    expect(seeds.code).toBe(2);
    expect(seeds.stderr).toBe("clustersim: --seeds: at most 1,000 seeds, found '1001'\n");
    const huge = runCli(["run", TINY, "--seeds", "1e9"]);
    expect(huge.code).toBe(2);
    for (const r of [steps, seeds, huge]) {
      expect(r.stdout).toBe("");
      expect(r.stderr).not.toMatch(STACK);
    }
    const help = runCli(["run", "--help"]).stdout.replace(/\s+/g, " ");
    expect(help).toMatch(/at most 10,000/);
    expect(help).toMatch(/at most 1,000/);
  });
});
