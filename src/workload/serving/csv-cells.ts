import type { InputIssue } from "../../input/issues.js";

/**
 * Reading small CSV files of numbers (request traces, rate curves): cells
 * with their columns, numbers as written, and issues at file:line:column.
 */

/** Issues listed before the rest are only counted. */
export const MAX_LISTED_ISSUES = 20;

/** A decimal number as written in a CSV cell: 12, -3.5, .5, 1e-3. */
export const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A cell's text (surrounding blanks trimmed, quotes removed) and the 1-based column where it starts. */
export interface Cell {
  text: string;
  column: number;
}

/** The cell's number, or how to describe what was found instead. */
export function parseNumber(cell: Cell): number | string {
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
export function splitCells(line: string): Cell[] | { column: number; error: { expected: string; found: string } } {
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

/** readInputFile's issue, phrased for a CSV file of the given kind. */
export function asCsvIssue(issue: InputIssue, expected: string): InputIssue {
  if (issue.expected !== "a YAML or JSON file") return issue;
  return { ...issue, expected, message: `expected ${expected}, found ${issue.found ?? "something else"}` };
}

/** Collects the first MAX_LISTED_ISSUES issues of one file and counts the rest. */
export class IssueList {
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

/** One data row of a CSV file: its cells, 1-based line number, and a getter by column name. */
export interface CsvRow<C extends string> {
  line: number;
  /** The cell of a header column; a missing one is an issue at the end of the line (undefined). */
  cell(name: C): Cell | undefined;
}

/**
 * Walks a CSV text: skips blank lines and lines starting with #, reads the
 * header (every one of `columns` once, in any order, extra columns ignored),
 * then calls `onRow` for each data row. A line that does not split, a row
 * with more cells than the header (RFC 4180: a shifted or merged row) and a
 * missing or repeated header column are issues; a bad header ends the walk.
 * `onRow` returning false ends it too. Returns whether a header was read.
 */
export function forEachCsvRow<C extends string>(
  text: string,
  columns: readonly C[],
  issues: IssueList,
  onRow: (row: CsvRow<C>) => boolean | undefined | void,
): boolean {
  let header: Map<C, number> | undefined;
  let headerCells = 0;
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
      header = readHeader(cells, lineNo, columns, issues);
      headerCells = cells.length;
      if (issues.total > 0) break;
      continue;
    }
    if (cells.length > headerCells) {
      const extra = cells[headerCells] as Cell;
      issues.add(lineNo, extra.column, "", `${headerCells} cells as in the header`, `${cells.length} (an extra cell)`);
      continue;
    }
    const at = lineNo;
    const index = header;
    const cell = (name: C): Cell | undefined => {
      const c = cells[index.get(name) ?? -1];
      if (c === undefined) {
        issues.add(
          at,
          line.length + 1,
          name,
          `${headerCells} cells as in the header`,
          `${cells.length} (missing column ${name})`,
        );
      }
      return c;
    };
    if (onRow({ line: lineNo, cell }) === false) break;
  }
  return header !== undefined;
}

/** The header's index of each required column; a missing or repeated one is an issue. */
function readHeader<C extends string>(
  cells: Cell[],
  line: number,
  columns: readonly C[],
  issues: IssueList,
): Map<C, number> {
  const index = new Map<C, number>();
  const names = cells.map((c) => c.text);
  for (const name of columns) {
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
