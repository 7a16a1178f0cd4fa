import { buildCluster } from "../cluster/build.js";
import { mixedCardKinds, nodeGroupLayouts } from "../cluster/node-groups.js";
import { LINK_KINDS } from "../cluster/types.js";
import { CollectiveError } from "../collectives/errors.js";
import { RandomStreams, Simulator } from "../engine/index.js";
import { InputError } from "../input/issues.js";
import { stepMetrics } from "../metrics/step-metrics.js";
import { clusterNetwork } from "../network/cluster-network.js";
import { SymmetryBroken } from "../network/symmetric-network.js";
import { NoisyComputeTiming } from "../stragglers/compute-timing.js";
import { degradeLinksInPlace } from "../stragglers/degrade-links.js";
import { noiseCardsError } from "../stragglers/noise-cards.js";
import { isQuiet } from "../stragglers/noise-spec.js";
import type { StepControl } from "../system/ports.js";
import { TaskExecutor } from "../system/task-executor.js";
import { hardwareFlopsPerToken, megatronFlopsPerIteration, modelFlopsPerToken } from "../workload/flops.js";
import { peakMemoryPerCard } from "../workload/memory.js";
import { resolveModel } from "../workload/model-spec.js";
import { checkPlan, formatPlanIssue } from "../workload/plan-check.js";
import { resolvePlan } from "../workload/plan-spec.js";
import { compileStep } from "../workload/training/compile.js";
import { trainingStepGraph } from "../workload/training/step-graph.js";
import { type AnyScenario, loadAnyScenario } from "./load-scenario.js";
import { type NoiseFreeCache, noiseFreeKey } from "./noise-free-cache.js";
import { runServingScenario } from "./run-serving.js";
import type { ScenarioSpec } from "./scenario-spec.js";
import { trainingComm } from "./training-comm.js";
import { planSymmetry } from "./training-symmetry.js";
import type { RunFailed, RunResult, RunSpec } from "./types.js";

/** Fraction of HBM kept free for the CUDA/CANN context and allocator fragmentation (ASSUMPTION; docs/model.md). */
export const HBM_RESERVE_FRACTION = 0.05;

/**
 * The composition root: loads the scenario, checks the plan and memory,
 * compiles the step, simulates `steps` steps on the engine with the flow
 * network and the collectives, and returns plain metrics. Problems with the
 * input come back as data ({ ok: false }), never thrown.
 */
export function runScenario(spec: RunSpec, control?: StepControl, noiseFree?: NoiseFreeCache): RunResult {
  let scenario: AnyScenario;
  try {
    scenario = loadAnyScenario(spec.scenarioPath, spec.sets);
  } catch (err) {
    if (err instanceof InputError) return { ok: false, kind: "invalid-input", error: err.message };
    throw err;
  }
  if (scenario.kind === "serving") return runServingScenario(scenario.spec, spec.seed);
  return runLoadedScenario(scenario.spec, spec.seed, spec.steps, control, noiseFree, {
    ...(spec.symmetry === undefined ? {} : { symmetry: spec.symmetry }),
  });
}

/**
 * Runs an already validated scenario (the claim checker and `scale` build
 * variants in memory). `control` (in-process callers only: it holds
 * functions) reports progress per step and may end the run early at a step
 * boundary (a time budget); the metrics are then of the steps run
 * (`metrics.steps`), and the noise-free reference runs as many.
 * `noiseFree` (optional) shares noise-free twins between runs: a noisy run
 * takes its twin's mean step time from it when present, and every run leaves
 * its own twin there (a quiet run is its own twin).
 */
export function runLoadedScenario(
  scenario: ScenarioSpec,
  seed: number,
  steps: number,
  control?: StepControl,
  noiseFree?: NoiseFreeCache,
  options: SimulationOptions = {},
): RunResult {
  if (!(Number.isInteger(steps) && steps >= 1)) {
    return { ok: false, kind: "invalid-input", error: `steps: expected an integer >= 1, found ${steps}` };
  }
  const model = resolveModel(scenario.model);
  const plan = resolvePlan(scenario.parallel);
  const cluster = buildCluster(scenario.topology);
  const noiseError = noiseCardsError(scenario.noise, cluster.cards);
  if (noiseError !== undefined) return { ok: false, kind: "invalid-input", error: noiseError };
  const mixedError = mixedCardKindsError(scenario.topology, cluster.cards);
  if (mixedError !== undefined) return { ok: false, kind: "invalid-input", error: mixedError };
  const planIssues = checkPlan(model, plan, cluster.cards, cluster.scaleUpDomainCards, {
    pathPrefix: "parallel",
    accelerator: cluster.accelerator,
  });
  const errors = planIssues.filter((i) => i.severity === "error");
  const warnings = planIssues.filter((i) => i.severity === "warning").map(formatPlanIssue);
  if (errors.length > 0) {
    return { ok: false, kind: "invalid-plan", error: errors.map(formatPlanIssue).join("\n") };
  }
  const peak = peakMemoryPerCard(model, plan);
  const hbm = cluster.accelerator.hbmBytes;
  const usable = hbm * (1 - HBM_RESERVE_FRACTION);
  if (peak.breakdown.totalBytes > usable) return outOfMemory(peak, hbm, usable);

  const quiet = isQuiet(scenario.noise);
  /** `symmetryOff`: why this run simulates every flow (undefined: use symmetry where it holds). */
  const simulate = (withNoise: boolean, stepsToRun: number, symmetryOff: string | undefined, ctl?: StepControl) => {
    const streams = new RandomStreams(seed);
    const c = withNoise ? cluster : buildCluster(scenario.topology);
    const degraded = withNoise ? degradeLinksInPlace(c, scenario.noise, streams, LINK_KINDS) : [];
    const sim = new Simulator();
    const network = clusterNetwork(sim, c);
    const hook = ctl?.taskHook;
    const found = symmetryOff ?? (degraded.length > 0 ? "degraded links (noise.degradedLinks)" : planSymmetry(c, plan));
    const symmetry = typeof found === "string" ? undefined : found;
    const comm = trainingComm(sim, c, network, {
      granularity: scenario.collectives.granularity,
      nvls: scenario.collectives.nvls,
      algo: scenario.collectives.algo,
      expertAllToAll: scenario.collectives.expertAllToAll,
      ...(symmetry ? { symmetry } : {}),
    });
    const program = compileStep(model, plan, c, (req) => comm.predict(req).timeS, {
      inLayer: scenario.collectives.inLayer,
    });
    const actors = program.replicas * program.pp;
    const timing = withNoise
      ? new NoisyComputeTiming(scenario.noise, (a) => program.actorCards(a), actors, streams)
      : undefined;
    const graph = trainingStepGraph(program);
    const watchCards = hook?.cardsToWatch?.(graph);
    if (hook?.onLinkLoad && watchCards && watchCards.length > 0) {
      // The links at the traced cards (their NICs and scale-up ports), for the trace's counter tracks.
      const cards = new Set(watchCards);
      const { src, dst, count } = c.links;
      const links: number[] = [];
      for (let l = 0; l < count; l++) if (cards.has(src[l] as number) || cards.has(dst[l] as number)) links.push(l);
      network.watchLinks(links, (t, l, u) => hook.onLinkLoad?.(t, c.links.name(l), u));
    }
    const records = new TaskExecutor(sim, graph, comm, timing).run(stepsToRun, ctl ?? {});
    const symmetryReport = comm.symmetry() ?? { off: found as string };
    return {
      records,
      events: sim.eventsProcessed,
      collectives: comm.collectives(),
      sends: comm.sends(),
      network: comm.network(),
      symmetry: symmetryReport,
    };
  };

  /**
   * Simulates with symmetry where the run allows it (a traced run never: its slices and link loads
   * are per card); if the symmetry breaks on the way (SymmetricNetwork checks every flow), runs
   * again without it, reporting to `ctl` only the steps not reported yet.
   */
  const simulateOnce = (withNoise: boolean, stepsToRun: number, ctl?: StepControl) => {
    if (options.symmetry === false) return simulate(withNoise, stepsToRun, "asked not to (--no-symmetry)", ctl);
    if (ctl?.taskHook !== undefined) {
      return simulate(withNoise, stepsToRun, "a traced run (per-card slices and link loads)", ctl);
    }
    // Progress once per step, even when the run starts again without symmetry.
    let reported = 0;
    const once: StepControl | undefined = ctl && {
      ...ctl,
      onStepEnd: (done, planned) => {
        if (done <= reported) return;
        reported = done;
        ctl.onStepEnd?.(done, planned);
      },
    };
    try {
      return simulate(withNoise, stepsToRun, undefined, once);
    } catch (err) {
      if (!(err instanceof SymmetryBroken)) throw err;
      return simulate(withNoise, stepsToRun, `asymmetric during the run: ${err.message}`, once);
    }
  };
  let noisy: ReturnType<typeof simulateOnce>;
  try {
    noisy = simulateOnce(!quiet, steps, control);
  } catch (err) {
    // A forced algorithm that does not run one of the plan's collectives (a tree reduce-scatter) is
    // the input's problem; any other CollectiveError is clustersim's.
    if (!(err instanceof CollectiveError) || scenario.collectives.algo === "auto") throw err;
    return {
      ok: false,
      kind: "invalid-input",
      error: `collectives.algo: expected an algorithm that runs every collective of this plan (or auto), found '${scenario.collectives.algo}': ${err.message}`,
    };
  }
  const stepsRun = noisy.records.length;
  const tokensPerStep = plan.globalBatchSize * model.seqLength;
  const result = stepMetrics({
    records: noisy.records,
    startS: 0,
    cards: cluster.cards,
    tokensPerStep,
    modelFlopsPerStep: modelFlopsPerToken(model) * tokensPerStep,
    hardwareFlopsPerStep: hardwareFlopsPerToken(model, plan.recompute, plan.recomputeModules) * tokensPerStep,
    megatronFlopsPerStep: megatronFlopsPerIteration(model, plan.globalBatchSize, {
      recompute: plan.recompute === "full",
    }),
    peakFlopsPerS: cluster.accelerator.peakFlopsPerS[plan.precision] ?? cluster.accelerator.peakFlopsPerS.bf16,
  });
  let stragglerShare = 0;
  const twinKey = noiseFree ? noiseFreeKey(scenario, stepsRun) : "";
  // A quiet run is its own twin (unless a budget stopped it early: a run planned longer may differ).
  if (quiet && stepsRun === steps) noiseFree?.set(twinKey, meanStepS(noisy.records));
  if (!quiet) {
    const baseMean = noiseFree?.get(twinKey) ?? meanStepS(simulateOnce(false, stepsRun).records);
    noiseFree?.set(twinKey, baseMean);
    const mean = result.metrics.stepTimeSeconds as number;
    stragglerShare = Math.max(0, (mean - baseMean) / mean);
    result.metrics.noiseFreeStepTimeSeconds = baseMean;
  }
  result.metrics.stragglerShare = stragglerShare;
  result.metrics.peakMemoryBytes = peak.breakdown.totalBytes;
  result.metrics.events = noisy.events;
  return {
    ok: true,
    metrics: result.metrics,
    details: {
      scenario: scenario.name,
      cluster: cluster.name,
      accelerator: cluster.accelerator.name,
      model: model.name,
      plan: {
        tp: plan.tp,
        pp: plan.pp,
        dp: plan.dp,
        cp: plan.cp,
        ep: plan.ep,
        virtualStages: plan.virtualStages,
        microBatchSize: plan.microBatchSize,
        globalBatchSize: plan.globalBatchSize,
        microBatchesPerStep: plan.microBatchesPerStep,
        recompute: plan.recompute,
        ...(plan.recompute === "selective" && plan.recomputeModules !== undefined
          ? { recomputeModules: plan.recomputeModules.join(", ") }
          : {}),
        zeroStage: plan.zeroStage,
        ...(plan.optimizerPrecision === undefined
          ? {}
          : {
              optimizerPrecision: `master ${plan.optimizerPrecision.mainParams}, moments ${plan.optimizerPrecision.moments}`,
            }),
        ...(plan.ep > 1
          ? {
              expertDispatch: plan.expertDispatch?.mode ?? "all-to-all",
              ...(plan.expertDispatch?.maxNodesPerToken === undefined
                ? {}
                : { maxNodesPerToken: plan.expertDispatch.maxNodesPerToken }),
              expertCommOverlap: plan.expertCommOverlap,
              expertImbalance: plan.expertImbalance,
            }
          : {}),
      },
      breakdownSeconds: result.breakdownS,
      stepTimesSeconds: result.stepTimes,
      memory: { stage: peak.stage, ...peak.breakdown, hbmBytes: hbm },
      warnings,
      collectives: noisy.collectives,
      sends: noisy.sends,
      network: noisy.network,
      symmetry: noisy.symmetry,
    },
  };
}

/** How to simulate (not what): results agree either way (to rounding). */
export interface SimulationOptions {
  /**
   * Simulate one card position of each TP (x CP) group and copy it to the others where the run is
   * symmetric (default true; SymmetricNetwork, docs/model.md "Symmetry"). false: every flow.
   */
  symmetry?: boolean;
}

/** Mean time per step of a run's step records (the noise-free twin's figure). */
function meanStepS(records: readonly { endS: number }[]): number {
  return records.reduce((s, r, i, all) => s + (r.endS - (i === 0 ? 0 : (all[i - 1]?.endS ?? 0))), 0) / records.length;
}

/**
 * A training job runs on every card (tp·pp·dp·cp = cards): on a heterogeneous
 * cluster its cards span several card kinds, which the step model (one
 * accelerator's costs for every rank) does not model. Names the topology
 * field and the kinds (docs/topology.md, "Node groups").
 */
function mixedCardKindsError(topology: ScenarioSpec["topology"], cards: number): string | undefined {
  const found = mixedCardKinds(nodeGroupLayouts(topology), 0, cards, "topology.");
  if (found === undefined) return undefined;
  return `topology.nodeGroups: expected the training job's ${cards.toLocaleString("en-US")} cards (all of the cluster's) on one card kind, found ${found}; training across card kinds is not modeled`;
}

function outOfMemory(peak: ReturnType<typeof peakMemoryPerCard>, hbmBytes: number, usableBytes: number): RunFailed {
  const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
  const b = peak.breakdown;
  return {
    ok: false,
    kind: "out-of-memory",
    error:
      `out of memory: pipeline stage ${peak.stage} needs ${gb(b.totalBytes)} per card, the card has ${gb(hbmBytes)} ` +
      `(${gb(usableBytes)} usable): weights ${gb(b.weightsBytes)}, gradients ${gb(b.gradientsBytes)}, ` +
      `optimizer ${gb(b.optimizerBytes)}, activations ${gb(b.activationsBytes)}, buffers ${gb(b.buffersBytes)}`,
  };
}
