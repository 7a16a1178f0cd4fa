import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../bin/clustersim.mjs", import.meta.url));

/** Runs the real CLI as a user would (as test/cli/cli.test.ts does). */
function runCli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const TOPO = "topologies/clusters/small-2x8.yaml";

describe("clustersim collective", () => {
  it("prints time, algbw and busbw; JSON on request", () => {
    const text = runCli(["collective", TOPO, "--op", "allreduce", "--bytes", "256MiB", "--group", "node"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/allreduce of 256 MiB over 8 cards/);
    expect(text.stdout).toMatch(/busbw [0-9.]+ GB\/s/);
    const json = runCli(["collective", TOPO, "--bytes", "1GiB", "--group", "all", "--algo", "ring", "--json"]);
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r.cards).toBe(16);
    expect(r.algo).toBe("ring");
    expect(r.busbwGBps).toBeCloseTo((r.algbwGBps * 2 * 15) / 16, 9);
  });

  it("sweeps sizes, one row per doubling", () => {
    const r = runCli([
      "collective",
      TOPO,
      "--op",
      "allgather",
      "--sweep-bytes",
      "8B:1KiB",
      "--group",
      "rail",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => x.sizeBytes)).toEqual([8, 16, 32, 64, 128, 256, 512, 1024]);
    expect(rows.every((x) => x.cards === 2)).toBe(true);
  });

  it("rejects bad input with a clear message and exit 1", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--group", "0,99999"], /card 99999 does not exist/],
      [["--group", "0"], /empty/],
      [["--group", "40"], /only 16 cards/],
      [["--bytes", "0B"], /must be positive/],
      [["--bytes=-5MiB"], /must be positive/],
      [["--algo", "halving-doubling", "--group", "12"], /power-of-two/],
      [["--op", "alltoall", "--algo", "tree"], /does not implement alltoall/],
      [["--op", "allreduce", "--algo", "hierarchical", "--group", "node"], /hierarchical needs/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(["collective", TOPO, ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("rejects malformed options with exit 2", () => {
    for (const args of [
      ["--bytes", "12 parsecs"],
      ["--op", "allsum"],
      ["--group", "half"],
    ]) {
      const r = runCli(["collective", TOPO, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
    }
  });
});
