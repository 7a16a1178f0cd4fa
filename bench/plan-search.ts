import { join } from "node:path";
import { spearman } from "../src/plan/rank-correlation.js";
import { searchPlans } from "../src/plan/search.js";
import { loadAnyScenario } from "../src/scenario/load-scenario.js";
import { packageRoot } from "../src/version.js";

/** `bench plan`: the GPT-3 175B plan search on 1,024 H100 (top 20 through the DES on 2 worker threads). */
export interface PlanSearchBenchResult {
  benchmark: "plan-search";
  scenario: string;
  candidates: number;
  screened: number;
  pruned: number;
  simulated: number;
  boundSeconds: number;
  screenSeconds: number;
  msPerScreen: number;
  desSeconds: number;
  wallSeconds: number;
  cpuSeconds: number;
  spearmanTop: number;
  maxScreenErrorTop: number;
}

export async function runPlanSearchBench(top = 20, threads = 2): Promise<PlanSearchBenchResult> {
  const file = join(packageRoot(), "topologies", "scenarios", "gpt3-175b-h100-1024.yaml");
  const loaded = loadAnyScenario(file, []);
  if (loaded.kind !== "training") throw new Error(`${file}: expected a training scenario`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await searchPlans(file, [], loaded.spec, { top, constraints: [], seed: 1, steps: 1, threads });
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sim = r.rows.filter((x) => x.status === "simulated" && Number.isFinite(x.desStepS));
  const screened = r.counts.screened + r.counts.simulated;
  return {
    benchmark: "plan-search",
    scenario: "gpt3-175b-h100-1024",
    candidates: r.counts.enumerated,
    screened,
    pruned: r.counts.pruned,
    simulated: r.counts.simulated,
    boundSeconds: r.timing.boundSeconds,
    screenSeconds: r.timing.screenSeconds,
    msPerScreen: screened > 0 ? (r.timing.screenSeconds * 1000) / screened : 0,
    desSeconds: r.timing.desSeconds,
    wallSeconds,
    // This thread's CPU (the DES workers' threads are included: process-wide).
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    spearmanTop: spearman(
      sim.map((x) => x.screenStepS),
      sim.map((x) => x.desStepS),
    ),
    maxScreenErrorTop: Math.max(...sim.map((x) => Math.abs(x.screenStepS / x.desStepS - 1))),
  };
}
