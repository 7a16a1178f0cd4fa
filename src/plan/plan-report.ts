import { stringify } from "csv-stringify/sync";
import { textTable } from "../report/text-table.js";
import type { PlanRow, SearchResult } from "./search.js";

const num = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : "");
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "");
const gb = (x: number) => (Number.isFinite(x) ? (x / 1e9).toFixed(1) : "");

function planCells(r: PlanRow): string[] {
  const c = r.candidate;
  return [
    String(c.tp),
    String(c.pp),
    String(c.dp),
    String(c.cp),
    String(c.ep),
    String(c.virtualStages),
    String(c.microBatchSize),
    c.recompute,
    String(c.zeroStage),
  ];
}

const PLAN_HEADER = ["tp", "pp", "dp", "cp", "ep", "v", "mbs", "recompute", "zero"];

/** The human summary: counts, then the simulated plans ranked by DES step time, then the next screened ones. */
export function searchTable(result: SearchResult, screenedShown = 10): string[] {
  const c = result.counts;
  const lines = [
    `plan search: ${result.scenario}; ${result.cards.toLocaleString("en-US")} cards, global batch ${result.globalBatchSize}`,
    `  ${c.enumerated.toLocaleString("en-US")} plans enumerated: ${c.invalid.toLocaleString("en-US")} invalid, ${c["out-of-memory"].toLocaleString("en-US")} out of memory, ${c.excluded.toLocaleString("en-US")} excluded by constraints; of the ${(c.screened + c.simulated + c.pruned).toLocaleString("en-US")} that run, ${(c.screened + c.simulated).toLocaleString("en-US")} screened in closed form, ${c.pruned.toLocaleString("en-US")} pruned by a lower bound, ${c.simulated} simulated (DES)`,
    "",
  ];
  const simulated = result.rows.filter((r) => r.status === "simulated");
  const rows = simulated.map((r, i) => [
    String(i + 1),
    ...planCells(r),
    gb(r.memoryBytes),
    num(r.screenStepS, 3),
    num(r.desStepS, 3),
    Number.isFinite(r.desStepS) ? `${(((r.screenStepS - r.desStepS) / r.desStepS) * 100).toFixed(1)}%` : "",
    pct(r.desMfu),
    r.limiter || (r.reason ? r.reason.slice(0, 60) : ""),
  ]);
  const right = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14];
  lines.push(
    ...textTable(
      ["rank", ...PLAN_HEADER, "mem GB", "screen s", "DES s", "screen err", "MFU", "limited by"],
      rows,
      right,
    ),
  );
  const twins = result.rows.filter((r) => r.status === "screened" && r.reason.includes("differs only in recompute"));
  if (twins.length > 0) {
    lines.push(
      "",
      `${twins.length} more plan(s) differ from a simulated one only in recompute, with the same screened step time and memory: not simulated again (reason column of --out)`,
    );
  }
  const next = result.rows
    .filter((r) => r.status === "screened" && !r.reason.includes("differs only in recompute"))
    .slice(0, screenedShown);
  if (next.length > 0) {
    lines.push("", `next ${next.length} by closed-form step time (not simulated):`);
    lines.push(
      ...textTable(
        [...PLAN_HEADER, "mem GB", "screen s", "MFU"],
        next.map((r) => [...planCells(r), gb(r.memoryBytes), num(r.screenStepS, 3), pct(r.screenMfu)]),
        [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11],
      ),
    );
  }
  return lines;
}

/** Every enumerated plan as CSV (RFC 4180, CRLF): simulated first, then screened, then the rejected with why. */
export function searchCsv(result: SearchResult): string {
  const header = [
    ...PLAN_HEADER,
    "status",
    "memoryBytes",
    "lowerBoundStepTimeSeconds",
    "screenStepTimeSeconds",
    "screenMfu",
    "desStepTimeSeconds",
    "desMfu",
    "limitedBy",
    "reason",
    "sets",
  ];
  const fmt = (x: number) => (Number.isFinite(x) ? String(x) : "");
  const rows = result.rows.map((r) => [
    ...planCells(r),
    r.status,
    fmt(r.memoryBytes),
    fmt(r.lowerBoundS),
    fmt(r.screenStepS),
    fmt(r.screenMfu),
    fmt(r.desStepS),
    fmt(r.desMfu),
    r.limiter,
    r.reason,
    r.sets.join(" "),
  ]);
  return stringify([header, ...rows], { record_delimiter: "\r\n" });
}
