import { breakdownOf } from "../claims/breakdown-runner.js";
import { type RunPointsOptions, runPoints } from "../claims/run-points.js";
import { buildCluster } from "../cluster/build.js";
import { CollectiveRunner } from "../collectives/runner.js";
import { Simulator } from "../engine/index.js";
import { clusterNetwork } from "../network/cluster-network.js";
import { HBM_RESERVE_FRACTION } from "../scenario/run.js";
import type { ScenarioSpec } from "../scenario/scenario-spec.js";
import { modelFlopsPerToken } from "../workload/flops.js";
import { peakMemoryPerCard } from "../workload/memory.js";
import { resolveModel } from "../workload/model-spec.js";
import { checkPlan } from "../workload/plan-check.js";
import { type ResolvedPlan, resolvePlan } from "../workload/plan-spec.js";
import { type Constraint, satisfies } from "./constraints.js";
import { applyCandidate, type Candidate, candidateSets, enumerateCandidates } from "./enumerate.js";
import { stepLowerBoundS } from "./lower-bound.js";
import { screenPlan, sharedPredictor } from "./screen.js";

/** What became of one enumerated plan. */
export type PlanStatus = "simulated" | "screened" | "pruned" | "excluded" | "invalid" | "out-of-memory";

export interface PlanRow {
  candidate: Candidate;
  status: PlanStatus;
  /** Why it was not screened (the first plan-check error, the memory, or the constraint). */
  reason: string;
  /** Peak memory per card of its worst stage (bytes; NaN when the plan is invalid). */
  memoryBytes: number;
  /** Lower bound on the closed-form step time (s; NaN when the plan is invalid or does not fit). */
  lowerBoundS: number;
  /** Closed-form step time (s; NaN when not screened). */
  screenStepS: number;
  screenMfu: number;
  /** Full-DES step time and MFU (NaN unless simulated). */
  desStepS: number;
  desMfu: number;
  /** The DES breakdown's largest category other than compute (empty unless simulated). */
  limiter: string;
  /** `--set` overrides that make the scenario this plan. */
  sets: string[];
}

export interface SearchOptions {
  /** Plans simulated by the full DES after screening (the best by closed-form step time). */
  top: number;
  /** Screened plans kept beyond `top` (shown as the next best); the pruning keeps top + this exact. */
  alsoScreened?: number;
  constraints: readonly Constraint[];
  /** Worker threads for the DES runs (default: one per core). */
  threads?: number;
  seed: number;
  steps: number;
  /** Progress of the screening (plans done of total) and of the DES runs. */
  onScreened?: (done: number, total: number) => void;
  desProgress?: RunPointsOptions["progress"];
}

export interface SearchResult {
  scenario: string;
  cards: number;
  globalBatchSize: number;
  /** Every enumerated plan: the simulated ones first (by DES step time), then the screened (by closed-form step time), then the rest. */
  rows: PlanRow[];
  counts: Record<PlanStatus, number> & { enumerated: number };
  /**
   * Wall seconds of pass 1 (constraints, plan-check, memory and the lower bound of every candidate),
   * pass 2 (the closed-form screens) and the DES runs: for stderr and benchmarks, never in the
   * deterministic output.
   */
  timing: { boundSeconds: number; screenSeconds: number; desSeconds: number };
}

/**
 * `clustersim plan SCENARIO --search`: enumerate the plans of the scenario's
 * model on its cluster and global batch, reject those plan-check or the
 * memory model rejects, screen the rest with the closed-form tier
 * (screenPlan: the compiled step and its task graph without the event
 * simulation), and run the `top` best through the full DES on worker
 * threads. Deterministic: same scenario, sets and options give the same rows.
 */
export async function searchPlans(
  scenarioPath: string,
  userSets: readonly string[],
  scenario: ScenarioSpec,
  opts: SearchOptions,
): Promise<SearchResult> {
  const model = resolveModel(scenario.model);
  const cluster = buildCluster(scenario.topology);
  const base = scenario.parallel;
  const sim = new Simulator();
  const runner = new CollectiveRunner(sim, cluster, clusterNetwork(sim, cluster), {
    granularity: scenario.collectives.granularity,
    nvls: scenario.collectives.nvls,
  });
  const predict = sharedPredictor(runner);
  const usableBytes = cluster.accelerator.hbmBytes * (1 - HBM_RESERVE_FRACTION);
  const peak = cluster.accelerator.peakFlopsPerS[base.precision] ?? cluster.accelerator.peakFlopsPerS.bf16;
  const tokensPerStep = base.globalBatchSize * model.seqLength;
  const mfuOf = (stepS: number) => (modelFlopsPerToken(model) * tokensPerStep) / (stepS * cluster.cards * peak);

  const candidates = enumerateCandidates(model, cluster.cards, base.globalBatchSize, base.stageLayers);
  const rows: PlanRow[] = [];
  const t0 = performance.now();
  // Pass 1: constraints, plan-check, memory and the lower bound, for every candidate.
  const boundCache = new Map<string, { forwardS: number; backwardS: number }>();
  const viable: { row: PlanRow; plan: ResolvedPlan }[] = [];
  for (const candidate of candidates) {
    const row: PlanRow = {
      candidate,
      status: "pruned",
      reason: "",
      memoryBytes: Number.NaN,
      lowerBoundS: Number.NaN,
      screenStepS: Number.NaN,
      screenMfu: Number.NaN,
      desStepS: Number.NaN,
      desMfu: Number.NaN,
      limiter: "",
      sets: candidateSets(base, candidate, model.layers),
    };
    rows.push(row);
    const failed = opts.constraints.find((c) => !satisfies(candidate, c));
    if (failed !== undefined) {
      row.status = "excluded";
      row.reason = `constraint ${failed.text}`;
      continue;
    }
    const planSpec = applyCandidate(base, candidate, model.layers);
    const error = checkPlan(model, planSpec, cluster.cards, cluster.scaleUpDomainCards, {
      accelerator: cluster.accelerator,
    }).find((x) => x.severity === "error");
    if (error !== undefined) {
      row.status = "invalid";
      row.reason = `${error.path}: ${error.message}`;
      continue;
    }
    const plan = resolvePlan(planSpec);
    const mem = peakMemoryPerCard(model, plan);
    row.memoryBytes = mem.breakdown.totalBytes;
    if (mem.breakdown.totalBytes > usableBytes) {
      row.status = "out-of-memory";
      row.reason = `stage ${mem.stage} needs ${(mem.breakdown.totalBytes / 1e9).toFixed(1)} GB of ${(usableBytes / 1e9).toFixed(1)} GB usable`;
      continue;
    }
    row.lowerBoundS = stepLowerBoundS(model, plan, cluster, predict, boundCache);
    viable.push({ row, plan });
  }
  const boundSeconds = (performance.now() - t0) / 1000;
  // Pass 2: screen in order of the bound until the bound passes the keep-th best screened time.
  const keep = Math.max(1, opts.top + (opts.alsoScreened ?? 10));
  const order = viable.map((v, i) => ({ ...v, i })).sort((a, b) => a.row.lowerBoundS - b.row.lowerBoundS || a.i - b.i);
  const kept: number[] = []; // the keep smallest screened times, ascending
  let screenedCount = 0;
  for (const { row, plan } of order) {
    const threshold = kept.length < keep ? Number.POSITIVE_INFINITY : (kept[keep - 1] as number);
    // Summation order differs from the screen's: a relative margin keeps the bound a bound.
    if (row.lowerBoundS * (1 - 1e-9) > threshold) {
      row.reason = `lower bound ${row.lowerBoundS.toFixed(3)} s above the ${keep}th best screened ${threshold.toFixed(3)} s`;
      continue;
    }
    const est = screenPlan(model, plan, cluster, predict);
    row.status = "screened";
    row.screenStepS = est.stepS;
    row.screenMfu = mfuOf(est.stepS);
    const at = kept.findIndex((x) => x > est.stepS);
    kept.splice(at < 0 ? kept.length : at, 0, est.stepS);
    if (kept.length > keep) kept.length = keep;
    opts.onScreened?.(++screenedCount, order.length);
  }
  opts.onScreened?.(order.length, order.length);
  const screenSeconds = (performance.now() - t0) / 1000 - boundSeconds;

  const screened = rows.filter((r) => r.status === "screened").sort((a, b) => a.screenStepS - b.screenStepS);
  // The DES budget goes to distinct plans: a plan that differs from one already picked only in its
  // recomputation, with the same screened step time and memory to the bit, compiles to the same step
  // (with flash attention, selective recomputation adds nothing the step model times), so it is not
  // simulated again; the CSV says which plan it matches.
  const best: PlanRow[] = [];
  for (const r of screened) {
    const twin = best.find((b) => isRecomputeTwin(b, r));
    if (twin !== undefined) {
      r.reason = `same screened step and memory as ${describePlan(twin.candidate)} (differs only in recompute); not simulated again`;
    } else if (best.length < Math.max(0, opts.top)) best.push(r);
    else if (r.screenStepS > (best[best.length - 1] as PlanRow).screenStepS) break;
  }
  const t1 = performance.now();
  const results = await runPoints(
    best.map((r) => ({ scenarioPath, sets: [...userSets, ...r.sets], seed: opts.seed, steps: opts.steps })),
    {
      ...(opts.threads === undefined ? {} : { threads: opts.threads }),
      ...(opts.desProgress ? { progress: opts.desProgress } : {}),
    },
  );
  const desSeconds = (performance.now() - t1) / 1000;
  best.forEach((row, k) => {
    const r = results[k];
    row.status = "simulated";
    if (r === undefined || !r.ok) {
      row.reason = `DES: ${r === undefined ? "no result" : r.error}`;
      return;
    }
    row.desStepS = r.metrics.stepTimeSeconds as number;
    row.desMfu = r.metrics.mfu as number;
    row.limiter = limiterOf(breakdownOf(r.metrics));
  });

  const rankOrder: Record<PlanStatus, number> = {
    simulated: 0,
    screened: 1,
    pruned: 2,
    "out-of-memory": 3,
    invalid: 4,
    excluded: 5,
  };
  const index = new Map(rows.map((r, i) => [r, i]));
  const key = (r: PlanRow) =>
    r.status === "simulated" ? (Number.isNaN(r.desStepS) ? Infinity : r.desStepS) : r.screenStepS;
  const sorted = [...rows].sort(
    (a, b) =>
      rankOrder[a.status] - rankOrder[b.status] ||
      (a.status === "simulated" || a.status === "screened" ? key(a) - key(b) : 0) ||
      (a.status === "pruned" ? a.lowerBoundS - b.lowerBoundS : 0) ||
      (index.get(a) as number) - (index.get(b) as number),
  );
  const counts = {
    enumerated: rows.length,
    simulated: 0,
    screened: 0,
    pruned: 0,
    excluded: 0,
    invalid: 0,
    "out-of-memory": 0,
  };
  for (const r of rows) counts[r.status]++;
  return {
    scenario: scenarioPath,
    cards: cluster.cards,
    globalBatchSize: base.globalBatchSize,
    rows: sorted,
    counts,
    timing: { boundSeconds, screenSeconds, desSeconds },
  };
}

/** Same plan but for recomputation, with bit-equal screened step time and memory. */
function isRecomputeTwin(a: PlanRow, b: PlanRow): boolean {
  const x = a.candidate;
  const y = b.candidate;
  return (
    x.recompute !== y.recompute &&
    x.tp === y.tp &&
    x.pp === y.pp &&
    x.dp === y.dp &&
    x.cp === y.cp &&
    x.ep === y.ep &&
    x.virtualStages === y.virtualStages &&
    x.microBatchSize === y.microBatchSize &&
    x.zeroStage === y.zeroStage &&
    a.screenStepS === b.screenStepS &&
    a.memoryBytes === b.memoryBytes
  );
}

/** A plan in one line, for reasons: `tp 4 pp 16 dp 8 cp 2 ep 1 v 6 mbs 1 recompute none zero 2`. */
export function describePlan(c: Candidate): string {
  return `tp ${c.tp} pp ${c.pp} dp ${c.dp} cp ${c.cp} ep ${c.ep} v ${c.virtualStages} mbs ${c.microBatchSize} recompute ${c.recompute} zero ${c.zeroStage}`;
}

/** The largest time category other than compute (what limits the step beyond the arithmetic). */
export function limiterOf(breakdown: Record<string, number>): string {
  let best = "";
  let bestS = 0;
  for (const [k, s] of Object.entries(breakdown)) {
    if (k === "compute" || !(s > bestS)) continue;
    best = k;
    bestS = s;
  }
  return best;
}
