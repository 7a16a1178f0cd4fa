import type { CheckReport, ClaimReport } from "../claims/check.js";
import { fmtNum } from "../claims/solve.js";
import { boundMetricKey, formatMetric } from "./format-metric.js";
import { baselineSummary } from "./junit.js";
import { textTable } from "./text-table.js";
import { verdictTable } from "./verdict-table.js";

/** The text report of `check`: verdict tables, breaking points, sensitivity, baseline comparisons. */
export function checkText(report: CheckReport): string[] {
  const lines: string[] = [];
  for (const r of report.claims) {
    lines.push(...verdictTable(r.claim, r.outcomes));
    if (r.solve) {
      lines.push(`  breaking point: ${r.solve.summary}`);
      lines.push(
        `    probes: ${r.solve.probes.map((p) => `${fmtNum(p.value)} ${p.reason ? "n/a" : p.holds ? "holds" : "fails"}${p.metric !== undefined ? ` (${formatMetric(boundMetricKey(r.claim.spec.bound), p.metric)})` : ""}`).join("; ")}`,
      );
    }
    if (r.sensitivity) lines.push(...sensitivityText(r));
    lines.push("");
  }
  if (report.baselines.length > 0) {
    lines.push("baselines:");
    for (const b of report.baselines) {
      const [first, ...rest] = baselineSummary(b).split("\n");
      lines.push(`  ${b.file}: ${first}`);
      if (b.status === "fail") for (const l of rest) lines.push(`    ${l}`);
    }
  }
  return lines;
}

function sensitivityText(r: ClaimReport): string[] {
  const s = r.sensitivity;
  if (!s) return [];
  const m = boundMetricKey(r.claim.spec.bound);
  const f = (x: number | undefined) => (x === undefined ? "n/a" : formatMetric(m, x));
  const rows = s.rows.map((row) => [
    row.context,
    row.field,
    `${fmtNum(row.low)} / ${fmtNum(row.center)} / ${fmtNum(row.high)}`,
    f(row.metricLow),
    f(row.metricCenter),
    f(row.metricHigh),
    formatMetric(m, row.swing).replace(/%$/, " pp"),
  ]);
  return [
    "  sensitivity (±10% of each numeric field the variants set; ranked by swing):",
    ...textTable(
      ["context", "field", "-10% / value / +10%", `${m} -10%`, "at value", "+10%", "swing"],
      rows,
      [3, 4, 5, 6],
    ).map((l) => `    ${l}`),
    ...(s.skipped.length ? [`    not perturbed: ${s.skipped.join("; ")}`] : []),
  ];
}

/** The JSON form of a check report (plain data, stable key order). */
export function checkJson(report: CheckReport): unknown {
  return {
    exitCode: report.exitCode,
    claims: report.claims.map((r) => ({
      file: r.claim.file,
      statement: r.claim.spec.statement,
      scenario: r.claim.spec.scenario,
      mode: r.claim.spec.mode,
      baseCards: r.claim.spec.baseCards ?? null,
      targetCards: r.claim.spec.targetCards,
      bound: r.claim.spec.bound,
      ...(r.claim.spec.reference ? { reference: r.claim.spec.reference } : {}),
      outcomes: r.outcomes,
      ...(r.solve ? { solve: r.solve } : {}),
      ...(r.sensitivity ? { sensitivity: r.sensitivity } : {}),
    })),
    baselines: report.baselines,
  };
}
