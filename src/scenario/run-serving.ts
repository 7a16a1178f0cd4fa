import { buildCluster } from "../cluster/build.js";
import { LINK_KINDS } from "../cluster/types.js";
import { CollectiveRunner } from "../collectives/runner.js";
import { RandomStreams, Simulator } from "../engine/index.js";
import { servingConstants } from "../hardware/serving-constants.js";
import { InputError } from "../input/issues.js";
import { classMetrics, measuredRequests, servingMetrics } from "../metrics/serving-metrics.js";
import { clusterNetwork } from "../network/cluster-network.js";
import { NoisyComputeTiming } from "../stragglers/compute-timing.js";
import { degradeLinksInPlace } from "../stragglers/degrade-links.js";
import { noiseCardsError } from "../stragglers/noise-cards.js";
import { isQuiet } from "../stragglers/noise-spec.js";
import type { ResolvedDeployment } from "../workload/serving/deployment-checks.js";
import { expertLoadImbalanceOfTokens } from "../workload/serving/expert-routing.js";
import { IterationAccount } from "../workload/serving/iteration-account.js";
import { IterationCostModel, type LinearCommS } from "../workload/serving/iteration-cost.js";
import { PerOpKernels } from "../workload/serving/per-op-kernels.js";
import type { RequestStore } from "../workload/serving/request-store.js";
import { closedLoopLengths, openLoopRequests } from "../workload/serving/request-table.js";
import { resolveServingPools } from "../workload/serving/serving-pools.js";
import { type ServingSimParams, simulateServing, type TrafficSource } from "../workload/serving/serving-sim.js";
import type { ExpertParallelSpec } from "../workload/serving/serving-spec.js";
import { defaultCommComputeShare, fitExpertAllToAll } from "./expert-all-to-all.js";
import type { ServingScenarioSpec } from "./serving-scenario-spec.js";
import type { RunResult } from "./types.js";

/**
 * KV-cache transfer times of the measured requests (disaggregated serving):
 * from the end of the prefill to the arrival at the decode instance; mean and
 * 99th percentile (requests that finished at the prefill have none).
 */
function kvTransferMetrics(s: RequestStore, warmup: number, cooldown: number): Record<string, number> {
  const times: number[] = [];
  const { first, end } = measuredRequests(s.count, warmup, cooldown);
  for (let r = first; r < end; r++) {
    const dt = (s.transferEndS[r] as number) - (s.transferStartS[r] as number);
    if (Number.isFinite(dt)) times.push(dt);
  }
  if (times.length === 0) return { kvTransferMeanSeconds: Number.NaN, kvTransferP99Seconds: Number.NaN };
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const p99 = times[Math.min(times.length - 1, Math.ceil(0.99 * times.length) - 1)] as number;
  return { kvTransferMeanSeconds: mean, kvTransferP99Seconds: p99 };
}

/** What the results say of a pool's expert parallelism. */
function expertParallelDetails(ep: ExpertParallelSpec, pool: ResolvedDeployment): Record<string, unknown> {
  return {
    ep: ep.ep,
    dataParallelGroups: pool.dataParallelGroups,
    redundantExperts: ep.redundantExperts,
    maxNodesPerToken: ep.maxNodesPerToken ?? null,
    dispatchMode: ep.dispatchMode,
    dispatchPrecision: ep.dispatchPrecision,
    twoBatchOverlap: ep.twoBatchOverlap,
  };
}

export interface ServingRunOptions {
  /** Return every measured request's times and lengths in details.requests (for --requests-csv). */
  keepRequests?: boolean;
  /** In-process only: told of every iteration (a trace writer). */
  onIteration?: ServingSimParams["onIteration"];
}

/** Sizes at which the network's collective prediction is sampled to fit latency + bytes/bandwidth. */
const FIT_SMALL_BYTES = 4096;
const FIT_LARGE_BYTES = 64 * 2 ** 20;

/**
 * The serving composition root: resolves and checks the deployment, prices
 * iterations (src/workload/serving/iteration-cost.ts, with TP all-reduce and
 * PP send times fitted to the cluster network's own collective predictions),
 * generates the traffic, simulates request by request, and returns the
 * metrics of src/scenario/serving-metric-columns.ts. Problems with the input
 * come back as data ({ ok: false }).
 */
export function runServingScenario(spec: ServingScenarioSpec, seed: number, opts: ServingRunOptions = {}): RunResult {
  const serving = spec.serving;
  const pools = resolveServingPools(spec.topology, spec.model, serving);
  if (!pools.ok) {
    return {
      ok: false,
      kind: "invalid-input",
      error: pools.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n"),
    };
  }
  const dep = pools.value.prefill;
  const d = serving.deployment;
  // A decode pool (disaggregation) is checked like a deployment of its own, placed after the prefill pool.
  const dp = serving.decode;
  const dec = pools.value.decode;
  const decodeFirstCard = dec?.firstCard ?? 0;
  const decodeServing = dec?.serving;
  const cluster = buildCluster(spec.topology);
  const noiseError = noiseCardsError(spec.noise, cluster.cards);
  if (noiseError !== undefined) return { ok: false, kind: "invalid-input", error: noiseError };
  const streams = new RandomStreams(seed);
  // Degraded links (noise.degradedLinks) act on everything priced or simulated on this cluster: the KV
  // transfers and the expert all-to-alls (flows), and the closed forms fitted on instance 0's cards.
  degradeLinksInPlace(cluster, spec.noise, streams, LINK_KINDS);
  const prefillCount = d.instances;
  /** First card of instance i: the prefill (or only) pool first, then the decode pool (consecutive cards). */
  const instanceFirstCard = (i: number) =>
    i < prefillCount || !dec
      ? d.firstCard + i * dep.cardsPerInstance
      : decodeFirstCard + (i - prefillCount) * dec.cardsPerInstance;
  /** Cards of instance i. */
  const instanceCards = (i: number) =>
    Array.from(
      { length: i < prefillCount || !dec ? dep.cardsPerInstance : dec.cardsPerInstance },
      (_, k) => instanceFirstCard(i) + k,
    );

  // Communication inside an instance, priced by the network's own alpha-beta prediction on instance 0's cards.
  const probeSim = new Simulator();
  // NVLS off: serving engines run tensor-parallel all-reduces with kernels of their own (TensorRT-LLM's
  // custom all-reduce, vLLM's and SGLang's), priced here as NCCL without NVLS (docs/model.md, "NVLS").
  const runner = new CollectiveRunner(probeSim, cluster, clusterNetwork(probeSim, cluster), { nvls: false });
  const fitLinear = (op: "allreduce" | "sendrecv", cards: number[]): LinearCommS => {
    const t1 = runner.predict({ op, cards, sizeBytes: FIT_SMALL_BYTES }).timeS;
    const t2 = runner.predict({ op, cards, sizeBytes: FIT_LARGE_BYTES }).timeS;
    const sPerByte = (t2 - t1) / (FIT_LARGE_BYTES - FIT_SMALL_BYTES);
    return { latencyS: Math.max(0, t1 - sPerByte * FIT_SMALL_BYTES), sPerByte };
  };
  const none: LinearCommS = { latencyS: 0, sPerByte: 0 };
  const model = dep.model;
  const expertCost = (ep: ExpertParallelSpec, pool: ResolvedDeployment, instances: number[][], tp: number) => {
    const moe = model.moe;
    if (!moe) return undefined;
    const { dispatch, combine } = fitExpertAllToAll(cluster, instances, moe.topK, model.hiddenSize, ep);
    // Redundant copies split their expert's load: routing is taken as uniform over the slots.
    const statistical = expertLoadImbalanceOfTokens({
      experts: moe.experts + ep.redundantExperts,
      topK: moe.topK,
      groups: moe.expertGroups ?? 1,
      ep: ep.ep,
    });
    return {
      ep: ep.ep,
      dataParallelGroups: pool.dataParallelGroups,
      slotsPerCard: (moe.experts + ep.redundantExperts) / ep.ep,
      dispatch,
      combine,
      twoBatchOverlap: ep.twoBatchOverlap,
      commComputeShare: ep.commComputeShare ?? defaultCommComputeShare(ep.dispatchMode),
      // DeepEP's low-latency kernels serve the decode schedule, its normal kernels the prefill one.
      overlapWith: ep.dispatchMode === "per-expert" ? ("non-expert" as const) : ("all" as const),
      imbalance: (tokens: number) => ep.expertImbalance * statistical(tokens),
      tp,
      ...(ep.kernels === "per-op"
        ? {
            perOp: new PerOpKernels(
              model,
              pool.accelerator,
              d.activations,
              ep.ep,
              (moe.experts + ep.redundantExperts) / ep.ep,
              ep.dispatchPrecision === "fp8",
            ),
          }
        : {}),
    };
  };
  /** Cards of each instance of the pool whose first instance is `from`. */
  const poolCards = (from: number, count: number) => Array.from({ length: count }, (_, i) => instanceCards(from + i));
  const costOf = (tp: number, pp: number, pool: ResolvedDeployment, instances: number[][], ep?: ExpertParallelSpec) => {
    const cards = instances[0] as number[];
    const expertParallel = ep ? expertCost(ep, pool, instances, tp) : undefined;
    return new IterationCostModel({
      model,
      accelerator: pool.accelerator,
      tp,
      pp,
      weights: d.weights,
      activations: d.activations,
      kvCache: d.kvCache,
      moeImbalance: d.moeImbalance,
      tpAllReduce: tp > 1 ? fitLinear("allreduce", cards.slice(0, tp)) : none,
      ppSend: pp > 1 ? fitLinear("sendrecv", [cards[0] as number, cards[tp] as number]) : none,
      iterationOverheadS: serving.overheads.iterationS ?? servingConstants(pool.accelerator).iterationOverheadS,
      ...(expertParallel ? { expertParallel } : {}),
    });
  };
  const cost = costOf(d.tp, d.pp, dep, poolCards(0, d.instances), d.expertParallel);
  const decodeCost =
    dp && dec ? costOf(dp.tp, dp.pp, dec, poolCards(prefillCount, dp.instances), dp.expertParallel) : undefined;
  const costFor = (i: number) => (decodeCost && i >= prefillCount ? decodeCost : cost);

  const timing = isQuiet(spec.noise)
    ? undefined
    : new NoisyComputeTiming(spec.noise, instanceCards, d.instances + (dp?.instances ?? 0), streams);
  const t = serving.traffic;
  let traffic: TrafficSource;
  try {
    if (t.arrival === "closed-loop") {
      const samplers = new Map<number, ReturnType<typeof closedLoopLengths>>();
      traffic = {
        kind: "closed",
        users: t.users ?? 1,
        thinkTimeS: t.thinkTimeS,
        maxRequests: t.requests ?? Number.POSITIVE_INFINITY,
        durationS: t.durationS ?? Number.POSITIVE_INFINITY,
        nextLengths: (u) => {
          let s = samplers.get(u);
          if (s === undefined) {
            s = closedLoopLengths(t, dep.maxContextTokens, streams, u);
            samplers.set(u, s);
          }
          return s.next();
        },
      };
    } else {
      const maxContext = Math.min(
        dep.maxContextTokens,
        dep.capacity.kvCapacityTokensPerInstance,
        dec?.capacity.kvCapacityTokensPerInstance ?? Number.POSITIVE_INFINITY,
      );
      traffic = { kind: "open", ...openLoopRequests(t, maxContext, streams) };
    }
  } catch (err) {
    if (err instanceof InputError) return { ok: false, kind: "invalid-input", error: err.message };
    throw err;
  }

  const prefillAccount = new IterationAccount();
  const decodeAccount = new IterationAccount();
  const outcome = simulateServing({
    instances: d.instances,
    scheduler: serving.scheduler,
    blockTokens: serving.kvCache.blockTokens,
    blocksPerInstance: dep.capacity.blocksPerInstance,
    prefixHitFraction: serving.kvCache.prefixHitFraction,
    router: serving.router,
    routerBalanceThreshold: serving.routerBalanceThreshold,
    prefixCacheEntries: serving.kvCache.prefixCacheEntries,
    classes: t.classes,
    // Priced iteration by iteration, each booked to its pool's account (where the time goes).
    iterationS: (i, w) => {
      const b = costFor(i).breakdown(w);
      const actualS = timing ? timing.computeS(i, b.total) : b.total;
      (i < prefillCount ? prefillAccount : decodeAccount).add(b, actualS);
      return actualS;
    },
    ...(opts.onIteration ? { onIteration: opts.onIteration } : {}),
    traffic,
    ...(dp && dec && decodeServing
      ? {
          decode: {
            instances: dp.instances,
            blocksPerInstance: dec.capacity.blocksPerInstance,
            maxSequences: decodeServing.scheduler.maxSequences,
            maxBatchedTokens: decodeServing.scheduler.maxBatchedTokens,
            // The KV cache moves card to card as flows on the cluster network, sharing it with every other
            // transfer in flight: prefill card k sends its 1/n share to decode card k mod m. With attention
            // data-parallel groups (expert parallelism) a sequence lives on one group's cards: the groups
            // of each instance take sequences in turn.
            transport: (sim: Simulator) => {
              const net = new CollectiveRunner(sim, cluster, clusterNetwork(sim, cluster));
              const bytesPerToken = dep.capacity.kvBytesPerTokenPerInstance;
              const turn = new Int32Array(d.instances + dp.instances);
              // The cards of the instance's next data-parallel group (all its cards without groups).
              const groupOf = (instance: number, pool: ResolvedDeployment, tp: number): number[] => {
                if (pool.dataParallelGroups === 1) return instanceCards(instance);
                const g = (turn[instance] as number) % pool.dataParallelGroups;
                turn[instance] = g + 1;
                const first = instanceFirstCard(instance) + g * tp;
                return Array.from({ length: tp }, (_, k) => first + k);
              };
              return (from: number, to: number, tokens: number, done: () => void) => {
                const src = groupOf(from, dep, d.tp);
                const dst = groupOf(prefillCount + to, dec, dp.tp);
                const share = (bytesPerToken * tokens) / src.length;
                let left = src.length;
                const one = () => {
                  if (--left === 0) done();
                };
                src.forEach((card, k) => {
                  net.send(card, dst[k % dst.length] as number, share, one, "kv transfer");
                });
              };
            },
          },
        }
      : {}),
  });
  const { metrics, verdict } = servingMetrics({
    outcome,
    warmupRequests: t.warmupRequests,
    cooldownRequests: t.cooldownRequests,
    cards: dep.cards + (dec?.cards ?? 0),
    instances: d.instances + (dp?.instances ?? 0),
    slo: serving.slo,
    rateDriven:
      t.arrival === "poisson" ||
      t.arrival === "gamma" ||
      t.arrival === "constant" ||
      t.arrival === "trace" ||
      t.arrival === "rate-curve",
    closedLoop: t.arrival === "closed-loop",
    kvBlocksPerInstance: dep.capacity.blocksPerInstance,
  });
  if (dp) Object.assign(metrics, kvTransferMetrics(outcome.requests, t.warmupRequests, t.cooldownRequests));
  // Busy fraction of each pool: iteration seconds over instances × the run's makespan.
  const busy = (a: IterationAccount, n: number) => a.busyS / (n * outcome.makespanS);
  if (dp && dec) {
    // The decode pool's own rate: what a decode node or card delivers (DeepSeek and SGLang report it so).
    metrics.decodeOutputTokensPerSecondPerCard = (metrics.outputTokensPerSecond as number) / dec.cards;
    metrics.prefillBusyFraction = busy(prefillAccount, d.instances);
    metrics.decodeBusyFraction = busy(decodeAccount, dp.instances);
  } else {
    metrics.busyFraction = busy(prefillAccount, d.instances);
  }
  // Expert all-to-alls: their seconds (hidden behind compute or not) over the pool's iteration seconds.
  const allToAllShare = (a: IterationAccount) => (a.busyS > 0 ? a.epCommAllS / a.busyS : Number.NaN);
  if (dp?.expertParallel) metrics.decodeAllToAllShare = allToAllShare(decodeAccount);
  if (d.expertParallel) metrics[dp ? "prefillAllToAllShare" : "allToAllShare"] = allToAllShare(prefillAccount);
  const warnings: string[] = [];
  if (outcome.requests.count <= t.warmupRequests + t.cooldownRequests) {
    warnings.push("every request fell in the warm-up or the cool-down: nothing measured");
  }
  const details: Record<string, unknown> = {
    kind: "serving",
    scenario: spec.name,
    model: dep.model.name,
    accelerator: dep.accelerator.name,
    cluster: cluster.name,
    deployment: {
      instances: d.instances,
      tp: d.tp,
      pp: d.pp,
      cardsPerInstance: dep.cardsPerInstance,
      weights: d.weights,
      activations: d.activations,
      kvCache: d.kvCache,
      ...(d.expertParallel ? { expertParallel: expertParallelDetails(d.expertParallel, dep) } : {}),
      ...(dp && dec
        ? {
            decode: {
              instances: dp.instances,
              tp: dp.tp,
              pp: dp.pp,
              cardsPerInstance: dec.cardsPerInstance,
              firstCard: decodeFirstCard,
              accelerator: dec.accelerator.name,
              ...(dp.expertParallel ? { expertParallel: expertParallelDetails(dp.expertParallel, dec) } : {}),
            },
          }
        : {}),
    },
    memory: {
      hbmBytes: dep.capacity.hbmBytes,
      usableBytes: dep.capacity.usableBytes,
      weightsBytesPerCard: dep.capacity.weightsBytesPerCard,
      workspaceBytesPerCard: dep.capacity.workspaceBytesPerCard,
      kvCacheBytesPerCard: dep.capacity.kvCacheBytesPerCard,
      kvBytesPerTokenPerCard: dep.capacity.kvBytesPerTokenPerCard,
      kvCapacityTokensPerInstance: dep.capacity.kvCapacityTokensPerInstance,
    },
    slo: { ttftS: serving.slo.ttftS, tpotS: serving.slo.tpotS, percentile: serving.slo.percentile },
    // Seconds of each part of the iterations, summed over the pool's iterations (docs/serving.md, Metrics).
    iterationSeconds: dp
      ? { prefill: { ...prefillAccount.seconds }, decode: { ...decodeAccount.seconds } }
      : { all: { ...prefillAccount.seconds } },
    // The same time as shares: compute-bound and memory-bound kernels, communication, overhead, noise.
    timeShares: dp
      ? { prefill: prefillAccount.timeShares(), decode: decodeAccount.timeShares() }
      : { all: prefillAccount.timeShares() },
    verdict,
    warnings,
    ...(t.classes ? { classes: classMetrics(outcome.requests, t.warmupRequests, t.cooldownRequests, t.classes) } : {}),
  };
  if (opts.keepRequests) {
    const s = outcome.requests;
    const { first, end } = measuredRequests(s.count, t.warmupRequests, t.cooldownRequests);
    const pick = (a: Float64Array | Int32Array) => Array.from(a.subarray(first, end));
    details.requests = {
      arrivalS: pick(s.arrivalS),
      firstTokenS: pick(s.firstTokenS),
      finishS: pick(s.finishS),
      inputTokens: pick(s.inputTokens),
      outputTokens: pick(s.outputTokens),
      preemptions: pick(s.preemptions),
      instance: pick(s.instance),
    };
  }
  return { ok: true, metrics, details };
}
