import type { ScaleRow, ServingScaleRow } from "../claims/scale.js";
import { csvLine } from "../sweep/csv.js";
import { TIME_CATEGORIES } from "../system/ports.js";
import { formatRate, formatSeconds, pct } from "./format-metric.js";
import { textTable } from "./text-table.js";

/** Time categories in display order (the executor's, then idle). */
export const LOSS_CATEGORIES: readonly string[] = [...TIME_CATEGORIES, "idle"];

/** Non-compute categories that have any share in some row (the columns worth showing). */
export function activeCategories(rows: readonly ScaleRow[]): string[] {
  return LOSS_CATEGORIES.filter(
    (c) =>
      c !== "compute" &&
      rows.some((r) => r.ok && ((r.shares[c] ?? 0) > 5e-4 || Math.abs(r.lossContributions[c] ?? 0) > 5e-4)),
  );
}

/** The `scale` table: one row per size; loss columns are each category's share of the step time. */
export function scaleTable(rows: readonly ScaleRow[]): string[] {
  const cats = activeCategories(rows);
  const header = [
    "cards",
    "dp",
    "batch",
    "step s",
    "tokens/s",
    "tok/s/card",
    "efficiency",
    "linearity",
    "MFU",
    ...cats,
  ];
  const body = rows.map((r) => {
    if (!r.ok) return [r.cards.toLocaleString("en-US"), `cannot run: ${r.reason}`];
    return [
      r.cards.toLocaleString("en-US"),
      String(r.dp),
      String(r.globalBatchSize),
      r.stepTimeSeconds.toFixed(3),
      Math.round(r.tokensPerSecond).toLocaleString("en-US"),
      r.tokensPerSecondPerCard.toFixed(1),
      pct(r.scalingEfficiency),
      pct(r.linearity),
      pct(r.mfu),
      ...cats.map((c) => pct(r.shares[c] ?? 0)),
    ];
  });
  // Rows that cannot run span the table: render them after the aligned part.
  const ok = body.filter((_, i) => rows[i]?.ok);
  const lines = textTable(
    header,
    ok,
    header.map((_, i) => i),
  );
  const bad = rows
    .filter((r) => !r.ok)
    .map((r) => (r.ok ? "" : `${r.cards.toLocaleString("en-US")} cards: cannot run: ${r.reason}`));
  return [
    ...lines,
    ...bad,
    "(loss columns: share of the step time; efficiency and linearity relative to the smallest size that runs)",
  ];
}

const csvColumns = (cats: readonly string[]) => [
  "cards",
  "ok",
  "reason",
  "dp",
  "globalBatchSize",
  "stepTimeSeconds",
  "tokensPerSecond",
  "tokensPerSecondPerCard",
  "scalingEfficiency",
  "linearity",
  "mfu",
  ...cats.map((c) => `share.${c}`),
  ...cats.map((c) => `loss.${c}`),
];

/** CSV text (RFC 4180, CRLF): shares of the step time (share.*) and contributions to the efficiency loss (loss.*). */
export function scaleCsv(rows: readonly ScaleRow[]): string {
  const cats = LOSS_CATEGORIES;
  const header = csvColumns(cats);
  const lines = [csvLine(header)];
  for (const r of rows) {
    if (!r.ok) {
      lines.push(csvLine([String(r.cards), "false", r.reason, ...header.slice(3).map(() => "")]));
      continue;
    }
    lines.push(
      csvLine([
        String(r.cards),
        "true",
        "",
        String(r.dp),
        String(r.globalBatchSize),
        String(r.stepTimeSeconds),
        String(r.tokensPerSecond),
        String(r.tokensPerSecondPerCard),
        String(r.scalingEfficiency),
        String(r.linearity),
        String(r.mfu),
        ...cats.map((c) => String(r.shares[c] ?? 0)),
        ...cats.map((c) => String(r.lossContributions[c] ?? 0)),
      ]),
    );
  }
  return lines.join("");
}

/**
 * The `scale` table of a serving scenario: one row per size: cards,
 * instances, output tokens/s (total and per card), scaling efficiency
 * (per-card output tokens/s vs the smallest size that runs), TTFT and TPOT
 * p99, SLO attainment; sizes where the offered load exceeded capacity are marked.
 */
export function servingScaleTable(rows: readonly ServingScaleRow[]): string[] {
  const header = [
    "cards",
    "instances",
    "out tok/s",
    "out tok/s/card",
    "efficiency",
    "TTFT p99",
    "TPOT p99",
    "SLO met",
    "",
  ];
  const ok = rows.filter((r): r is Extract<ServingScaleRow, { ok: true }> => r.ok);
  const body = ok.map((r) => [
    r.cards.toLocaleString("en-US"),
    r.instances.toLocaleString("en-US"),
    formatRate(r.outputTokensPerSecond),
    formatRate(r.outputTokensPerSecondPerCard),
    pct(r.scalingEfficiency),
    formatSeconds(r.ttftP99Seconds),
    formatSeconds(r.tpotP99Seconds),
    pct(r.sloAttainment),
    r.overloaded ? "OVERLOADED" : "",
  ]);
  const lines = textTable(header, body, [0, 1, 2, 3, 4, 5, 6, 7]).map((l) => l.trimEnd());
  const bad = rows
    .filter((r) => !r.ok)
    .map((r) => (r.ok ? "" : `${r.cards.toLocaleString("en-US")} cards: cannot run: ${r.reason}`));
  return [
    ...lines,
    ...bad,
    "(efficiency: output tokens/s per card relative to the smallest size that runs; OVERLOADED: the offered load exceeded capacity, latency percentiles are not steady-state)",
  ];
}

const SERVING_CSV_COLUMNS = [
  "cards",
  "ok",
  "reason",
  "instances",
  "requestsPerSecond",
  "outputTokensPerSecond",
  "outputTokensPerSecondPerCard",
  "scalingEfficiency",
  "linearity",
  "ttftP99Seconds",
  "tpotP99Seconds",
  "sloAttainment",
  "overloaded",
] as const;

/** CSV text (RFC 4180, CRLF) of a serving `scale` run; numbers as String(x), overloaded as 1/0. */
export function servingScaleCsv(rows: readonly ServingScaleRow[]): string {
  const lines = [csvLine(SERVING_CSV_COLUMNS)];
  for (const r of rows) {
    if (!r.ok) {
      lines.push(csvLine([String(r.cards), "false", r.reason, ...SERVING_CSV_COLUMNS.slice(3).map(() => "")]));
      continue;
    }
    lines.push(
      csvLine([
        String(r.cards),
        "true",
        "",
        String(r.instances),
        String(r.requestsPerSecond),
        String(r.outputTokensPerSecond),
        String(r.outputTokensPerSecondPerCard),
        String(r.scalingEfficiency),
        String(r.linearity),
        String(r.ttftP99Seconds),
        String(r.tpotP99Seconds),
        String(r.sloAttainment),
        r.overloaded ? "1" : "0",
      ]),
    );
  }
  return lines.join("");
}
