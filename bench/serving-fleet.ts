import { join } from "node:path";
import { runScenario } from "../src/scenario/run.js";
import { packageRoot } from "../src/version.js";

export interface ServingFleetBenchResult {
  benchmark: "serving-fleet" | "serving-deepseek";
  cards: number;
  requests: number;
  events: number;
  seconds: number;
  cpuSeconds: number;
  rssBytes: number;
  simulatedSeconds: number;
}

const SCENARIO = join(packageRoot(), "bench", "serving-fleet-pd.yaml");

/** One timed serving run: wall and CPU seconds of runScenario, engine events, resident memory. */
function timedRun(
  benchmark: ServingFleetBenchResult["benchmark"],
  scenarioPath: string,
  sets: string[],
  what: string,
): ServingFleetBenchResult {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = runScenario({ scenarioPath, sets, seed: 1, steps: 1 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (!r.ok) throw new Error(`${benchmark} bench at ${what}: ${r.error}`);
  return {
    benchmark,
    cards: r.metrics.cards as number,
    requests: r.metrics.requests as number,
    events: r.metrics.events as number,
    seconds: Math.round(seconds * 1e4) / 1e4,
    cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 1e4) / 1e4,
    rssBytes: process.memoryUsage().rss,
    simulatedSeconds: r.metrics.simulatedSeconds as number,
  };
}

/**
 * A prefill/decode-disaggregated serving fleet at scale (bench/serving-fleet-pd.yaml):
 * Llama 3.3 70B FP8 on N cards of the 8,192-card H100 cluster, N/4 cards of
 * prefill instances and 3N/4 of decode instances (TP 4 each), Poisson
 * arrivals at N/2 requests/s for 60 simulated seconds, every KV cache moved
 * over the flow network. Wall and CPU seconds of runScenario, engine
 * events, resident memory.
 */
export function runServingFleetBench(sizes: readonly number[] = [1024, 2048, 4096, 8192]): ServingFleetBenchResult[] {
  const sets = (cards: number) => [
    `serving.deployment.instances=${cards / 16}`,
    `serving.decode.instances=${(3 * cards) / 16}`,
    `serving.traffic.ratePerS=${cards / 2}`,
  ];
  // Warm-up (JIT) on a small fleet and a short run.
  runScenario({ scenarioPath: SCENARIO, sets: [...sets(256), "serving.traffic.durationS=5"], seed: 1, steps: 1 });
  return sizes.map((cards) => timedRun("serving-fleet", SCENARIO, sets(cards), `${cards} cards`));
}

const DEEPSEEK = join(packageRoot(), "bench", "serving-deepseek.yaml");

/**
 * A DeepSeek-like fleet (bench/serving-deepseek.yaml): 280 H800 nodes, 25
 * prefill units of EP 32 and 10 decode units of EP 144, 10 simulated minutes
 * of Poisson traffic at each of `ratesPerS` requests/s (the load grows the
 * number of sequences every decode iteration walks through). Same figures as
 * runServingFleetBench.
 */
export function runServingDeepseekBench(ratesPerS: readonly number[] = [250, 500, 1000]): ServingFleetBenchResult[] {
  runScenario({
    scenarioPath: DEEPSEEK,
    sets: ["serving.traffic.ratePerS=100", "serving.traffic.durationS=5"],
    seed: 1,
    steps: 1,
  });
  return ratesPerS.map((rate) =>
    timedRun("serving-deepseek", DEEPSEEK, [`serving.traffic.ratePerS=${rate}`], `${rate} requests/s`),
  );
}
