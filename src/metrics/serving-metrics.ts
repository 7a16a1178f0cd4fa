import type { ServingSimOutcome } from "../workload/serving/serving-sim.js";
import type { SloSpec } from "../workload/serving/serving-spec.js";

/** Mean and percentiles of one latency, seconds. */
export interface LatencySummary {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/**
 * Percentile of an ascending-sorted array by linear interpolation between
 * order statistics (numpy's default; the same definition as stats.percentile).
 */
export function sortedPercentile(sorted: Float64Array, pct: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = ((sorted.length - 1) * pct) / 100;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  if (lo + 1 >= sorted.length) return a;
  return a + (h - lo) * ((sorted[lo + 1] as number) - a);
}

function summary(values: Float64Array): LatencySummary {
  const sorted = values.slice().sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
    p50: sortedPercentile(sorted, 50),
    p90: sortedPercentile(sorted, 90),
    p99: sortedPercentile(sorted, 99),
  };
}

/**
 * The measured requests, ids first <= id < end: all but the first `warmup` (the system filling
 * up) and the last `cooldown` (arrivals have stopped and the system drains) by arrival.
 */
export function measuredRequests(count: number, warmup: number, cooldown: number): { first: number; end: number } {
  const first = Math.min(warmup, count);
  return { first, end: Math.max(first, count - cooldown) };
}

export interface ServingMetrics {
  metrics: Record<string, number>;
  verdict: string;
}

/**
 * The headline metrics of a serving run (keys: src/scenario/serving-metric-columns.ts).
 * Requests with warmupRequests <= id < count − cooldownRequests are measured
 * (measuredRequests). Rates: all measured
 * requests over first measured arrival to last finish (offline: the
 * makespan, as trtllm-bench reports it); for open-loop rate-driven traffic,
 * the work done inside the arrival window (first measured arrival to last
 * arrival: output tokens as produced, requests as the share of their output
 * produced) instead, when that gives more output tokens per second (the
 * drain after the last arrival dilutes the first estimate; start-up dilutes
 * the second); a closed loop the same way, its last arrival being the last
 * request issued. With cooldown requests, the window ends at the last measured
 * request's arrival.
 * Overload (open-loop rate-driven traffic only): the queue of requests not yet
 * admitted grows over the arrival window — its time-average over the second
 * half exceeds 1.5 × that of the first half plus one request, and at the last
 * arrival more requests than instances are queued.
 */
export function servingMetrics(opts: {
  outcome: ServingSimOutcome;
  warmupRequests: number;
  /** The last requests (by arrival) left out of the statistics: they see the load drain after arrivals stop. Default 0. */
  cooldownRequests?: number;
  cards: number;
  instances: number;
  slo: SloSpec;
  rateDriven: boolean;
  /**
   * Closed loop: measure the rates, like rate-driven traffic, over the work done while requests were
   * still being issued (first measured arrival to the last request's arrival), when that gives more:
   * the drain after the last request, which grows with the fleet (its longest request), is not the
   * fleet's rate.
   */
  closedLoop?: boolean;
  kvBlocksPerInstance: number;
}): ServingMetrics {
  const { outcome: o, slo } = opts;
  const s = o.requests;
  const { first, end } = measuredRequests(s.count, opts.warmupRequests, opts.cooldownRequests ?? 0);
  const n = end - first;
  const ttft = new Float64Array(n);
  const e2e = new Float64Array(n);
  const tpotAll = new Float64Array(n);
  let tpotCount = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let met = 0;
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = 0;
  let preemptions = 0;
  let prefixHitTokens = 0;
  for (let r = 0; r < s.count; r++) preemptions += s.preemptions[r] as number;
  for (let k = 0; k < n; k++) {
    const r = first + k;
    const a = s.arrivalS[r] as number;
    const f = s.finishS[r] as number;
    const ft = s.firstTokenS[r] as number;
    const out = s.outputTokens[r] as number;
    ttft[k] = ft - a;
    e2e[k] = f - a;
    if (out > 1) tpotAll[tpotCount++] = (f - ft) / (out - 1);
    if (meetsSlo(s, r, slo)) met++;
    inputTokens += s.inputTokens[r] as number;
    prefixHitTokens += Math.max(0, s.prefixHitTokens[r] as number);
    outputTokens += out;
    if (a < windowStart) windowStart = a;
    if (f > windowEnd) windowEnd = f;
  }
  // Open-loop rate-driven traffic: rates over the arrival window (completions inside it), so the
  // drain after the last arrival does not dilute them; offline and closed loop: first arrival to last finish.
  let windowS = n > 0 ? windowEnd - windowStart : Number.NaN;
  let counted = { requests: n, inputTokens, outputTokens, met };
  const lastArrival = n > 0 ? (s.arrivalS[end - 1] as number) : 0;
  if ((opts.rateDriven || opts.closedLoop === true) && n > 1 && lastArrival > windowStart) {
    // Work done inside the arrival window [windowStart, lastArrival] by every request, measured or
    // not (warm-up requests still running in it, cool-down requests that began in it): each request's
    // output tokens counted as produced (the first at its first token, the rest evenly until it
    // finishes); a request counts as the share of its output produced, and so do its prompt tokens.
    // Unlike completions, this does not depend on when the long requests of the tail finish, and it
    // is the fleet's rate in the window, not the part of it that the measured requests made.
    const inWindow = { requests: 0, inputTokens: 0, outputTokens: 0, met: 0 };
    for (let r = 0; r < s.count; r++) {
      const ft = s.firstTokenS[r] as number;
      const f = s.finishS[r] as number;
      if (f < windowStart || (s.arrivalS[r] as number) > lastArrival) continue;
      const out = s.outputTokens[r] as number;
      let produced = ft >= windowStart && ft <= lastArrival ? 1 : 0;
      if (out > 1 && f > ft) {
        const overlap = Math.max(0, Math.min(f, lastArrival) - Math.max(ft, windowStart));
        produced += ((out - 1) * overlap) / (f - ft);
      }
      const share = produced / out;
      inWindow.requests += share;
      inWindow.outputTokens += produced;
      inWindow.inputTokens += share * (s.inputTokens[r] as number);
      if (meetsSlo(s, r, slo)) inWindow.met += share;
    }
    // Each estimate is biased low by a transient: the whole run by the drain after the last
    // arrival, the arrival window by the start-up (an arrival window shorter than one request's
    // service holds almost no work). Report the larger.
    const arrivalWindowS = lastArrival - windowStart;
    if (inWindow.outputTokens / arrivalWindowS > outputTokens / windowS) {
      windowS = arrivalWindowS;
      counted = inWindow;
    }
  }

  const t = summary(ttft);
  const p = summary(tpotAll.subarray(0, tpotCount));
  const e = summary(e2e);
  const ttftAtPct = sortedPercentile(ttft.slice().sort(), slo.percentile);
  const tpotAtPct = tpotCount > 0 ? sortedPercentile(tpotAll.slice(0, tpotCount).sort(), slo.percentile) : 0;
  const sloRatio = Math.max(ttftAtPct / slo.ttftS, tpotAtPct / slo.tpotS);
  const half = o.arrivalWindowS / 2;
  const q1 = half > 0 ? o.queuedFirstHalf / half : 0;
  const q2 = half > 0 ? o.queuedSecondHalf / half : 0;
  const overloaded = opts.rateDriven && q2 > 1.5 * q1 + 1 && o.queuedAtLastArrival > opts.instances;
  const requestsPerSecond = counted.requests / windowS;
  const offered = o.arrivalWindowS > 0 ? s.count / o.arrivalWindowS : Number.NaN;
  const verdict = overloaded
    ? `overloaded: offered ${offered.toFixed(2)} req/s, served ${requestsPerSecond.toFixed(2)} req/s; ${o.queuedAtLastArrival} requests were queued when the last one arrived (queue growing): latency percentiles measure the backlog, not the service`
    : "stable";
  const totalBlocks = opts.kvBlocksPerInstance * opts.instances;
  const metrics: Record<string, number> = {
    cards: opts.cards,
    instances: opts.instances,
    requests: n,
    requestsPerSecond,
    inputTokensPerSecond: counted.inputTokens / windowS,
    outputTokensPerSecond: counted.outputTokens / windowS,
    outputTokensPerSecondPerCard: counted.outputTokens / windowS / opts.cards,
    ttftMeanSeconds: t.mean,
    ttftP50Seconds: t.p50,
    ttftP90Seconds: t.p90,
    ttftP99Seconds: t.p99,
    tpotMeanSeconds: p.mean,
    tpotP50Seconds: p.p50,
    tpotP90Seconds: p.p90,
    tpotP99Seconds: p.p99,
    e2eMeanSeconds: e.mean,
    e2eP50Seconds: e.p50,
    e2eP90Seconds: e.p90,
    e2eP99Seconds: e.p99,
    sloAttainment: n > 0 ? met / n : Number.NaN,
    goodputRequestsPerSecond: counted.met / windowS,
    sloRatio,
    meanBatchSize: o.iterations > 0 ? o.batchSequences / o.iterations : 0,
    kvCacheUtilizationMean: totalBlocks > 0 && o.makespanS > 0 ? o.kvBlockSeconds / (totalBlocks * o.makespanS) : 0,
    kvCacheUtilizationMax: o.kvMaxUtilization,
    preemptions,
    overloaded: overloaded ? 1 : 0,
    prefixHitTokenFraction: inputTokens > 0 ? prefixHitTokens / inputTokens : Number.NaN,
    iterations: o.iterations,
    simulatedSeconds: o.makespanS,
    events: o.events,
  };
  return { metrics, verdict };
}

/** Whether request r met both latency objectives: TTFT, and TPOT where it has more than one output token. */
function meetsSlo(s: ServingSimOutcome["requests"], r: number, slo: SloSpec): boolean {
  const ft = s.firstTokenS[r] as number;
  const out = s.outputTokens[r] as number;
  if (ft - (s.arrivalS[r] as number) > slo.ttftS) return false;
  return out <= 1 || ((s.finishS[r] as number) - ft) / (out - 1) <= slo.tpotS;
}

/** The results of one request class (details.classes.<name>). */
export interface ClassMetrics {
  /** Measured requests of the class. */
  requests: number;
  ttftSeconds: { mean: number; p50: number; p99: number };
  /** Prompt tokens served from the prefix cache / prompt tokens, over the class's measured requests. */
  prefixHitTokenFraction: number;
}

/**
 * Per request class (traffic.classes, by name, in their order): the measured
 * requests (measuredRequests) of each class, their time to first token
 * and their prefix-cache hit tokens over their prompt tokens.
 */
export function classMetrics(
  s: ServingSimOutcome["requests"],
  warmupRequests: number,
  cooldownRequests: number,
  classes: readonly { name: string }[],
): Record<string, ClassMetrics> {
  const ttft: number[][] = classes.map(() => []);
  const hit = classes.map(() => 0);
  const input = classes.map(() => 0);
  const { first, end } = measuredRequests(s.count, warmupRequests, cooldownRequests);
  for (let r = first; r < end; r++) {
    const c = s.requestClass[r] as number;
    const times = ttft[c];
    if (times === undefined) continue;
    times.push((s.firstTokenS[r] as number) - (s.arrivalS[r] as number));
    hit[c] = (hit[c] as number) + Math.max(0, s.prefixHitTokens[r] as number);
    input[c] = (input[c] as number) + (s.inputTokens[r] as number);
  }
  const out: Record<string, ClassMetrics> = {};
  classes.forEach((cls, c) => {
    const t = summary(Float64Array.from(ttft[c] as number[]));
    const tokens = input[c] as number;
    out[cls.name] = {
      requests: (ttft[c] as number[]).length,
      ttftSeconds: { mean: t.mean, p50: t.p50, p99: t.p99 },
      prefixHitTokenFraction: tokens > 0 ? (hit[c] as number) / tokens : Number.NaN,
    };
  });
  return out;
}
