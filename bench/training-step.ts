import { fileURLToPath } from "node:url";
import { runScenario } from "../src/scenario/run.js";

export interface TrainingBenchResult {
  benchmark: "training-step";
  /** The scenario's name: gpt3-175b-h100-8192 (resized) or deepseek-v3-train-h800-2048. */
  scenario: string;
  cards: number;
  events: number;
  seconds: number;
  /** CPU seconds of this thread's process during the run (user + system). */
  cpuSeconds: number;
  rssBytes: number;
  simulatedStepSeconds: number;
  /** Whether the run used symmetry (one card position per TP group; `details.symmetry`). */
  symmetry: boolean;
}

const SCENARIO = fileURLToPath(new URL("../topologies/scenarios/gpt3-175b-h100-8192.yaml", import.meta.url));
const DEEPSEEK = fileURLToPath(
  new URL("../topologies/published/deepseek/deepseek-v3-train-h800-2048.yaml", import.meta.url),
);

/**
 * One training step of GPT-3 175B with TP 8, PP 8, 1F1B, 8 micro-batches per
 * pipeline, on the first `cards` cards of the 8,192-card rail-optimized H100
 * cluster (DP = cards / 64). Wall seconds of runScenario (load, compile,
 * simulate), engine events and resident memory after the run. Then one step
 * of DeepSeek-V3 on 2,048 H800 (PP 16, EP 64, 120 micro-batches per pipeline).
 * Each GPT-3 size runs twice in a row, every flow simulated (`symmetry: false`)
 * and then with symmetry (the default), so the two compare within one run.
 */
export function runTrainingBench(sizes: readonly number[] = [1024, 2048, 4096, 8192, 32768]): TrainingBenchResult[] {
  // Warm-up so the JIT has compiled the hot paths before the first timed size.
  runScenario({ scenarioPath: SCENARIO, sets: setsFor(512), seed: 1, steps: 1 });
  const runs = [
    ...sizes.flatMap((cards) =>
      [false, true].map((symmetry) => ({ path: SCENARIO, sets: setsFor(cards), cards, symmetry })),
    ),
    { path: DEEPSEEK, sets: [] as string[], cards: 2048, symmetry: true },
  ];
  return runs.map(({ path, sets, cards, symmetry }) => {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = runScenario({ scenarioPath: path, sets, seed: 1, steps: 1, symmetry });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    if (!r.ok) throw new Error(`training bench at ${cards} cards: ${r.error}`);
    return {
      benchmark: "training-step",
      scenario: path === DEEPSEEK ? "deepseek-v3-train-h800-2048" : "gpt3-175b-h100-8192",
      cards,
      events: r.metrics.events as number,
      seconds: Math.round(seconds * 1e4) / 1e4,
      cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 1e4) / 1e4,
      rssBytes: process.memoryUsage().rss,
      simulatedStepSeconds: r.metrics.stepTimeSeconds as number,
      symmetry: "copies" in ((r.details.symmetry ?? {}) as object),
    };
  });
}

function setsFor(cards: number): string[] {
  const dp = cards / 64;
  return [
    `topology.nodes=${cards / 8}`,
    `topology.cards=${cards}`,
    `parallel.dp=${dp}`,
    `parallel.globalBatchSize=${dp * 8}`,
  ];
}
