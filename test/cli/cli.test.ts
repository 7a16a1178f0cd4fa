import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

describe("clustersim CLI", () => {
  it("prints help and version", () => {
    const help = runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: clustersim/);
    const version = runCli(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("exits 2 on usage errors without a stack trace", () => {
    for (const args of [["no-such-command"], ["bench", "warp-drive"], ["bench", "engine", "--events", "-3"]]) {
      const r = runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
  });

  it("runs the engine benchmark and prints one JSON line per size", () => {
    const r = runCli(["bench", "engine", "--json", "--events", "20000"]);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.pending)).toEqual([10_000, 100_000, 1_000_000]);
    for (const l of lines) {
      expect(l.benchmark).toBe("hold-model");
      expect(l.events).toBe(20000);
      expect(l.eventsPerSecond).toBeGreaterThan(0);
    }
  });
});
