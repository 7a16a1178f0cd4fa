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
