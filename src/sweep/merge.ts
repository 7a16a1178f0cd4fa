import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { checkWriteTarget, refusalMessage } from "../input/read-bounded.js";
import { UserError } from "../input/user-error.js";
import { readResults, sortRows, writeResultsAtomic } from "./results-file.js";
import { planSweep } from "./run-sweep.js";

/** Foreign point ids listed in the error. */
const UNKNOWN_SHOWN = 20;

export interface MergeOptions {
  /** Results files (shards, partial runs); all must have the same columns. */
  inputs: string[];
  outPath: string;
  /** When given: check the merged rows against every point of this sweep. */
  sweepPath?: string;
}

export interface MergeSummary {
  files: number;
  /** Rows written (one per point id). */
  rows: number;
  /** Rows dropped as copies of a point already seen. */
  duplicates: number;
  /** Partial trailing lines skipped (shards killed mid-write). */
  partialLines: number;
  /** With a sweep: its point count, the ids it has that no file has, and ids no point has (always empty: rows of another sweep are a UserError). */
  expected?: number;
  missing?: Array<{ index: number; id: string }>;
  unknownIds?: string[];
}

/**
 * Merges results files: same header required, one row per point id (an ok
 * row wins over a failed one; two different ok rows for one point are an
 * error, since runs are deterministic), sorted by point index, written
 * atomically. The output does not depend on the order of the inputs.
 */
export function mergeResults(opts: MergeOptions): MergeSummary {
  if (opts.inputs.length === 0) throw new UserError("merge: no input files");
  // The output is replaced by a rename: refuse a directory, FIFO or device there before reading anything.
  const refused = checkWriteTarget(opts.outPath, "a results CSV file");
  if (refused !== undefined) throw new UserError(`merge: --out ${refusalMessage(refused)}`);
  let header: string[] | undefined;
  let headerFrom = "";
  const byId = new Map<string, { row: string[]; file: string }>();
  let duplicates = 0;
  let partialLines = 0;
  for (const file of opts.inputs) {
    const table = readResults(file);
    if (table.partialBytes > 0) partialLines++;
    if (table.header.length === 0) continue;
    if (header === undefined) {
      header = table.header;
      headerFrom = file;
    } else if (table.header.join(",") !== header.join(",")) {
      throw new UserError(
        `merge: ${file} has other columns than ${headerFrom}\n  ${headerFrom}: ${header.join(",")}\n  ${file}: ${table.header.join(",")}`,
      );
    }
    const okCol = header.indexOf("ok");
    for (const row of table.rows) {
      const id = row[0] as string;
      const prev = byId.get(id);
      if (prev === undefined) {
        byId.set(id, { row, file });
        continue;
      }
      duplicates++;
      const prevOk = prev.row[okCol] === "true";
      const rowOk = row[okCol] === "true";
      if (prevOk && rowOk && prev.row.join(",") !== row.join(",")) {
        throw new UserError(
          `merge: point ${id} has different results in ${prev.file} and ${file} (were they made by different versions?)`,
        );
      }
      // Prefer an ok row; between two failed rows, keep the smaller text so the input order does not matter.
      if ((rowOk && !prevOk) || (rowOk === prevOk && row.join("\u0000") < prev.row.join("\u0000"))) {
        byId.set(id, { row, file });
      }
    }
  }
  if (header === undefined) throw new UserError("merge: every input file is empty");
  const rows = sortRows([...byId.values()].map((v) => v.row));
  const summary: MergeSummary = { files: opts.inputs.length, rows: rows.length, duplicates, partialLines };
  if (opts.sweepPath !== undefined) {
    const { plan, columns } = planSweep(opts.sweepPath);
    const expectedHeader = columns.header;
    if (expectedHeader.join(",") !== header.join(",")) {
      throw new UserError(
        `merge: the files' columns differ from those of ${opts.sweepPath}\n  files: ${header.join(",")}\n  sweep: ${expectedHeader.join(",")}`,
      );
    }
    const ids = new Set(plan.points.map((p) => p.id));
    summary.expected = plan.points.length;
    summary.missing = plan.points.filter((p) => !byId.has(p.id)).map((p) => ({ index: p.index, id: p.id }));
    summary.unknownIds = [...byId.keys()].filter((id) => !ids.has(id)).sort();
    if (summary.unknownIds.length > 0) {
      // Rows of another sweep (or an edited one): refuse them rather than write a file that mixes sweeps.
      const n = summary.unknownIds.length;
      const shown = summary.unknownIds
        .slice(0, UNKNOWN_SHOWN)
        .map((id) => `  ${id} (${byId.get(id)?.file})`)
        .join("\n");
      const more = n > UNKNOWN_SHOWN ? `\n  ... and ${n - UNKNOWN_SHOWN} more` : "";
      throw new UserError(
        `merge: ${n} ${n === 1 ? "row is not a point" : "rows are not points"} of ${opts.sweepPath} (nothing written):\n${shown}${more}`,
      );
    }
  }
  mkdirSync(dirname(opts.outPath), { recursive: true });
  writeResultsAtomic(opts.outPath, header, rows);
  return summary;
}
