import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import {
  checkWriteTarget,
  MAX_RESULTS_BYTES,
  openAppendRegular,
  readBounded,
  refusalMessage,
} from "../input/read-bounded.js";
import { UserError } from "../input/user-error.js";
import { writeFileAtomic } from "./atomic-write.js";
import { csvLine, parseCsv, splitTrailingPartial } from "./csv.js";
import { ID_COLUMN, INDEX_COLUMN } from "./result-columns.js";

/** The contents of a results file. */
export interface ResultsTable {
  header: string[];
  rows: string[][];
  /** Bytes after the last newline: a row cut short by a kill (ignored). */
  partialBytes: number;
}

/** What a results file is, in messages. */
const RESULTS_FILE = "a results CSV file";

/**
 * Reads a results file (a regular file of at most MAX_RESULTS_BYTES; anything
 * else is a UserError naming the file and what it is); a trailing line without
 * its newline is reported, not parsed.
 */
export function readResults(path: string): ResultsTable {
  const read = readBounded(path, { maxBytes: MAX_RESULTS_BYTES, expected: RESULTS_FILE });
  if ("refusal" in read) throw new UserError(refusalMessage(read.refusal));
  const text = read.bytes.toString("utf8");
  const { complete, partial } = splitTrailingPartial(text);
  let records: string[][];
  try {
    records = parseCsv(complete);
  } catch (err) {
    throw new UserError(`${path}: not a valid CSV file: ${(err as Error).message}`);
  }
  const [header, ...rows] = records;
  if (header === undefined) return { header: [], rows: [], partialBytes: Buffer.byteLength(partial) };
  if (header[0] !== ID_COLUMN || header[1] !== INDEX_COLUMN) {
    throw new UserError(`${path}:1:1: not a sweep results file (expected columns ${ID_COLUMN},${INDEX_COLUMN},...)`);
  }
  rows.forEach((r, i) => {
    if (r.length !== header.length) {
      throw new UserError(`${path}:${i + 2}: expected ${header.length} cells, found ${r.length}`);
    }
  });
  return { header, rows, partialBytes: Buffer.byteLength(partial) };
}

/** Checks run by ResultsWriter.open before it changes anything (provenance, see provenance.ts). */
export interface OpenHooks {
  /** Resuming a file with a header: may refuse it (throw) before it is truncated or appended to. */
  beforeResume?: (table: ResultsTable) => void;
  /** A new (or empty) file is about to get its header. */
  beforeCreate?: () => void;
}

/**
 * Appends result rows to a CSV file, each row with one write of one complete
 * line, so a kill (even SIGKILL) leaves whole rows and at most one partial
 * trailing line, which resuming removes.
 */
export class ResultsWriter {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /**
   * Opens `path` for a sweep with this header. A new file gets the header
   * (written atomically). An existing file is an error unless `resume`; then
   * its header must match, a partial trailing line is truncated away, and the
   * rows already there are returned by point id.
   */
  static open(
    path: string,
    header: readonly string[],
    resume: boolean,
    hooks: OpenHooks = {},
  ): { writer: ResultsWriter; done: Map<string, string[]>; truncatedBytes: number } {
    try {
      return ResultsWriter.openUnchecked(path, header, resume, hooks);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined) throw err;
      throw new UserError(`${path}: cannot write the results file: ${code}`);
    }
  }

  private static openUnchecked(
    path: string,
    header: readonly string[],
    resume: boolean,
    hooks: OpenHooks,
  ): { writer: ResultsWriter; done: Map<string, string[]>; truncatedBytes: number } {
    const done = new Map<string, string[]>();
    let truncatedBytes = 0;
    // Refuse a directory, FIFO, device or socket before anything opens it (a FIFO would block, /dev/zero never ends).
    const refused = checkWriteTarget(path, RESULTS_FILE);
    if (refused !== undefined) throw new UserError(refusalMessage(refused));
    let partialBytes = 0;
    if (existsSync(path)) {
      if (!resume) {
        throw new UserError(`${path} already exists: pass --resume to finish it, or choose another --out`);
      }
      const table = readResults(path);
      if (table.header.length === 0) {
        hooks.beforeCreate?.();
        writeFileAtomic(path, csvLine(header));
      } else {
        if (table.header.join(",") !== header.join(",")) {
          throw new UserError(
            `${path}: its columns differ from this sweep's, cannot resume\n  file:  ${table.header.join(",")}\n  sweep: ${header.join(",")}`,
          );
        }
        hooks.beforeResume?.(table);
        partialBytes = table.partialBytes;
        for (const row of table.rows) done.set(row[0] as string, row);
      }
    } else {
      mkdirSync(dirname(path), { recursive: true });
      hooks.beforeCreate?.();
      writeFileAtomic(path, csvLine(header));
    }
    const opened = openAppendRegular(path, RESULTS_FILE);
    if ("refusal" in opened) throw new UserError(refusalMessage(opened.refusal));
    if (partialBytes > 0) {
      // Through the checked descriptor, so a path swapped after the read is never truncated.
      try {
        ftruncateSync(opened.fd, fstatSync(opened.fd).size - partialBytes);
      } catch (err) {
        closeSync(opened.fd);
        throw err;
      }
      truncatedBytes = partialBytes;
    }
    return { writer: new ResultsWriter(path, opened.fd), done, truncatedBytes };
  }

  /** Appends one row (a single write of a complete line). */
  append(cells: readonly string[]): void {
    if (this.fd === undefined) throw new Error(`results file ${this.path} is closed`);
    const buf = Buffer.from(csvLine(cells));
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Sorts rows by point index (then id) for a deterministic file. */
export function sortRows(rows: string[][]): string[][] {
  return [...rows].sort((a, b) => Number(a[1]) - Number(b[1]) || ((a[0] ?? "") < (b[0] ?? "") ? -1 : 1));
}

/** Writes a complete results table atomically. */
export function writeResultsAtomic(path: string, header: readonly string[], rows: readonly string[][]): void {
  writeFileAtomic(path, [header, ...rows].map((r) => csvLine(r)).join(""));
}

/** Rewrites a results file sorted by point index (atomically). */
export function sortResultsFile(path: string): void {
  const table = readResults(path);
  writeResultsAtomic(path, table.header, sortRows(table.rows));
}
