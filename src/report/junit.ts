import type { BaselineComparison } from "../claims/baseline.js";
import type { CaseOutcome } from "../claims/evaluate.js";
import { formatMargin, formatMetric } from "./format-metric.js";
import { xmlEscape } from "./svg.js";
import { verdictOf } from "./verdict-table.js";

export interface JunitClaim {
  /** The claim file (the suite name). */
  file: string;
  statement: string;
  metric: string;
  op: string;
  bound: number;
  outcomes: readonly CaseOutcome[];
}

/**
 * JUnit XML: one <testsuite> per claim (and one for baselines), one
 * <testcase> per claim × variant. The baseline and required variants fail
 * the test case when the claim does not hold; an informative variant that
 * fails is a passing test case whose <system-out> says so (CI should not go
 * red on a what-if), matching the exit code of `check`.
 */
export function junitXml(claims: readonly JunitClaim[], baselines: readonly BaselineComparison[] = []): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  let tests = 0;
  let failures = 0;
  const suites: string[] = [];
  for (const c of claims) {
    const cases: string[] = [];
    let suiteFailures = 0;
    for (const o of c.outcomes) {
      const fails = o.required && (!o.ok || !o.holds);
      if (fails) suiteFailures++;
      const text = o.ok
        ? `${c.metric} = ${formatMetric(c.metric, o.value.mean)} (${c.op} ${formatMetric(c.metric, c.bound)}): ${verdictOf(o)}, margin ${formatMargin(c.metric, o.margin)}${o.note ? ` (${o.note})` : ""}`
        : `could not evaluate: ${o.reason}`;
      const body = fails
        ? `<failure message="${xmlEscape(text.split("\n")[0] ?? "")}">${xmlEscape(text)}</failure>`
        : `<system-out>${xmlEscape(text)}</system-out>`;
      cases.push(`    <testcase classname="${xmlEscape(c.file)}" name="${xmlEscape(o.name)}">${body}</testcase>`);
    }
    tests += c.outcomes.length;
    failures += suiteFailures;
    suites.push(
      `  <testsuite name="${xmlEscape(`${c.file}: ${c.statement}`)}" tests="${c.outcomes.length}" failures="${suiteFailures}" errors="0">`,
      ...cases,
      "  </testsuite>",
    );
  }
  if (baselines.length > 0) {
    const bad = baselines.filter((b) => b.status === "fail" || b.status === "missing" || b.status === "error").length;
    tests += baselines.length;
    failures += bad;
    suites.push(`  <testsuite name="baselines" tests="${baselines.length}" failures="${bad}" errors="0">`);
    for (const b of baselines) {
      const text = baselineSummary(b);
      const body =
        b.status === "pass" || b.status === "written"
          ? `<system-out>${xmlEscape(text)}</system-out>`
          : `<failure message="${xmlEscape(text.split("\n")[0] ?? "")}">${xmlEscape(text)}</failure>`;
      suites.push(`    <testcase classname="baselines" name="${xmlEscape(b.file)}">${body}</testcase>`);
    }
    suites.push("  </testsuite>");
  }
  out.push(
    `<testsuites name="clustersim check" tests="${tests}" failures="${failures}" errors="0">`,
    ...suites,
    "</testsuites>",
  );
  return `${out.join("\n")}\n`;
}

/** One line per changed metric: "stepTimeSeconds 6.95 -> 7.12 (+2.5%, over 2%)". */
export function baselineSummary(b: BaselineComparison): string {
  if (b.message && b.diffs.length === 0) return `${b.status}: ${b.message}`;
  const lines = b.diffs.map(
    (d) =>
      `${d.key} ${short(d.stored)} -> ${short(d.current)}${Number.isFinite(d.relChange) ? ` (${d.relChange >= 0 ? "+" : ""}${(d.relChange * 100).toFixed(2)}%)` : ""}${d.over ? "  <-- over tolerance" : ""}`,
  );
  return [`${b.status}${b.message ? `: ${b.message}` : ""}`, ...lines].join("\n");
}

const short = (x: number | undefined) => (x === undefined ? "(none)" : String(Number(x.toPrecision(6))));
