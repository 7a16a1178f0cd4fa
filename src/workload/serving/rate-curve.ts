import type { RandomStream } from "../../engine/rng.js";
import { InputError } from "../../input/issues.js";
import { readInputFile } from "../../input/read-file.js";
import { asCsvIssue, forEachCsvRow, IssueList, parseNumber } from "./csv-cells.js";

/** The columns of a rate curve file. */
export const RATE_CURVE_COLUMNS = ["time_s", "rate_per_s"] as const;

/** Most rows of a rate curve (a day at one row per second). */
export const MAX_RATE_CURVE_ROWS = 86_400;

/** A piecewise-constant arrival rate: rate ratePerS[k] from startS[k] until startS[k + 1] (the last: on). */
export interface RateCurve {
  startS: Float64Array;
  ratePerS: Float64Array;
}

/**
 * Reads a rate curve: a CSV file with the header time_s,rate_per_s (in any
 * order, extra columns ignored), one row per change of rate: from time_s
 * (s; the first row at 0, then strictly increasing) the rate is rate_per_s
 * requests per second (≥ 0, finite; at least one row above 0) until the
 * next row; the last row's rate holds to the end of the run. Blank lines
 * and lines starting with # are skipped. Every problem, up to 20 listed, is
 * one InputError at file:line:column naming the column.
 */
export function readRateCurve(file: string): RateCurve {
  const read = readInputFile(file, "a CSV rate curve file");
  if ("issue" in read) throw new InputError([asCsvIssue(read.issue, "a CSV rate curve file")]);
  const text = read.text.startsWith("\uFEFF") ? read.text.slice(1) : read.text;
  const issues = new IssueList(file);
  const startS: number[] = [];
  const ratePerS: number[] = [];
  let lastLine = 0;
  const hasHeader = forEachCsvRow(text, RATE_CURVE_COLUMNS, issues, (row) => {
    const lineNo = row.line;
    if (startS.length >= MAX_RATE_CURVE_ROWS) {
      issues.add(lineNo, 1, "", `at most ${MAX_RATE_CURVE_ROWS.toLocaleString("en-US")} rows`, "more");
      return false;
    }
    const tc = row.cell("time_s");
    const rc = row.cell("rate_per_s");
    if (tc === undefined || rc === undefined) return;
    const t = parseNumber(tc);
    const r = parseNumber(rc);
    const prev = startS[startS.length - 1];
    if (typeof t === "string") issues.add(lineNo, tc.column, "time_s", "a time in seconds", t);
    else if (prev === undefined && t !== 0) issues.add(lineNo, tc.column, "time_s", "0 on the first row", String(t));
    else if (prev !== undefined && !(t > prev)) {
      issues.add(lineNo, tc.column, "time_s", `a time after the previous row's ${prev} s (line ${lastLine})`, tc.text);
    }
    if (typeof r === "string") issues.add(lineNo, rc.column, "rate_per_s", "a rate in requests per second", r);
    else if (r < 0) issues.add(lineNo, rc.column, "rate_per_s", "a rate >= 0 requests per second", String(r));
    if (typeof t === "number" && typeof r === "number") {
      startS.push(t);
      ratePerS.push(r);
      lastLine = lineNo;
    }
  });
  if (issues.total === 0 && !hasHeader) {
    issues.addWhole("a header line with the columns time_s, rate_per_s", "an empty file");
  } else if (issues.total === 0 && startS.length === 0) {
    issues.addWhole("at least one row after the header", "none");
  } else if (issues.total === 0 && !ratePerS.some((r) => r > 0)) {
    issues.addWhole("a rate above 0 on at least one row", "every rate 0");
  }
  if (issues.total > 0) throw new InputError(issues.list());
  return { startS: Float64Array.from(startS), ratePerS: Float64Array.from(ratePerS) };
}

/**
 * Arrival times of a non-homogeneous Poisson process with a piecewise-
 * constant rate: inside segment k, exponential gaps at rate k; a gap that
 * crosses the segment's end restarts at the end with the next rate (exact,
 * by the memoryless property). Returns a function giving the next arrival
 * time, or Infinity when the curve ends at rate 0.
 */
export function rateCurveArrivals(curve: RateCurve, rng: RandomStream): () => number {
  let k = 0;
  let tS = 0;
  const n = curve.startS.length;
  return () => {
    for (;;) {
      const rate = curve.ratePerS[k] as number;
      const endS = k + 1 < n ? (curve.startS[k + 1] as number) : Number.POSITIVE_INFINITY;
      if (rate > 0) {
        const next = tS + rng.exponential(rate);
        if (next < endS) {
          tS = next;
          return tS;
        }
      }
      if (endS === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
      tS = endS;
      k++;
    }
  };
}
