import type { CaseOutcome } from "../claims/evaluate.js";
import type { LoadedClaim } from "../claims/load-claim.js";
import { formatMargin, formatMetric, pct } from "./format-metric.js";
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
    `  file ${claim.file}; scenario ${claim.spec.scenario}; ${sizes}; ${steps} step(s), ${seeds} seed(s)`,
  ];
  const boundText = `${bound.op} ${formatMetric(bound.metric, bound.value)}`;
  const rows = outcomes.map((o) => {
    const name = o.name + (o.required && o.name !== "baseline" ? " (required)" : "");
    if (!o.ok) return [name, "-", boundText, verdictOf(o), "-", o.reason.split("\n")[0] ?? ""];
    const ci = Number.isFinite(o.value.halfWidth)
      ? ` ± ${formatMetric(bound.metric, o.value.halfWidth).replace(/%$/, " pp")}`
      : "";
    const loss = o.largestLoss
      ? `${o.largestLoss.category} ${o.lossKind === "efficiency-loss" ? `${(o.largestLoss.value * 100).toFixed(1)} pp` : pct(o.largestLoss.value)}`
      : "-";
    return [
      name,
      formatMetric(bound.metric, o.value.mean) + ci,
      boundText,
      verdictOf(o),
      formatMargin(bound.metric, o.margin),
      loss,
    ];
  });
  const lossHeader = claimLossHeader(outcomes);
  return [
    ...head,
    ...textTable(["variant", bound.metric, "bound", "verdict", "margin", lossHeader], rows, [1, 4]).map(
      (l) => `  ${l}`,
    ),
  ];
}

function claimLossHeader(outcomes: readonly CaseOutcome[]): string {
  const first = outcomes.find((o) => o.ok);
  return first?.ok && first.lossKind === "time-share" ? "largest loss (share of step)" : "largest loss (of efficiency)";
}
