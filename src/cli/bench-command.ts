import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { runHoldModel } from "../../bench/engine-hold.js";
import { runNetworkBench } from "../../bench/network-allreduce.js";
import { runServingBench } from "../../bench/serving.js";
import { runTrainingBench } from "../../bench/training-step.js";
import { runClusterBuild } from "../cluster/build-benchmark.js";
import { benchSweep } from "../sweep/bench-sweep.js";
import { UsageError } from "./errors.js";

const HOLD_SIZES = [10_000, 100_000, 1_000_000];
const HOLD_EVENTS = 5_000_000;
const SWEEP_EXAMPLE = fileURLToPath(new URL("../../topologies/sweeps/example.yaml", import.meta.url));

/** `clustersim bench <name>`: benchmarks whose figures go into BENCHMARKS.md. */
export function addBenchCommand(program: Command, out: (line: string) => void): void {
  program
    .command("bench")
    .description(
      "run a benchmark: engine (hold model at 10k, 100k and 1M pending events); cluster (16,384-card fat-tree build + routes); network (1 GiB all-reduce on 512..8,192 cards); training (GPT-3 175B step on 1,024..8,192 cards); serving (10^4..10^6 requests through 100 instances of 8 H100); sweep (the 64-point example sweep on 1 and 2 workers)",
    )
    .argument("<name>", "benchmark name: engine, cluster, network, training, serving, sweep")
    .option("--json", "one JSON object per line")
    .option("--events <n>", "events per size", String(HOLD_EVENTS))
    .action(async (name: string, opts: { json?: boolean; events: string }) => {
      const events = Number(opts.events);
      if (!Number.isInteger(events) || events < 1) {
        throw new UsageError(`--events: expected a positive integer, found '${opts.events}'`);
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
              : `training step 175B  cards ${pad(r.cards)}  events ${pad(r.events)}  ${r.seconds.toFixed(3)} s  rss ${(r.rssBytes / 1e6).toFixed(0)} MB  simulated step ${r.simulatedStepSeconds.toFixed(3)} s`,
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
      if (name === "sweep") {
        for (const r of await benchSweep(SWEEP_EXAMPLE)) out(JSON.stringify(r));
        return;
      }
      if (name !== "engine")
        throw new UsageError(
          `bench: unknown benchmark '${name}' (expected: engine, cluster, network, training, serving, sweep)`,
        );
      for (const pending of HOLD_SIZES) {
        const r = runHoldModel(pending, events);
        out(
          opts.json
            ? JSON.stringify(r)
            : `hold model  pending ${pad(pending)}  events ${pad(r.events)}  ${r.seconds.toFixed(3)} s  ${(r.eventsPerSecond / 1e6).toFixed(2)} M events/s`,
        );
      }
    });
}

function pad(n: number): string {
  return n.toLocaleString("en-US").padStart(9);
}
