import { InputError } from "../../input/issues.js";
import { readInputFile } from "../../input/read-file.js";
import { asCsvIssue, type Cell, forEachCsvRow, IssueList, parseNumber } from "./csv-cells.js";
import type { RequestTable } from "./request-table.js";

/** The columns a request trace must have (in any order; others are ignored). */
export const TRACE_COLUMNS = ["arrival_s", "input_tokens", "output_tokens"] as const;
type TraceColumn = (typeof TRACE_COLUMNS)[number];

/**
 * Reads a request trace: a CSV file whose header names the columns arrival_s
 * (s, ≥ 0, non-decreasing), input_tokens and output_tokens (integers ≥ 1), in
 * any order, extra columns ignored. Blank lines and lines starting with # are
 * skipped; cells are trimmed and may be "double-quoted" (within one line).
 * An input longer than maxContextTokens − 1 is an error; an output longer than
 * maxContextTokens − input is clipped (as generated requests are: the engine
 * stops at the context length). Every problem — up to 20 listed, the rest
 * counted — is reported in one InputError at file:line:column.
 */
export function readRequestTrace(file: string, maxContextTokens: number): RequestTable {
  const read = readInputFile(file, "a CSV request trace file");
  if ("issue" in read) throw new InputError([asCsvIssue(read.issue, "a CSV request trace file")]);
  const text = read.text.startsWith("\uFEFF") ? read.text.slice(1) : read.text;
  const issues = new IssueList(file);
  const maxInput = maxContextTokens - 1;

  let capacity = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) capacity++;
  const arrivalS = new Float64Array(capacity);
  const inputTokens = new Int32Array(capacity);
  const outputTokens = new Int32Array(capacity);
  let count = 0;
  let lastArrival: { s: number; line: number } | undefined;

  const hasHeader = forEachCsvRow(text, TRACE_COLUMNS, issues, (row) => {
    const lineNo = row.line;
    const arrivalCell = row.cell("arrival_s");
    const inputCell = row.cell("input_tokens");
    const outputCell = row.cell("output_tokens");

    let arrival = Number.NaN;
    if (arrivalCell !== undefined) {
      const v = parseNumber(arrivalCell);
      if (typeof v === "string") {
        issues.add(lineNo, arrivalCell.column, "arrival_s", "an arrival time in seconds (a number >= 0)", v);
      } else if (v < 0) {
        issues.add(lineNo, arrivalCell.column, "arrival_s", "an arrival time >= 0 s", arrivalCell.text);
      } else if (lastArrival !== undefined && v < lastArrival.s) {
        issues.add(
          lineNo,
          arrivalCell.column,
          "arrival_s",
          `a non-decreasing arrival time (>= ${lastArrival.s} on line ${lastArrival.line})`,
          arrivalCell.text,
        );
      } else {
        arrival = v;
        lastArrival = { s: v, line: lineNo };
      }
    }

    const tokens = (cell: Cell | undefined, name: TraceColumn): number | undefined => {
      if (cell === undefined) return undefined;
      const v = parseNumber(cell);
      if (typeof v === "number" && Number.isInteger(v) && v >= 1) return v;
      issues.add(lineNo, cell.column, name, "an integer token count >= 1", typeof v === "string" ? v : cell.text);
      return undefined;
    };
    let input = tokens(inputCell, "input_tokens");
    if (input !== undefined && input > maxInput && inputCell !== undefined) {
      issues.add(
        lineNo,
        inputCell.column,
        "input_tokens",
        `at most ${maxInput} input tokens (maxContextTokens ${maxContextTokens} leaves room for 1 output token)`,
        inputCell.text,
      );
      input = undefined;
    }
    const output = tokens(outputCell, "output_tokens");
    if (Number.isNaN(arrival) || input === undefined || output === undefined) return;
    arrivalS[count] = arrival;
    inputTokens[count] = input;
    outputTokens[count] = Math.min(output, maxContextTokens - input);
    count++;
  });

  if (!hasHeader && issues.total === 0) {
    const found = text.trim() === "" ? "an empty file" : "only comments and blank lines";
    issues.add(1, 1, "", `a header line with the columns ${TRACE_COLUMNS.join(", ")}`, found);
  } else if (count === 0 && issues.total === 0) {
    issues.addWhole("at least one request row after the header", "none");
  }
  if (issues.total > 0) throw new InputError(issues.list());
  return {
    count,
    arrivalS: arrivalS.slice(0, count),
    inputTokens: inputTokens.slice(0, count),
    outputTokens: outputTokens.slice(0, count),
  };
}
