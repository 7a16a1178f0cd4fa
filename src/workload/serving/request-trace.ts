import { InputError, type InputIssue } from "../../input/issues.js";
import { readInputFile } from "../../input/read-file.js";
import type { RequestTable } from "./request-table.js";

/** The columns a request trace must have (in any order; others are ignored). */
export const TRACE_COLUMNS = ["arrival_s", "input_tokens", "output_tokens"] as const;
type TraceColumn = (typeof TRACE_COLUMNS)[number];

/** Issues listed before the rest are only counted. */
const MAX_LISTED_ISSUES = 20;

/** A decimal number as written in a CSV cell: 12, -3.5, .5, 1e-3. */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A cell's text (surrounding blanks trimmed, quotes removed) and the 1-based column where it starts. */
interface Cell {
  text: string;
  column: number;
}

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
  if ("issue" in read) throw new InputError([asCsvIssue(read.issue)]);
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

/** The cell's number, or how to describe what was found instead. */
function parseNumber(cell: Cell): number | string {
  if (cell.text === "") return "an empty cell";
  if (!NUMBER.test(cell.text))
    return JSON.stringify(cell.text.length > 40 ? `${cell.text.slice(0, 37)}...` : cell.text);
  const v = Number(cell.text);
  return Number.isFinite(v) ? v : `${cell.text} (not finite)`;
}

/**
 * Splits one CSV line at commas. A cell may be "quoted" (a "" inside is a
 * quote; commas inside are kept); blanks around cells are trimmed.
 */
function splitCells(line: string): Cell[] | { column: number; error: { expected: string; found: string } } {
  const cells: Cell[] = [];
  const blank = (ch: string | undefined) => ch === " " || ch === "\t";
  let i = 0;
  for (;;) {
    let j = i;
    while (blank(line[j])) j++;
    if (line[j] === '"') {
      let text = "";
      let k = j + 1;
      for (;;) {
        const q = line.indexOf('"', k);
        if (q < 0) return { column: j + 1, error: { expected: "a closing quote", found: "the end of the line" } };
        text += line.slice(k, q);
        if (line[q + 1] === '"') {
          text += '"';
          k = q + 2;
          continue;
        }
        k = q + 1;
        break;
      }
      while (blank(line[k])) k++;
      if (k < line.length && line[k] !== ",") {
        return {
          column: k + 1,
          error: { expected: "a comma after a quoted cell", found: JSON.stringify(line.slice(k, k + 10)) },
        };
      }
      cells.push({ text, column: j + 1 });
      if (k >= line.length) return cells;
      i = k + 1;
      continue;
    }
    const comma = line.indexOf(",", i);
    const end = comma < 0 ? line.length : comma;
    const raw = line.slice(i, end);
    const text = raw.trim();
    cells.push({ text, column: text === "" ? i + 1 : i + raw.length - raw.trimStart().length + 1 });
    if (comma < 0) return cells;
    i = comma + 1;
  }
}

/** readInputFile's issue, phrased for a CSV trace. */
function asCsvIssue(issue: InputIssue): InputIssue {
  if (issue.expected !== "a YAML or JSON file") return issue;
  const expected = "a CSV request trace file";
  return { ...issue, expected, message: `expected ${expected}, found ${issue.found ?? "something else"}` };
}

/** Collects the first MAX_LISTED_ISSUES issues of one file and counts the rest. */
class IssueList {
  private readonly issues: InputIssue[] = [];
  total = 0;

  constructor(private readonly file: string) {}

  add(line: number, column: number, path: string, expected: string, found: string): void {
    this.total++;
    if (this.issues.length < MAX_LISTED_ISSUES) {
      this.issues.push({
        file: this.file,
        line,
        column,
        path,
        expected,
        found,
        message: `expected ${expected}, found ${found}`,
      });
    }
  }

  addWhole(expected: string, found: string): void {
    this.add(0, 0, "", expected, found);
  }

  list(): InputIssue[] {
    const more = this.total - this.issues.length;
    if (more <= 0) return [...this.issues];
    const note = `${more} more issue${more === 1 ? "" : "s"} not listed (only the first ${MAX_LISTED_ISSUES} are)`;
    return [...this.issues, { file: this.file, line: 0, column: 0, path: "", message: note }];
  }
}
