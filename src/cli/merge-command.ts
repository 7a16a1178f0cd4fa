import type { Command } from "commander";
import { mergeResults } from "../sweep/merge.js";
import { plural } from "../sweep/progress.js";
import { UserError } from "./errors.js";

const MISSING_SHOWN = 20;

/** `clustersim merge CSV... --out CSV [--sweep SWEEP]`: merges sweep results (shards, partial runs). */
export function addMergeCommand(program: Command, out: (line: string) => void): void {
  program
    .command("merge")
    .description("merge sweep results files: same columns, one row per point, sorted by point index")
    .argument("<csv...>", "results files to merge")
    .requiredOption("--out <csv>", "merged file (written atomically)")
    .option(
      "--sweep <sweep>",
      "check the rows against this sweep file (exit 1 if points are missing or rows are not its points)",
    )
    .action((inputs: string[], opts: { out: string; sweep?: string }) => {
      const s = mergeResults({ inputs, outPath: opts.out, ...(opts.sweep ? { sweepPath: opts.sweep } : {}) });
      out(
        `merge: ${plural(s.rows, "row")} from ${plural(s.files, "file")} (${plural(s.duplicates, "duplicate")} dropped` +
          `${s.partialLines > 0 ? `, ${plural(s.partialLines, "partial last line")} skipped` : ""}) → ${opts.out}`,
      );
      if (s.missing === undefined) return;
      if (s.missing.length === 0) {
        out(
          s.expected === 1
            ? `merge: complete: the 1 point of ${opts.sweep} is present`
            : `merge: complete: all ${s.expected} points of ${opts.sweep} are present`,
        );
        return;
      }
      const shown = s.missing
        .slice(0, MISSING_SHOWN)
        .map((m) => `  #${m.index} ${m.id}`)
        .join("\n");
      const more = s.missing.length > MISSING_SHOWN ? `\n  ... and ${s.missing.length - MISSING_SHOWN} more` : "";
      throw new UserError(
        `merge: incomplete: ${s.missing.length} of ${plural(s.expected ?? 0, "point")} of ${opts.sweep} ${s.missing.length === 1 ? "is" : "are"} missing:\n${shown}${more}`,
      );
    });
}
