import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type { RunnerRef } from "../../src/sweep/worker.js";

export const FIXTURES = fileURLToPath(new URL("../fixtures/sweep/", import.meta.url));
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = fileURLToPath(new URL("../../bin/clustersim.mjs", import.meta.url));
export const FIXTURE_RUNNER: RunnerRef = { module: join(FIXTURES, "runner.ts"), exportName: "runFixture" };
export const FIXTURE_RUNNER_ENV = { CLUSTERSIM_SWEEP_RUNNER: `${FIXTURE_RUNNER.module}#runFixture` };

/** A fresh temp folder holding the placeholder scenario and, if given, a sweep file. */
export function tempSweep(sweep?: Record<string, unknown>): { dir: string; sweepPath: string } {
  const dir = mkdtempSync(join(tmpdir(), "clustersim-sweep-"));
  copyFileSync(join(FIXTURES, "scenario.yaml"), join(dir, "scenario.yaml"));
  const sweepPath = join(dir, "sweep.yaml");
  if (sweep) writeFileSync(sweepPath, stringify({ scenario: "scenario.yaml", ...sweep }));
  return { dir, sweepPath };
}

/** Runs the real CLI to completion. */
export function runCli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    cwd: ROOT,
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status ?? -1, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the real CLI in the background. */
export function startCli(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
