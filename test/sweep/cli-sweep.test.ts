import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/sweep/csv.js";
import { runSweep } from "../../src/sweep/run-sweep.js";
import { FIXTURE_RUNNER, FIXTURE_RUNNER_ENV, runCli, sleep, startCli, tempSweep } from "./helpers.js";

const POINTS = 24;

/** A sweep slow enough to interrupt: 24 points of ~120 ms busy work each. */
function slowSweep() {
  return tempSweep({
    set: ["fixture.busyMs=120"],
    axes: [
      { kind: "grid", values: { a: [1, 2, 3, 4, 5, 6] } },
      { kind: "lhs", count: 4, seed: 2, ranges: { b: { min: 0, max: 1 } } },
    ],
  });
}

function dataRows(path: string): number {
  if (!existsSync(path)) return 0;
  return Math.max(0, readFileSync(path, "utf8").split("\r\n").length - 2);
}

async function waitForRows(path: string, n: number): Promise<void> {
  for (let i = 0; i < 600 && dataRows(path) < n; i++) await sleep(50);
  expect(dataRows(path)).toBeGreaterThanOrEqual(n);
}

describe("clustersim sweep / merge (real CLI)", () => {
  it("dry-runs the shipped example, and rejects bad usage with exit 2", () => {
    const r = runCli(["sweep", "topologies/sweeps/example.yaml", "--dry-run", "--shard", "2/4"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^points: 64, shard 2\/4: 16$/m);
    expect(r.stdout).toMatch(
      /^ {2}#1 [0-9a-f]{16} seed=1 steps=1 topology\.scaleOut\.nicGbps=100 parallel\.tp=4 parallel\.dp=32 noise\.jitter\.sigma=0\.\d+$/m,
    );
    for (const args of [["--shard", "5/4"], ["--workers", "0"], []]) {
      const bad = runCli(["sweep", "topologies/sweeps/example.yaml", ...args]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    }
    const schema = runCli(["schema", "sweep"]);
    expect(schema.code).toBe(0);
    expect(`${schema.stdout.trimEnd()}\n`).toBe(readFileSync("topologies/schemas/sweep.schema.json", "utf8"));
  });

  it("runs a shard of the shipped example end to end with the real model", () => {
    const dir = mkdtempSync(join(tmpdir(), "clustersim-example-"));
    const out = join(dir, "results.csv");
    const r = runCli(["sweep", "topologies/sweeps/example.yaml", "--shard", "1/32", "--workers", "1", "--out", out]);
    expect(r.code).toBe(0);
    const rows = parseCsv(readFileSync(out, "utf8"));
    const header = rows[0] as string[];
    expect(rows).toHaveLength(3); // header + points 0 and 32
    const ok = header.indexOf("ok");
    const step = header.indexOf("stepTimeSeconds");
    for (const row of rows.slice(1)) {
      expect(row[ok]).toBe("true");
      expect(Number(row[step])).toBeGreaterThan(0);
    }
  });

  it("after kill -9 mid-sweep, --resume finishes with every point exactly once, as an uninterrupted run", async () => {
    const { dir, sweepPath } = slowSweep();
    const ref = join(dir, "ref.csv");
    await runSweep({ sweepPath, outPath: ref, runner: FIXTURE_RUNNER, workers: 2 });

    const out = join(dir, "killed.csv");
    const child = startCli(["sweep", sweepPath, "--out", out, "--workers", "2"], FIXTURE_RUNNER_ENV);
    await waitForRows(out, 4);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const before = dataRows(out);
    expect(before).toBeLessThan(POINTS);

    const again = runCli(["sweep", sweepPath, "--out", out, "--workers", "2"], FIXTURE_RUNNER_ENV);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists: pass --resume/);

    const resumed = runCli(["sweep", sweepPath, "--out", out, "--resume", "--workers", "2"], FIXTURE_RUNNER_ENV);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(
      new RegExp(`${POINTS - before} points run now .* ${before} already done, 0 remaining`),
    );
    const ids = parseCsv(readFileSync(out, "utf8"))
      .slice(1)
      .map((r) => r[0]);
    expect(ids).toHaveLength(POINTS);
    expect(new Set(ids).size).toBe(POINTS);
    expect(readFileSync(out, "utf8")).toBe(readFileSync(ref, "utf8"));
  });

  it("Ctrl-C stops cleanly: exit 130, whole rows kept, then --resume and merge --sweep complete it", async () => {
    const { dir, sweepPath } = slowSweep();
    const out = join(dir, "r.csv");
    const child = startCli(["sweep", sweepPath, "--out", out, "--workers", "1"], FIXTURE_RUNNER_ENV);
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    await waitForRows(out, 3);
    child.kill("SIGINT");
    const code = await new Promise((r) => child.once("exit", (c) => r(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(/stopping: no new points/);
    const text = readFileSync(out, "utf8");
    expect(text.endsWith("\r\n")).toBe(true);
    const rows = parseCsv(text).slice(1);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.length).toBeLessThan(POINTS);

    const incomplete = runCli(["merge", out, "--out", join(dir, "m.csv"), "--sweep", sweepPath]);
    expect(incomplete.code).toBe(1);
    expect(incomplete.stderr).toMatch(new RegExp(`incomplete: ${POINTS - rows.length} of ${POINTS} points`));

    expect(runCli(["sweep", sweepPath, "--out", out, "--resume"], FIXTURE_RUNNER_ENV).code).toBe(0);
    const merged = runCli(["merge", out, "--out", join(dir, "m.csv"), "--sweep", sweepPath]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/complete: all 24 points/);
    expect(readFileSync(join(dir, "m.csv"), "utf8")).toBe(readFileSync(out, "utf8"));
  });
});
