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
