import { join } from "node:path";
import type { Command } from "commander";
import { runHoldModel } from "../../bench/engine-hold.js";
import { runHeapBaseline } from "../../bench/heap-baseline.js";
import { runNetworkBench } from "../../bench/network-allreduce.js";
import { runParseBench } from "../../bench/parse-worst.js";
import { runPlanSearchBench } from "../../bench/plan-search.js";
import { runServingBench } from "../../bench/serving.js";
import { runServingDeepseekBench, runServingFleetBench } from "../../bench/serving-fleet.js";
import { runStartupBench } from "../../bench/startup.js";
import { runTrainingBench } from "../../bench/training-step.js";
import { runClusterBuild } from "../cluster/build-benchmark.js";
import { benchSweep } from "../sweep/bench-sweep.js";
import { packageRoot } from "../version.js";
import { UsageError } from "./errors.js";

const HOLD_SIZES = [10_000, 100_000, 1_000_000];
const HOLD_EVENTS = 5_000_000;
const BASELINE_PENDING = 100_000;
const BASELINE_REPEATS = 5;
const SWEEP_EXAMPLE = join(packageRoot(), "topologies", "sweeps", "example.yaml");
const SWEEP_8192 = join(packageRoot(), "bench", "sweep-8192.yaml");

/** `clustersim bench <name>`: benchmarks whose figures go into BENCHMARKS.md. */
export function addBenchCommand(program: Command, out: (line: string) => void): void {
  program
    .command("bench")
    .description(
      "run a benchmark: engine (hold model at 10k, 100k and 1M pending events); heap-baseline (the engine's hold model at 100k pending next to a bare 4-ary typed-array heap and a CPU loop of the same random draws, interleaved, --repeats rounds); cluster (16,384-card fat-tree build + routes); network (1 GiB all-reduce on 512..8,192 cards); training (GPT-3 175B step on 1,024..32,768 cards, every flow and then with symmetry, then a DeepSeek-V3 step on 2,048 H800); serving (10^4..10^6 requests through 100 instances of 8 H100); serving-fleet (a prefill/decode-disaggregated Llama 3.3 70B fleet on 1,024..8,192 H100 cards, 60 simulated seconds); serving-deepseek (a DeepSeek-V3 fleet of 280 H800 nodes, prefill units EP 32 and decode units EP 144, 10 simulated minutes at 250..1,000 requests/s); sweep (the 64-point example sweep on 1 and 2 workers); sweep-8192 (64 points of 8,192-card GPT-3 runs, 3 steps, jitter on, 2 workers); plan (the plan search for GPT-3 175B on 1,024 H100: candidates, screens, pruning, top 20 by DES on 2 workers, rank correlation); startup (whole CLI processes, --version, --help and a validate, from the bundle and from the sources, CPU and wall, --repeats rounds); parse (parse + validate the worst-shaped topology files under the parse bounds)",
    )
    .argument(
      "<name>",
      "benchmark name: engine, heap-baseline, cluster, network, training, serving, serving-fleet, serving-deepseek, sweep, sweep-8192, plan, startup, parse",
    )
    .option("--json", "one JSON object per line")
    .option("--events <n>", "events per size", String(HOLD_EVENTS))
    .option("--repeats <n>", "rounds of heap-baseline and startup", String(BASELINE_REPEATS))
    .action(async (name: string, opts: { json?: boolean; events: string; repeats: string }) => {
      const events = Number(opts.events);
      if (!Number.isInteger(events) || events < 1) {
        throw new UsageError(`--events: expected a positive integer, found '${opts.events}'`);
      }
      if (name === "heap-baseline") {
        const repeats = Number(opts.repeats);
        if (!Number.isInteger(repeats) || repeats < 1) {
          throw new UsageError(`--repeats: expected a positive integer, found '${opts.repeats}'`);
        }
        const { summaries } = runHeapBaseline(BASELINE_PENDING, events, repeats, (r) =>
          out(
            opts.json
              ? JSON.stringify(r)
              : `${r.kind.padEnd(9)}  round ${r.repeat}  pending ${pad(r.pending)}  events ${pad(r.events)}  ${r.seconds.toFixed(3)} s (cpu ${r.cpuSeconds.toFixed(3)} s)  ${(r.eventsPerSecond / 1e6).toFixed(2)} M events/s (${(r.eventsPerCpuSecond / 1e6).toFixed(2)} M per CPU s)  checksum ${r.checksum}`,
          ),
        );
        for (const s of summaries) {
          out(
            opts.json
              ? JSON.stringify(s)
              : `${s.kind.padEnd(9)}  median ${(s.medianEventsPerSecond / 1e6).toFixed(2)} M events/s (min ${(s.minEventsPerSecond / 1e6).toFixed(2)}, max ${(s.maxEventsPerSecond / 1e6).toFixed(2)}, spread ${(s.spread * 100).toFixed(1)}%)  ${(s.ofBareHeap * 100).toFixed(1)}% of bare heap; per CPU second ${(s.medianEventsPerCpuSecond / 1e6).toFixed(2)} M (${(s.ofBareHeapCpu * 100).toFixed(1)}%)  cpu ${s.totalCpuSeconds.toFixed(3)} s / wall ${s.totalSeconds.toFixed(3)} s`,
          );
        }
        return;
      }
      if (name === "cluster") {
        const r = runClusterBuild();
        out(
          opts.json
            ? JSON.stringify(r)
            : `cluster build  cards ${pad(r.cards)}  links ${pad(r.links)}  ${r.seconds.toFixed(3)} s  rss ${(r.rssBytes / 1e6).toFixed(0)} MB  ${(r.routesPerSecond / 1e6).toFixed(2)} M routes/s`,
        );
        return;
      }
      if (name === "network") {
        for (const r of runNetworkBench()) {
          out(
            opts.json
              ? JSON.stringify(r)
              : `allreduce 1 GiB  cards ${pad(r.cards)}  events ${pad(r.events)}  ${r.seconds.toFixed(3)} s  rss ${(r.rssBytes / 1e6).toFixed(0)} MB  ${r.algo}  simulated ${(r.simulatedS * 1e3).toFixed(3)} ms`,
          );
        }
        return;
      }
      if (name === "training") {
        for (const r of runTrainingBench()) {
          out(
            opts.json
              ? JSON.stringify(r)
              : `training step ${r.scenario === "gpt3-175b-h100-8192" ? "175B" : "DeepSeek-V3"}  cards ${pad(r.cards)}  ${r.symmetry ? "symmetry   " : "every flow "}  events ${pad(r.events)}  ${r.seconds.toFixed(3)} s  cpu ${r.cpuSeconds.toFixed(3)} s  rss ${(r.rssBytes / 1e6).toFixed(0)} MB  simulated step ${r.simulatedStepSeconds.toFixed(3)} s`,
          );
        }
        return;
      }
      if (name === "serving") {
        for (const r of runServingBench()) {
          out(
            opts.json
              ? JSON.stringify(r)
              : `serving 100 x TP8  requests ${pad(r.requests)}  events ${pad(r.events)}  ${r.seconds.toFixed(3)} s (cpu ${r.cpuSeconds.toFixed(3)} s)  rss ${(r.rssBytes / 1e6).toFixed(0)} MB`,
          );
        }
        return;
      }
      if (name === "serving-fleet") {
        for (const r of runServingFleetBench()) {
          out(
            opts.json
              ? JSON.stringify(r)
              : `serving fleet  cards ${pad(r.cards)}  requests ${pad(r.requests)}  events ${pad(r.events)}  ${r.seconds.toFixed(3)} s (cpu ${r.cpuSeconds.toFixed(3)} s)  rss ${(r.rssBytes / 1e6).toFixed(0)} MB`,
          );
        }
        return;
      }
      if (name === "serving-deepseek") {
        for (const r of runServingDeepseekBench()) {
          out(
            opts.json
              ? JSON.stringify(r)
              : `serving deepseek  cards ${pad(r.cards)}  requests ${pad(r.requests)}  events ${pad(r.events)}  ${r.seconds.toFixed(3)} s (cpu ${r.cpuSeconds.toFixed(3)} s)  rss ${(r.rssBytes / 1e6).toFixed(0)} MB`,
          );
        }
        return;
      }
      if (name === "sweep-8192") {
        for (const r of await benchSweep(SWEEP_8192, [2])) out(JSON.stringify(r));
        return;
      }
      if (name === "sweep") {
        for (const r of await benchSweep(SWEEP_EXAMPLE)) out(JSON.stringify(r));
        return;
      }
      if (name === "plan") {
        const r = await runPlanSearchBench();
        out(
          opts.json
            ? JSON.stringify(r)
            : `plan search ${r.scenario}  candidates ${pad(r.candidates)}  screened ${pad(r.screened)} (${r.msPerScreen.toFixed(1)} ms each)  pruned ${pad(r.pruned)}  bound ${r.boundSeconds.toFixed(1)} s  screen ${r.screenSeconds.toFixed(1)} s  DES ${r.simulated} in ${r.desSeconds.toFixed(1)} s  wall ${r.wallSeconds.toFixed(1)} s  cpu ${r.cpuSeconds.toFixed(1)} s  spearman ${r.spearmanTop.toFixed(3)}  max error ${(r.maxScreenErrorTop * 100).toFixed(1)}%`,
        );
        return;
      }
      if (name === "startup") {
        const repeats = Number(opts.repeats);
        if (!Number.isInteger(repeats) || repeats < 1) {
          throw new UsageError(`--repeats: expected a positive integer, found '${opts.repeats}'`);
        }
        for (const r of runStartupBench(repeats)) {
          out(
            opts.json
              ? JSON.stringify(r)
              : `startup ${r.command.padEnd(44)} ${r.entry.padEnd(8)} median of ${r.runs}: ${r.medianWallSeconds.toFixed(3)} s wall, ${r.medianCpuSeconds.toFixed(3)} s cpu`,
          );
        }
        return;
      }
      if (name === "parse") {
        for (const r of runParseBench()) {
          out(
            opts.json
              ? JSON.stringify(r)
              : `parse ${r.shape.padEnd(24)}  ${pad(r.bytes)} bytes  ${r.seconds.toFixed(3)} s (cpu ${r.cpuSeconds.toFixed(3)} s)  rss ${(r.rssBytes / 1e6).toFixed(0)} MB  ${r.firstIssue}`,
          );
        }
        return;
      }
      if (name !== "engine")
        throw new UsageError(
          `bench: unknown benchmark '${name}' (expected: engine, heap-baseline, cluster, network, training, serving, serving-fleet, serving-deepseek, sweep, sweep-8192, plan, startup, parse)`,
        );
      for (const pending of HOLD_SIZES) {
        const r = runHoldModel(pending, events);
        out(
          opts.json
            ? JSON.stringify(r)
            : `hold model  pending ${pad(pending)}  events ${pad(r.events)}  ${r.seconds.toFixed(3)} s (cpu ${r.cpuSeconds.toFixed(3)} s)  ${(r.eventsPerSecond / 1e6).toFixed(2)} M events/s`,
        );
      }
    });
}

function pad(n: number): string {
  return n.toLocaleString("en-US").padStart(9);
}
