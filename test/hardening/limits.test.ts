import { readFileSync } from "node:fs";
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
    // On a pipe there is no progress bar: nothing at all on stderr.
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

describe("size bounds wherever a step count is set", () => {
  it("scale --steps and check --steps above 10,000 are usage errors (exit 2)", () => {
    const scale = runCli(["scale", TINY, "--cards", "8,16", "--steps", "10001"]);
    const check = runCli(["check", "--baseline", "runs/baselines/", TINY, "--steps", "10001"]);
    for (const r of [scale, check]) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe("clustersim: --steps: at most 10,000 steps, found '10001'\n");
    }
  });

  it("a sweep file's steps and a steps axis above 10,000 are bad input (exit 1) naming the field", () => {
    const field = tempSweep({ steps: 10001, axes: [{ kind: "grid", values: { a: [1] } }] });
    const r1 = runSweepCli(["sweep", field.sweepPath, "--out", `${field.dir}/r.csv`], FIXTURE_RUNNER_ENV);
    expect(r1.code, r1.stderr).toBe(1);
    expect(r1.stderr).toMatch(/sweep\.yaml:\d+:\d+.*steps/);
    expect(r1.stderr).toMatch(/10000|10,000/);
    const axis = tempSweep({ axes: [{ kind: "grid", values: { steps: [1, 10001] } }] });
    const r2 = runSweepCli(["sweep", axis.sweepPath, "--out", `${axis.dir}/r.csv`], FIXTURE_RUNNER_ENV);
    expect(r2.code, r2.stderr).toBe(1);
    expect(r2.stderr).toMatch(/axis 'steps' takes at most 10,000 steps, found 10001/);
    for (const r of [r1, r2]) expect(r.stderr).not.toMatch(STACK);
  });
});

describe("--max-seconds: a wall-time budget that keeps what finished", () => {
  it("rejects a budget that is not a positive number of seconds up to 30 days (exit 2)", () => {
    for (const bad of ["0", "-1", "abc", "1e9", "Infinity"]) {
      const r = runCli(["run", TINY, "--steps", "2", "--max-seconds", bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/^clustersim: --max-seconds: expected a positive number of seconds up to 2,592,000/);
    }
  });

  it("run --steps: a spent budget ends the run at a step boundary, prints those steps' figures, exits 124", () => {
    const r = runCli(["run", TINY, "--steps", "10000", "--max-seconds", "0.001", "--json"]);
    expect(r.code, r.stderr).toBe(124);
    const json = JSON.parse(r.stdout);
    expect(json.budget).toMatchObject({ maxSeconds: 0.001, stepsRequested: 10000, seedsRun: 1, complete: false });
    expect(json.steps).toBe(json.budget.stepsRun);
    expect(json.steps).toBeGreaterThanOrEqual(1);
    expect(json.steps).toBeLessThan(10000);
    expect(json.stepTimesSeconds).toHaveLength(json.steps);
    expect(r.stderr).toMatch(
      new RegExp(
        `clustersim: time budget of 0.001 s reached: ${json.steps} of 10000 steps run; the figures are of those ${json.steps}`,
      ),
    );
    expect(r.stderr).not.toMatch(STACK);
  });

  it("run --seeds: a spent budget starts no new seed; the summary is over the seeds that ran", () => {
    const r = runCli(["run", TINY, "--seeds", "50", "--max-seconds", "0.001", "--json", "--workers", "1"]);
    expect(r.code, r.stderr).toBe(124);
    const json = JSON.parse(r.stdout);
    expect(json.budget.seedsRequested).toBe(50);
    expect(json.budget.seedsRun).toBeLessThan(50);
    if (json.budget.seedsRun > 1) expect(json.seeds.seeds).toHaveLength(json.budget.seedsRun);
    else expect(json.seeds).toBeUndefined();
    expect(r.stderr).toMatch(/time budget of 0\.001 s reached: \d+ of 50 seeds run; the figures are of those/);
  });

  it("no progress output on a pipe (CI logs get the result only)", () => {
    const r = runCli(["run", TINY, "--steps", "4", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("a budget that is not spent changes nothing (exit 0, same figures)", () => {
    const plain = runCli(["run", TINY, "--steps", "3", "--json"]);
    const budgeted = runCli(["run", TINY, "--steps", "3", "--json", "--max-seconds", "3600"]);
    expect(budgeted.code, budgeted.stderr).toBe(0);
    const { budget, ...rest } = JSON.parse(budgeted.stdout);
    expect(budget).toMatchObject({ stepsRun: 3, complete: true });
    expect(rest).toEqual(JSON.parse(plain.stdout));
  });

  it("sweep: a spent budget starts no new point, keeps every finished row, exits 124; --resume finishes it", () => {
    const values = Array.from({ length: 12 }, (_, i) => i);
    const { dir, sweepPath } = tempSweep({
      set: ["fixture.busyMs=150"],
      axes: [{ kind: "grid", values: { a: values } }],
    });
    const out = `${dir}/r.csv`;
    const cut = runSweepCli(
      ["sweep", sweepPath, "--out", out, "--workers", "1", "--max-seconds", "0.3"],
      FIXTURE_RUNNER_ENV,
    );
    expect(cut.code, cut.stderr).toBe(124);
    expect(cut.stderr).toMatch(/time budget of 0\.3 s reached/);
    expect(cut.stderr).toMatch(/rows so far are kept in .*r\.csv \(finish with --resume\)/);
    const rows = readFileSync(out, "utf8").trim().split("\n");
    expect(rows.length - 1).toBeLessThan(12);
    const done = runSweepCli(["sweep", sweepPath, "--out", out, "--resume"], FIXTURE_RUNNER_ENV);
    expect(done.code, done.stderr).toBe(0);
    const whole = tempSweep({ set: ["fixture.busyMs=150"], axes: [{ kind: "grid", values: { a: values } }] });
    const full = runSweepCli(["sweep", whole.sweepPath, "--out", `${whole.dir}/r.csv`], FIXTURE_RUNNER_ENV);
    expect(full.code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(`${whole.dir}/r.csv`, "utf8"));
  });
});
