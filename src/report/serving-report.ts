import type { SolveResult } from "../claims/solve.js";
import { fmtNum } from "../claims/solve.js";
import type { ClassMetrics } from "../metrics/serving-metrics.js";
import type { SeedSummary } from "../scenario/run-report.js";
import type { RunOk } from "../scenario/types.js";
import { csvLine } from "../sweep/csv.js";
import type { KvCapacity } from "../workload/serving/deployment-memory.js";
import { formatMetric, formatRate, formatSeconds, pct } from "./format-metric.js";
import { textTable } from "./text-table.js";

/**
 * Reports of a serving run (`clustersim run` on a scenario with a `serving:`
 * block): the text report, the documented JSON object, the per-request CSV,
 * and the `--solve` summary. Input: the RunOk of runServingScenario
 * (src/scenario/run-serving.ts), whose metric keys are
 * src/scenario/serving-metric-columns.ts.
 */

/** Per-request arrays of `details.requests` (present with keepRequests). */
export interface ServingRequests {
  arrivalS: number[];
  firstTokenS: number[];
  finishS: number[];
  inputTokens: number[];
  outputTokens: number[];
  preemptions: number[];
  instance: number[];
}

interface Deployment {
  /** Disaggregated: the decode pool (the fields above are the prefill pool's). */
  decode?: {
    instances: number;
    tp: number;
    pp: number;
    cardsPerInstance: number;
    firstCard: number;
    accelerator?: string;
    expertParallel?: ExpertParallelDetails;
  };
  expertParallel?: ExpertParallelDetails;
  instances: number;
  tp: number;
  pp: number;
  cardsPerInstance: number;
  weights: string;
  activations: string;
  kvCache: string;
}

/** The memory a serving run reports (details.memory): the KV capacity less its per-instance totals. */
/** Words for the time shares of run-serving.ts (IterationAccount.timeShares). */
const TIME_SHARE_NAMES: Record<string, string> = {
  compute: "compute-bound kernels",
  memory: "memory-bound kernels",
  epComm: "EP all-to-alls (exposed)",
  tpComm: "TP communication",
  ppComm: "PP sends",
  overhead: "host overhead",
  straggler: "stragglers",
};

/** A pool's expert parallelism as run-serving.ts reports it. */
interface ExpertParallelDetails {
  ep: number;
  dataParallelGroups: number;
  redundantExperts: number;
  maxNodesPerToken: number | null;
  dispatchMode: string;
  dispatchPrecision: string;
  twoBatchOverlap: boolean;
}

/** "TP 2 PP 1", or "EP 144: attention DP 144 x TP 1, 32 redundant experts, ..." with expert parallelism. */
function parallelism(p: { tp: number; pp: number; expertParallel?: ExpertParallelDetails }): string {
  const ep = p.expertParallel;
  if (!ep) return `TP ${p.tp} PP ${p.pp}`;
  const parts = [`EP ${ep.ep}: attention DP ${ep.dataParallelGroups} x TP ${p.tp}`];
  if (ep.redundantExperts > 0) parts.push(`${ep.redundantExperts} redundant experts`);
  if (ep.maxNodesPerToken !== null) parts.push(`<= ${ep.maxNodesPerToken} nodes per token`);
  parts.push(`${ep.dispatchPrecision} ${ep.dispatchMode} dispatch`);
  if (ep.twoBatchOverlap) parts.push("two-batch overlap");
  return parts.join(", ");
}

type Memory = Omit<KvCapacity, "kvBytesPerTokenPerInstance" | "blocksPerInstance">;

interface Slo {
  ttftS: number;
  tpotS: number;
  percentile: number;
}

const num = (m: Record<string, number>, k: string): number => m[k] ?? Number.NaN;
const gb = (b: number) => (Number.isFinite(b) ? `${(b / 1e9).toFixed(1)} GB` : "n/a");
const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");

/** A limit for a person: 2 s, 200 ms. */
function compactSeconds(x: number): string {
  return x < 1 ? `${Number((x * 1000).toPrecision(4))} ms` : `${Number(x.toPrecision(4))} s`;
}

/** Whether the run's offered load exceeded capacity (its latency percentiles are not steady-state). */
export function isOverloaded(r: RunOk): boolean {
  return r.metrics.overloaded === 1;
}

/**
 * "linear 48.1% · attentionDecode 21.0% · ...": each part's share of a pool's
 * iteration seconds, largest first, parts under 0.5% left out.
 */
function iterationShares(seconds: Record<string, number>): string {
  const total = Object.values(seconds).reduce((a, b) => a + b, 0);
  if (!(total > 0)) return "";
  return Object.entries(seconds)
    .map(([k, s]) => [k, s / total] as const)
    .filter(([, f]) => f >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([k, f]) => `${k} ${pct(f)}`)
    .join(" · ");
}

/** The four statistics of a latency metric family (ttft, tpot, e2e), in seconds. */
function latency(m: Record<string, number>, prefix: string) {
  return {
    mean: num(m, `${prefix}MeanSeconds`),
    p50: num(m, `${prefix}P50Seconds`),
    p90: num(m, `${prefix}P90Seconds`),
    p99: num(m, `${prefix}P99Seconds`),
  };
}

/** The text report of a serving run; with several seeds, CIs of the headline metrics follow. */
export function servingRunText(r: RunOk, summary?: SeedSummary): string[] {
  const m = r.metrics;
  const d = r.details;
  const dep = d.deployment as Deployment | undefined;
  const mem = d.memory as Memory | undefined;
  const slo = d.slo as Slo | undefined;
  const overloaded = isOverloaded(r);
  const verdict = String(d.verdict ?? (overloaded ? "overloaded" : "stable"));
  const dc = (d.deployment as Deployment | undefined)?.decode;
  const p0 = d.deployment as Deployment | undefined;
  const cardsText =
    dc?.accelerator && p0 && dc.accelerator !== d.accelerator
      ? `${int(p0.instances * p0.cardsPerInstance)} x ${d.accelerator} + ${int(dc.instances * dc.cardsPerInstance)} x ${dc.accelerator}`
      : `${int(num(m, "cards"))} x ${d.accelerator}`;
  const lines = [`${d.scenario}: ${d.model} on ${cardsText} (${d.cluster})`];
  if (dep) {
    lines.push(
      `deployment       ${dep.decode ? "prefill " : ""}${dep.instances} instance${dep.instances === 1 ? "" : "s"} x (${parallelism(dep)} = ${dep.cardsPerInstance} card${dep.cardsPerInstance === 1 ? "" : "s"}); weights ${dep.weights}, activations ${dep.activations}, KV cache ${dep.kvCache}`,
    );
    if (dep.decode) {
      const dc = dep.decode;
      lines.push(
        `                 decode ${dc.instances} instance${dc.instances === 1 ? "" : "s"} x (${parallelism(dc)} = ${dc.cardsPerInstance} card${dc.cardsPerInstance === 1 ? "" : "s"})${dc.accelerator && dc.accelerator !== d.accelerator ? ` of ${dc.accelerator}` : ""} from card ${dc.firstCard}; KV caches move over the network`,
      );
    }
  }
  // An overloaded run: the verdict comes first, loudly, and the latencies are marked as not meaningful.
  if (overloaded) lines.push(`OVERLOADED       ${verdict}`);
  else lines.push(`verdict          ${verdict}`);
  lines.push(
    `requests         ${int(num(m, "requests"))} measured, ${formatRate(num(m, "requestsPerSecond"))} req/s`,
    `throughput       input ${formatRate(num(m, "inputTokensPerSecond"))} tok/s, output ${formatRate(num(m, "outputTokensPerSecond"))} tok/s, ${formatRate(num(m, "outputTokensPerSecondPerCard"))} output tok/s per card`,
  );
  const caveat = overloaded ? " (NOT steady-state: queue growing)" : "";
  const rows = (
    [
      ["TTFT", "ttft"],
      ["TPOT", "tpot"],
      ["E2E", "e2e"],
    ] as const
  ).map(([label, prefix]) => {
    const l = latency(m, prefix);
    return [label, formatSeconds(l.mean), formatSeconds(l.p50), formatSeconds(l.p90), formatSeconds(l.p99)];
  });
  lines.push(...textTable([`latency${caveat}`, "mean", "p50", "p90", "p99"], rows, [1, 2, 3, 4]).map((l) => `  ${l}`));
  const limits = slo
    ? `TTFT <= ${compactSeconds(slo.ttftS)} and TPOT <= ${compactSeconds(slo.tpotS)} at p${slo.percentile}`
    : "the SLOs";
  const ratio = num(m, "sloRatio");
  lines.push(
    `SLO              ${limits}: ratio ${Number.isFinite(ratio) ? ratio.toFixed(3) : "n/a"} (${overloaded ? "NOT met: overloaded, the queue grows" : ratio <= 1 ? "met" : "NOT met"}; <= 1 meets both)${caveat}`,
    `                 attainment ${pct(num(m, "sloAttainment"))} of requests, goodput ${formatRate(num(m, "goodputRequestsPerSecond"))} req/s`,
    `batch            ${Number.isFinite(num(m, "meanBatchSize")) ? num(m, "meanBatchSize").toFixed(1) : "n/a"} sequences per iteration (mean)`,
    `KV cache         ${pct(num(m, "kvCacheUtilizationMean"))} used on average, ${pct(num(m, "kvCacheUtilizationMax"))} at most; ${int(num(m, "preemptions"))} preemption${num(m, "preemptions") === 1 ? "" : "s"}`,
  );
  const busyOf = (k: string) => pct(num(m, k));
  if ("busyFraction" in m) lines.push(`busy             instances in iterations ${busyOf("busyFraction")} of the time`);
  if ("prefillBusyFraction" in m) {
    lines.push(
      `busy             prefill instances ${busyOf("prefillBusyFraction")}, decode instances ${busyOf("decodeBusyFraction")} of the time`,
    );
  }
  const parts = d.iterationSeconds as Record<string, Record<string, number>> | undefined;
  for (const [pool, seconds] of Object.entries(parts ?? {})) {
    const line = iterationShares(seconds);
    if (line) lines.push(`${pool === "all" ? "iteration time  " : `${pool.padEnd(7)} time    `} ${line}`);
  }
  const shares = [
    ["allToAllShare", ""],
    ["prefillAllToAllShare", "prefill "],
    ["decodeAllToAllShare", "decode "],
  ].filter(([k]) => k !== undefined && k in m);
  if (shares.length > 0) {
    lines.push(
      `all-to-all       ${shares.map(([k, pool]) => `${pool}${pct(num(m, k as string))}`).join(", ")} of iteration time in expert all-to-alls (hidden behind compute or not; epComm above is the part not hidden)`,
    );
  }
  const goes = d.timeShares as Record<string, Record<string, number>> | undefined;
  for (const [pool, shares] of Object.entries(goes ?? {})) {
    const parts = Object.entries(shares)
      .filter(([, v]) => Number.isFinite(v) && v >= 0.0005)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${TIME_SHARE_NAMES[k] ?? k} ${pct(v)}`);
    if (parts.length > 0)
      lines.push(`${pool === "all" ? "time goes to    " : `${pool.padEnd(7)} goes to `} ${parts.join(" · ")}`);
  }
  if ("kvTransferMeanSeconds" in m) {
    const mean = num(m, "kvTransferMeanSeconds");
    lines.push(
      Number.isFinite(mean)
        ? `KV transfer      prefill to decode pool: mean ${formatSeconds(mean)}, p99 ${formatSeconds(num(m, "kvTransferP99Seconds"))} (on the network; TTFT is at the prefill, before it)`
        : "KV transfer      none (every measured request finished at its prefill)",
    );
  }
  const classes = d.classes as Record<string, ClassMetrics> | undefined;
  if (classes) {
    lines.push(`prefix cache     ${pct(num(m, "prefixHitTokenFraction"))} of prompt tokens served from it`);
    const rows = Object.entries(classes).map(([name, c]) => [
      name,
      int(c.requests),
      formatSeconds(c.ttftSeconds.p50),
      formatSeconds(c.ttftSeconds.p99),
      pct(c.prefixHitTokenFraction),
    ]);
    lines.push(
      ...textTable(["class", "requests", "TTFT p50", "TTFT p99", "prefix hits"], rows, [1, 2, 3, 4]).map(
        (l) => `  ${l}`,
      ),
    );
  }
  if (mem) {
    lines.push(
      `memory per card  weights ${gb(mem.weightsBytesPerCard)}, workspace ${gb(mem.workspaceBytesPerCard)}, KV cache ${gb(mem.kvCacheBytesPerCard)} (of ${gb(mem.hbmBytes)}, ${gb(mem.usableBytes)} usable); KV capacity ${int(mem.kvCapacityTokensPerInstance)} tokens per instance`,
    );
  }
  if (summary && Object.keys(summary.metrics).length > 0) {
    lines.push(`across ${summary.seeds.length} seeds (mean ± 95% CI):`);
    for (const [k, s] of Object.entries(summary.metrics)) {
      const f = (x: number) => formatMetric(k, x);
      lines.push(`  ${k.padEnd(22)} ${f(s.mean)} ± ${f(s.halfWidth).replace(/%$/, " pp")}`);
    }
  }
  for (const w of (d.warnings as string[] | undefined) ?? []) lines.push(`warning: ${w}`);
  return lines;
}

/**
 * The JSON object of `run --json` on a serving scenario (keys documented in
 * docs/serving.md). Latencies in seconds; NaN (undefined, e.g. TPOT of
 * single-token outputs) becomes null.
 */
export function servingRunJson(
  scenario: string,
  seed: number,
  r: RunOk,
  summary?: SeedSummary,
): Record<string, unknown> {
  const m = r.metrics;
  const d = r.details;
  return {
    kind: "serving",
    scenario,
    seed,
    cards: num(m, "cards"),
    instances: num(m, "instances"),
    requests: num(m, "requests"),
    requestsPerSecond: num(m, "requestsPerSecond"),
    inputTokensPerSecond: num(m, "inputTokensPerSecond"),
    outputTokensPerSecond: num(m, "outputTokensPerSecond"),
    outputTokensPerSecondPerCard: num(m, "outputTokensPerSecondPerCard"),
    ttftSeconds: latency(m, "ttft"),
    tpotSeconds: latency(m, "tpot"),
    e2eSeconds: latency(m, "e2e"),
    sloAttainment: num(m, "sloAttainment"),
    goodputRequestsPerSecond: num(m, "goodputRequestsPerSecond"),
    sloRatio: num(m, "sloRatio"),
    meanBatchSize: num(m, "meanBatchSize"),
    kvCacheUtilization: { mean: num(m, "kvCacheUtilizationMean"), max: num(m, "kvCacheUtilizationMax") },
    preemptions: num(m, "preemptions"),
    prefixHitTokenFraction: num(m, "prefixHitTokenFraction"),
    ...(d.classes ? { classes: d.classes } : {}),
    ...("kvTransferMeanSeconds" in m
      ? { kvTransferSeconds: { mean: num(m, "kvTransferMeanSeconds"), p99: num(m, "kvTransferP99Seconds") } }
      : {}),
    ...("busyFraction" in m ? { busyFraction: num(m, "busyFraction") } : {}),
    ...("prefillBusyFraction" in m
      ? { busyFraction: { prefill: num(m, "prefillBusyFraction"), decode: num(m, "decodeBusyFraction") } }
      : {}),
    ...("decodeOutputTokensPerSecondPerCard" in m
      ? { decodeOutputTokensPerSecondPerCard: num(m, "decodeOutputTokensPerSecondPerCard") }
      : {}),
    ...("allToAllShare" in m ? { allToAllShare: num(m, "allToAllShare") } : {}),
    ...("prefillAllToAllShare" in m || "decodeAllToAllShare" in m
      ? {
          allToAllShare: {
            prefill: "prefillAllToAllShare" in m ? num(m, "prefillAllToAllShare") : null,
            decode: "decodeAllToAllShare" in m ? num(m, "decodeAllToAllShare") : null,
          },
        }
      : {}),
    iterationSeconds: d.iterationSeconds ?? null,
    timeShares: d.timeShares ?? null,
    overloaded: isOverloaded(r),
    verdict: d.verdict ?? null,
    memory: d.memory ?? null,
    deployment: d.deployment ?? null,
    slo: d.slo ?? null,
    warnings: d.warnings ?? [],
    ...(summary ? { seeds: summary } : {}),
  };
}

/** Header of `run --requests-csv`. */
export const REQUESTS_CSV_HEADER = [
  "request",
  "instance",
  "arrival_s",
  "first_token_s",
  "finish_s",
  "input_tokens",
  "output_tokens",
  "preemptions",
] as const;

/**
 * The per-request CSV (RFC 4180, CRLF): one row per measured request, in the
 * order of the arrays (`request` is the row's index), numbers as String(x) so
 * the same seed gives a byte-identical file.
 */
export function requestsCsv(q: ServingRequests): string {
  const n = q.arrivalS.length;
  const cols = [q.instance, q.arrivalS, q.firstTokenS, q.finishS, q.inputTokens, q.outputTokens, q.preemptions];
  const bad = cols.find((c) => !Array.isArray(c) || c.length !== n);
  if (bad) throw new RangeError(`requests: every per-request array must have ${n} entries`);
  const lines = [csvLine(REQUESTS_CSV_HEADER)];
  for (let i = 0; i < n; i++) lines.push(csvLine([String(i), ...cols.map((c) => String(c[i]))]));
  return lines.join("");
}

/** The text of `run --solve`: the summary, then one line per probe (value, verdict, metric). */
export function solveText(s: SolveResult, metric: string): string[] {
  const rows = s.probes.map((p) => [
    fmtNum(p.value),
    p.reason ? "n/a" : p.holds ? "holds" : "fails",
    p.metric !== undefined ? formatMetric(metric, p.metric) : "",
    (p.reason ?? p.note ?? "").split("\n")[0] ?? "",
  ]);
  return [`solve: ${s.summary}`, ...textTable([s.field, "target", metric, "note"], rows, [0, 2]).map((l) => `  ${l}`)];
}
