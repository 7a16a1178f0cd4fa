import type { Command } from "commander";
import { MAX_INPUT_BYTES, MAX_RESULTS_BYTES, readBounded, refusalMessage } from "../input/read-bounded.js";
import { type ReportKind, reportHtml, reportKind } from "../report/html/report.js";
import { REQUESTS_CSV_HEADER } from "../report/serving-report.js";
import { writeFileAtomic } from "../sweep/atomic-write.js";
import { parseCsv } from "../sweep/csv.js";
import { readResults } from "../sweep/results-file.js";
import { UsageError, UserError } from "./errors.js";
import { checkOutputFolder, checkOutputPath } from "./output-guard.js";

/** A CSV input: the per-request file of `run --requests-csv` (header request,instance,...) or a sweep's results. */
function readCsvInput(file: string): { file: string; kind: ReportKind; data: unknown } {
  const read = readBounded(file, { maxBytes: MAX_RESULTS_BYTES, expected: "a CSV file" });
  if ("refusal" in read) throw new UserError(refusalMessage(read.refusal));
  const text = read.bytes.toString("utf8");
  if (!text.startsWith(REQUESTS_CSV_HEADER.join(","))) {
    const t = readResults(file);
    return { file, kind: "sweep-csv", data: { header: t.header, rows: t.rows } };
  }
  let records: string[][];
  try {
    records = parseCsv(text);
  } catch (err) {
    throw new UserError(`${file}: not a valid CSV file: ${(err as Error).message}`);
  }
  const [header, ...rows] = records;
  return { file, kind: "requests-csv", data: { header, rows: rows.filter((r) => r.length === header?.length) } };
}

/** `clustersim report INPUT... --out report.html`: one self-contained HTML page of run/scale/check results and sweep CSVs. */
export function addReportCommand(program: Command, out: (line: string) => void): void {
  program
    .command("report")
    .description(
      "one self-contained HTML page (inline plots, no network) from run/scale/check --json outputs and sweep result CSVs",
    )
    .argument(
      "<inputs...>",
      "files written by run --json, scale --json, check --json, run --requests-csv or sweep --out (CSV)",
    )
    .requiredOption("--out <file.html>", "the HTML file to write (atomically)")
    .action((inputs: string[], opts: { out: string }) => {
      if (!/\.html?$/i.test(opts.out)) throw new UsageError(`--out: expected a .html file, found '${opts.out}'`);
      checkOutputPath("--out", opts.out, inputs, "HTML");
      checkOutputFolder("--out", opts.out);
      const classified: { file: string; kind: ReportKind; data: unknown }[] = [];
      for (const file of inputs) {
        if (/\.csv$/i.test(file)) {
          classified.push(readCsvInput(file));
          continue;
        }
        const read = readBounded(file, { maxBytes: MAX_INPUT_BYTES, expected: "a run/scale/check --json output" });
        if ("refusal" in read) throw new UserError(refusalMessage(read.refusal));
        const k = reportKind({ file, text: read.bytes.toString("utf8") });
        if ("error" in k) throw new UserError(`${file}: ${k.error}`);
        classified.push({ file, kind: k.kind, data: k.data });
      }
      writeFileAtomic(opts.out, reportHtml(classified));
      out(`wrote ${opts.out} (${classified.map((c) => `${c.kind} ${c.file}`).join("; ")})`);
    });
}
