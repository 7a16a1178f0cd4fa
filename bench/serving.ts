import { join } from "node:path";
import { runScenario } from "../src/scenario/run.js";
import { packageRoot } from "../src/version.js";

export interface ServingBenchResult {
  benchmark: "serving";
  instances: number;
  requests: number;
  events: number;
  seconds: number;
  cpuSeconds: number;
  rssBytes: number;
  simulatedSeconds: number;
}

const SCENARIO = join(packageRoot(), "bench", "serving-fleet.yaml");

/**
 * Request-level serving simulation at scale: Llama 3.3 70B on 100 instances
 * of 8 H100 (bench/serving-fleet.yaml), Poisson arrivals at 800 req/s,
 * lognormal lengths, `requests` requests. Wall and CPU seconds of runScenario
 * (load, price, generate, simulate, metrics), engine events, resident memory.
 */
export function runServingBench(sizes: readonly number[] = [10_000, 100_000, 1_000_000]): ServingBenchResult[] {
  runScenario({ scenarioPath: SCENARIO, sets: ["serving.traffic.requests=2000"], seed: 1, steps: 1 });
  return sizes.map((requests) => {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = runScenario({
      scenarioPath: SCENARIO,
      sets: [`serving.traffic.requests=${requests}`],
      seed: 1,
      steps: 1,
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    if (!r.ok) throw new Error(`serving bench at ${requests} requests: ${r.error}`);
    return {
      benchmark: "serving",
      instances: r.metrics.instances as number,
      requests,
      events: r.metrics.events as number,
      seconds: Math.round(seconds * 1e4) / 1e4,
      cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 1e4) / 1e4,
      rssBytes: process.memoryUsage().rss,
      simulatedSeconds: r.metrics.simulatedSeconds as number,
    };
  });
}
