import type { CaseOutcome } from "../claims/evaluate.js";
import type { LoadedClaim } from "../claims/load-claim.js";
import { boundMetricKey, formatMargin, formatMetric, pct } from "./format-metric.js";
import { textTable } from "./text-table.js";

/** Verdict of one case: holds, FAILS (baseline or required), fails (informative variant), or error. */
export function verdictOf(o: CaseOutcome): string {
  if (!o.ok) return o.required ? "ERROR" : "error";
  if (o.holds) return "holds";
  return o.required ? "FAILS" : "fails";
}

/** The verdict table of one claim: variant, value, bound, verdict, margin, largest loss contributor. */
export function verdictTable(claim: LoadedClaim, outcomes: readonly CaseOutcome[]): string[] {
  const { bound, mode, baseCards, targetCards, steps, seeds } = claim.spec;
  const sizes = baseCards
    ? `${baseCards.toLocaleString("en-US")} -> ${targetCards.toLocaleString("en-US")} cards, ${mode} scaling`
    : `${targetCards.toLocaleString("en-US")} cards`;
  const head = [
    `claim: ${claim.spec.statement}`,
    `  file ${claim.file}; scenario ${claim.spec.scenario}; ${sizes}; ${claim.scenario.kind === "serving" ? "serving" : `${steps} step(s)`}, ${seeds} seed(s)`,
  ];
  const key = boundMetricKey(bound);
  const boundText = `${bound.op} ${formatMetric(key, bound.value)}`;
  const rows = outcomes.map((o) => {
    const name = o.name + (o.required && o.name !== "baseline" ? " (required)" : "");
    if (!o.ok) return [name, "-", boundText, verdictOf(o), "-", o.reason.split("\n")[0] ?? ""];
    const ci = Number.isFinite(o.value.halfWidth)
      ? ` ± ${formatMetric(key, o.value.halfWidth).replace(/%$/, " pp")}`
      : "";
    const loss = o.largestLoss
      ? `${o.largestLoss.category} ${o.lossKind === "efficiency-loss" ? `${(o.largestLoss.value * 100).toFixed(1)} pp` : pct(o.largestLoss.value)}`
      : "-";
    return [
      name,
      formatMetric(key, o.value.mean) + ci + ownAndReference(bound.metric, o),
      boundText,
      verdictOf(o),
      formatMargin(key, o.margin),
      loss,
    ];
  });
  const lossHeader = claimLossHeader(outcomes);
  const valueHeader = bound.relative ? `${bound.metric} / ${claim.spec.reference?.name ?? "reference"}` : bound.metric;
  // Serving runs have no step breakdown: the last column holds why a case could not be evaluated or
  // why its verdict is not the bound's comparison alone (overload).
  const serving = claim.scenario.kind === "serving";
  const header = ["variant", valueHeader, "bound", "verdict", "margin", serving ? "note" : lossHeader];
  const cells = serving
    ? rows.map((r, i) => {
        const o = outcomes[i];
        return o?.ok ? [...r.slice(0, 5), o.note ?? ""] : r;
      })
    : rows;
  return [...head, ...textTable(header, cells, [1, 4]).map((l) => `  ${l}`)];
}

/** With a relative bound: the two absolute values the ratio divides, e.g. " (1,234 vs 580 tok/s/card)". */
function ownAndReference(metric: string, o: Extract<CaseOutcome, { ok: true }>): string {
  if (!o.own || !o.reference) return "";
  return ` (${formatMetric(metric, o.own.mean)} vs ${formatMetric(metric, o.reference.value.mean)})`;
}

function claimLossHeader(outcomes: readonly CaseOutcome[]): string {
  const first = outcomes.find((o) => o.ok);
  return first?.ok && first.lossKind === "time-share" ? "largest loss (share of step)" : "largest loss (of efficiency)";
}
