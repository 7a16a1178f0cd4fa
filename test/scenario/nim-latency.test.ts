import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runScenario } from "../../src/scenario/run.js";
import { readReferenceCsv } from "./reference-csv.js";

/**
 * Serving validation under load: NVIDIA NIM's latency/throughput of
 * Llama-3.3-70B FP8 on 2 H100 (TP 2), closed loop of N users, 5,000 input /
 * 500 output tokens (reference/inference-latency.csv). The scenario is run
 * at each published concurrency with 10 requests per user, the first 2 per
 * user excluded as warm-up (the closed loop starts with every user at t = 0).
 * Bounds (the issue's): saturated throughput within ±15%, inter-token
 * latency at 1 and 50 users within ±20%, and TTFT going from hundreds of
 * milliseconds (<= 50 users) to tens of seconds (>= 150 users) as published.
 */
const SCENARIO = fileURLToPath(
  new URL("../../topologies/published/nim-h100/llama-3.3-70b-tp2-5000-500.yaml", import.meta.url),
);

const rows = readReferenceCsv("inference-latency.csv").filter(
  (r) => r.input_tokens === "5000" && r.output_tokens === "500" && r.model === "Llama-3.3-70B-Instruct",
);

function run(users: number) {
  const r = runScenario({
    scenarioPath: SCENARIO,
    sets: [
      `serving.traffic.users=${users}`,
      `serving.traffic.requests=${10 * users}`,
      `serving.traffic.warmupRequests=${2 * users}`,
    ],
    seed: 1,
    steps: 1,
  });
  if (!r.ok) throw new Error(r.error);
  return r.metrics;
}

describe("NIM Llama-3.3-70B TP2 latency vs concurrency (inference-latency.csv)", () => {
  it("reads the 8 published concurrency levels on 2 H100 FP8 TP2", () => {
    expect(rows.map((r) => Number(r.concurrency))).toEqual([1, 5, 25, 50, 100, 150, 200, 250]);
    for (const r of rows) expect([r.gpus, r.tp, r.precision]).toEqual(["2", "2", "fp8"]);
  });

  const at = (users: number) => rows.find((r) => Number(r.concurrency) === users) as Record<string, string>;

  it("inter-token latency at 1 and 50 users within ±20%", () => {
    for (const users of [1, 50]) {
      const m = run(users);
      const published = Number(at(users).itl_ms) / 1e3;
      expect(Math.abs((m.tpotMeanSeconds as number) / published - 1), `${users} users`).toBeLessThanOrEqual(0.2);
    }
  });

  it("saturated throughput (250 users) within ±15%", () => {
    const m = run(250);
    const published = Number(at(250).throughput_tokens_per_s);
    expect(Math.abs((m.outputTokensPerSecond as number) / published - 1)).toBeLessThanOrEqual(0.15);
  });

  it("TTFT turns from hundreds of milliseconds to tens of seconds between 50 and 150 users, as published", () => {
    for (const users of [1, 50]) {
      expect(Number(at(users).ttft_ms)).toBeLessThan(1000);
      expect(run(users).ttftMeanSeconds as number).toBeLessThan(1);
    }
    expect(Number(at(150).ttft_ms)).toBeGreaterThan(10_000);
    expect(run(150).ttftMeanSeconds as number).toBeGreaterThan(10);
  });
});
