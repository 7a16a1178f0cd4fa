import type { Command } from "commander";
import { buildCluster } from "../cluster/build.js";
import { formatSummary } from "../cluster/load-topology.js";
import { TopologySpecSchema } from "../cluster/topology-schema.js";
import { applySets } from "../input/apply-sets.js";
import { formatIssue, InputError, type InputIssue } from "../input/issues.js";
import { readDocument } from "../input/load-input.js";
import { validateDocument } from "../input/validate-document.js";
import { UserError } from "./errors.js";

export interface ValidateOptions {
  files: string[];
  sets: string[];
}

export interface ValidateReport {
  ok: string[];
  issues: InputIssue[];
  invalidFiles: number;
}

/**
 * Validates each file (all of them, even after a failure): parse, `--set`,
 * schema and semantic checks, then builds the cluster graph. Today every file
 * is a topology; later file kinds plug in here.
 */
export function validateFiles(opts: ValidateOptions): ValidateReport {
  const report: ValidateReport = { ok: [], issues: [], invalidFiles: 0 };
  for (const file of opts.files) {
    try {
      const doc = readDocument(file);
      const setIssues = applySets(doc, opts.sets, TopologySpecSchema);
      if (setIssues.length) throw new InputError(setIssues);
      const result = validateDocument(doc, TopologySpecSchema);
      if (!result.ok) throw new InputError(result.issues);
      const cluster = buildCluster(result.value);
      report.ok.push(`OK ${file}: ${formatSummary(cluster.name, cluster.summary())}`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      report.invalidFiles++;
      report.issues.push(...err.issues);
    }
  }
  return report;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `clustersim validate FILE... [--set path=value]...` */
export function addValidateCommand(program: Command, out: (line: string) => void): void {
  program
    .command("validate")
    .description("check topology files: schema, units, counts, switch radices; print a summary of each valid one")
    .argument("<files...>", "YAML or JSON files")
    .option(
      "--set <path=value>",
      "override a field before validation (repeatable), e.g. scaleOut.nicGbps=200",
      collect,
      [],
    )
    .action((files: string[], opts: { set: string[] }) => {
      const report = validateFiles({ files, sets: opts.set });
      for (const line of report.ok) out(line);
      for (const issue of report.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      if (report.invalidFiles > 0) {
        throw new UserError(
          `${report.invalidFiles} of ${files.length} file${files.length > 1 ? "s" : ""} invalid (${report.issues.length} error${report.issues.length > 1 ? "s" : ""})`,
        );
      }
    });
}
