import { InputError } from "../../input/issues.js";
import { readInputFile } from "../../input/read-file.js";
import { asCsvIssue, type Cell, IssueList, parseNumber, splitCells } from "./csv-cells.js";
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

  let header: Map<TraceColumn, number> | undefined;
  let headerCells = 0;
  let capacity = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) capacity++;
  const arrivalS = new Float64Array(capacity);
  const inputTokens = new Int32Array(capacity);
  const outputTokens = new Int32Array(capacity);
  let count = 0;
  let lastArrival: { s: number; line: number } | undefined;

  let lineNo = 0;
  for (let pos = 0; pos <= text.length; ) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end > pos && text[end - 1] === "\r" ? end - 1 : end);
    pos = end + 1;
    lineNo++;
    const bare = line.trim();
    if (bare === "" || bare.startsWith("#")) continue;

    const cells = splitCells(line);
    if ("error" in cells) {
      issues.add(lineNo, cells.column, "", cells.error.expected, cells.error.found);
      if (header === undefined) break;
      continue;
    }
    if (header === undefined) {
      header = readHeader(cells, lineNo, issues);
      headerCells = cells.length;
      if (issues.total > 0) break;
      continue;
    }

    if (cells.length > headerCells) {
      // RFC 4180: every record has the header's number of fields; an extra cell is a shifted or merged row.
      const extra = cells[headerCells] as Cell;
      issues.add(lineNo, extra.column, "", `${headerCells} cells as in the header`, `${cells.length} (an extra cell)`);
      continue;
    }
    const cellOf = (name: TraceColumn): Cell | undefined => {
      const cell = cells[header?.get(name) ?? -1];
      if (cell === undefined) {
        issues.add(
          lineNo,
          line.length + 1,
          name,
          `${headerCells} cells as in the header`,
          `${cells.length} (missing column ${name})`,
        );
      }
      return cell;
    };
    const arrivalCell = cellOf("arrival_s");
    const inputCell = cellOf("input_tokens");
    const outputCell = cellOf("output_tokens");

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
    if (Number.isNaN(arrival) || input === undefined || output === undefined) continue;
    arrivalS[count] = arrival;
    inputTokens[count] = input;
    outputTokens[count] = Math.min(output, maxContextTokens - input);
    count++;
  }

  if (header === undefined && issues.total === 0) {
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

/** The header's index of each required column; a missing or repeated one is an issue. */
function readHeader(cells: Cell[], line: number, issues: IssueList): Map<TraceColumn, number> {
  const index = new Map<TraceColumn, number>();
  const names = cells.map((c) => c.text);
  for (const name of TRACE_COLUMNS) {
    const at = names.indexOf(name);
    if (at < 0) {
      issues.add(line, 1, name, `a header column ${name}`, `the columns ${names.join(", ")}`);
      continue;
    }
    const again = names.indexOf(name, at + 1);
    if (again >= 0) {
      issues.add(line, cells[again]?.column ?? 1, name, `one column ${name}`, `a second one (cell ${again + 1})`);
    }
    index.set(name, at);
  }
  return index;
}
