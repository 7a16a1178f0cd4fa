import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../fixtures/reference/", import.meta.url));

/**
 * Rows of a committed reference CSV (test/fixtures/reference/, copies of
 * ../shared/reference/): '#' lines skipped, the first other line is the
 * header. Cells are split on commas (these files quote nothing); a row with
 * a different cell count than the header throws, so a changed file fails
 * the test instead of being misread. A missing file throws.
 */
export function readReferenceCsv(name: string): Record<string, string>[] {
  const lines = readFileSync(`${DIR}${name}`, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "" && !l.startsWith("#"));
  const header = (lines.shift() ?? "").split(",");
  return lines.map((line, i) => {
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new Error(`${name}: data row ${i + 1} has ${cells.length} cells, the header ${header.length}`);
    }
    return Object.fromEntries(header.map((h, k) => [h, cells[k] as string]));
  });
}

/**
 * The row of `rows` whose `column` equals `value`; throws when there is none
 * or more than one, so a deleted or renamed reference row fails the test.
 */
export function referenceRow(
  rows: readonly Record<string, string>[],
  column: string,
  value: string,
  file = "the reference CSV",
): Record<string, string> {
  const found = rows.filter((r) => r[column] === value);
  if (found.length !== 1) throw new Error(`${file}: ${found.length} rows with ${column} = '${value}', expected 1`);
  return found[0] as Record<string, string>;
}

/** A numeric cell; throws when the column is absent, the cell empty or not a number. */
export function numberCell(row: Record<string, string>, column: string): number {
  const cell = row[column];
  if (cell === undefined) throw new Error(`reference CSV: no column '${column}'`);
  const value = Number(cell);
  if (cell.trim() === "" || !Number.isFinite(value)) {
    throw new Error(`reference CSV: column '${column}' holds '${cell}', not a number`);
  }
  return value;
}
