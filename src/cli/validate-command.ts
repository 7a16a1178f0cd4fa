import type { Command } from "commander";
import { FILE_KINDS, type FileKind, kindOf } from "../claims/input-files.js";
import { loadClaim } from "../claims/load-claim.js";
import { buildCluster } from "../cluster/build.js";
import { formatSummary } from "../cluster/load-topology.js";
import { TopologySpecSchema } from "../cluster/topology-schema.js";
import { formatIssue, InputError, type InputIssue } from "../input/issues.js";
import { loadDocument, readDocument } from "../input/load-document.js";
import { loadAnyScenario, shortPath } from "../scenario/load-scenario.js";
import { checkSweepScenario, planSweep } from "../sweep/run-sweep.js";
import { ModelSpecSchema } from "../workload/model-spec.js";
import { UsageError, UserError } from "./errors.js";
import { collect } from "./options.js";

export interface ValidateOptions {
  files: string[];
  sets: string[];
  /** Validate every file as this kind (default: inferred from each file's top-level keys). */
  kind?: FileKind;
}

export interface ValidateReport {
  ok: string[];
  issues: InputIssue[];
  invalidFiles: number;
}

/**
 * Validates each file (all of them, even after a failure) as the kind it
 * holds, inferred from its top-level keys (see kindOf) or given with
 * `--kind`; a file whose kind cannot be told (it does not parse, or has none
 * of the telling keys) is checked as a topology. Topologies: parse, `--set`,
 * schema and semantic checks, then the cluster graph is built (summary line).
 * Scenarios (training or serving) and models load as `run` loads them, with
 * `--set`; a sweep is expanded and its scenario loaded; a claim loads with its
 * scenario and every variant, as `check` does. Each valid file prints
 * `OK FILE: <kind> <name>` (topologies: the cluster summary).
 */
export function validateFiles(opts: ValidateOptions): ValidateReport {
  const report: ValidateReport = { ok: [], issues: [], invalidFiles: 0 };
  for (const file of opts.files) {
    try {
      report.ok.push(`OK ${file}: ${validateOne(file, opts)}`);
    } catch (err) {
      const issues = issuesOf(err, file);
      if (issues === undefined) throw err;
      report.invalidFiles++;
      report.issues.push(...issues);
    }
  }
  return report;
}

/** The issues a loader's error carries (InputError, ClaimInputError, or a UserError's one line). */
function issuesOf(err: unknown, file: string): InputIssue[] | undefined {
  if (err instanceof UsageError) return undefined;
  if (err instanceof InputError) return err.issues;
  if (err instanceof UserError) {
    const issues = (err as UserError & { issues?: InputIssue[] }).issues;
    if (Array.isArray(issues)) return issues;
    const message = err.message.startsWith(`${file}: `) ? err.message.slice(file.length + 2) : err.message;
    return [{ file, line: 0, column: 0, path: "", message }];
  }
  return undefined;
}

/** The kind a file holds by its top-level keys; undefined when it does not parse or nothing tells. */
function inferredKind(file: string): FileKind | undefined {
  try {
    return kindOf(readDocument(file).value);
  } catch (err) {
    if (err instanceof InputError) return undefined;
    throw err;
  }
}

/** Validates one file; returns the text after `OK FILE: `, throws the loader's error otherwise. */
function validateOne(file: string, opts: ValidateOptions): string {
  const inferred = inferredKind(file);
  if (opts.kind !== undefined && inferred !== undefined && inferred !== opts.kind) {
    const message = `expected a ${opts.kind} file (--kind ${opts.kind}), found a ${inferred} file (by its top-level fields)`;
    throw new InputError([
      { file, line: 0, column: 0, path: "", expected: `a ${opts.kind} file`, found: `a ${inferred} file`, message },
    ]);
  }
  const kind = opts.kind ?? inferred ?? "topology";
  if (opts.sets.length > 0 && (kind === "sweep" || kind === "claim")) {
    throw new InputError([
      {
        file,
        line: 0,
        column: 0,
        path: "",
        message: `--set applies to topology, scenario and model files, not to a ${kind} file (put overrides in its set: list)`,
      },
    ]);
  }
  switch (kind) {
    case "topology": {
      const cluster = buildCluster(loadDocument(file, TopologySpecSchema, { sets: opts.sets }));
      return formatSummary(cluster.name, cluster.summary());
    }
    case "scenario": {
      const s = loadAnyScenario(file, opts.sets);
      return `${s.kind === "serving" ? "serving scenario" : "scenario"} ${s.spec.name}`;
    }
    case "model":
      return `model ${loadDocument(file, ModelSpecSchema, { sets: opts.sets }).name}`;
    case "sweep": {
      const { loaded, plan } = planSweep(file);
      checkSweepScenario(loaded, plan);
      const n = plan.points.length;
      return `sweep of ${n} point${n === 1 ? "" : "s"} over ${shortPath(loaded.scenarioPath)}`;
    }
    case "claim":
      return `claim ${JSON.stringify(loadClaim(file).spec.statement)}`;
  }
}

function kindOption(value: string): FileKind {
  if (!(FILE_KINDS as readonly string[]).includes(value)) {
    throw new UsageError(`--kind: expected one of ${FILE_KINDS.join(", ")}, found '${value}'`);
  }
  return value as FileKind;
}

/** `clustersim validate FILE... [--kind K] [--set path=value]...` */
export function addValidateCommand(program: Command, out: (line: string) => void): void {
  program
    .command("validate")
    .description(
      "check input files of every kind (topology, scenario, model, sweep, claim; inferred from the top-level fields, or --kind): schema, units, references; print a summary of each valid one",
    )
    .argument("<files...>", "YAML or JSON files")
    .option("--kind <kind>", `validate every file as this kind: ${FILE_KINDS.join(", ")}`)
    .option(
      "--set <path=value>",
      "override a field before validation (repeatable; topology, scenario and model files), e.g. scaleOut.nicGbps=200",
      collect,
      [],
    )
    .action((files: string[], opts: { set: string[]; kind?: string }) => {
      const kind = opts.kind === undefined ? undefined : kindOption(opts.kind);
      const report = validateFiles({ files, sets: opts.set, ...(kind !== undefined ? { kind } : {}) });
      for (const line of report.ok) out(line);
      for (const issue of report.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      if (report.invalidFiles > 0) {
        throw new UserError(
          `${report.invalidFiles} of ${files.length} file${files.length > 1 ? "s" : ""} invalid (${report.issues.length} error${report.issues.length > 1 ? "s" : ""})`,
        );
      }
    });
}
