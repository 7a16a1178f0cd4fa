import { type ReportKind, reportHtml } from "../report/html/report.js";
import { writeFileAtomic } from "../sweep/atomic-write.js";
import { UsageError } from "./errors.js";
import { checkOutputFolder, checkOutputPath } from "./output-guard.js";

/** `--report FILE.html` of run, scale, check and sweep: the same page `clustersim report` makes from their --json. */
export const REPORT_OPTION = ["--report <file.html>", "also write the result as a self-contained HTML report"] as const;

/** Checks a --report path before anything runs (usage error: exit 2). */
export function checkReportPath(path: string | undefined, inputs: readonly string[]): void {
  if (path === undefined) return;
  if (!/\.html?$/i.test(path)) throw new UsageError(`--report: expected a .html file, found '${path}'`);
  checkOutputPath("--report", path, inputs, "HTML");
  checkOutputFolder("--report", path);
}

/** Writes the report of one result (its --json value, round-tripped through JSON as the report command reads it). */
export function writeReport(path: string, file: string, kind: ReportKind, value: unknown): void {
  writeFileAtomic(path, reportHtml([{ file, kind, data: JSON.parse(JSON.stringify(value)) }]));
}
