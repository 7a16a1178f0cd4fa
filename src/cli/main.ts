import { Command, CommanderError } from "commander";
import { addBenchCommand } from "./bench-command.js";
import { addCheckCommand } from "./check-command.js";
import { addCollectiveCommand } from "./collective-command.js";
import { UserError } from "./errors.js";
import { addMergeCommand } from "./merge-command.js";
import { addReportCommand } from "./report-command.js";
import { addRunCommand } from "./run-command.js";
import { addScaleCommand } from "./scale-command.js";
import { addSchemaCommand } from "./schema-command.js";
import { addSweepCommand } from "./sweep-command.js";
import { addValidateCommand } from "./validate-command.js";
import { packageVersion } from "./version.js";

/** Builds the command-line program; `out` receives each output line. */
export function buildProgram(out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Command {
  const program = new Command()
    .name("clustersim")
    .description("Discrete-event simulator of ML training and LLM inference serving on accelerator clusters")
    .version(packageVersion(), "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  addBenchCommand(program, out);
  addRunCommand(program, out);
  addCollectiveCommand(program, out);
  addValidateCommand(program, out);
  addSchemaCommand(program, out);
  addSweepCommand(program, out);
  addMergeCommand(program, out);
  addScaleCommand(program, out);
  addCheckCommand(program, out);
  addReportCommand(program, out);
  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 1 bad input, 2 usage error, 3 internal error). */
export async function main(rawArgv: string[]): Promise<number> {
  let argv = rawArgv;
  const program = buildProgram();
  // --debug (anywhere on the command line) only changes how an internal error is printed.
  argv = argv.filter((a) => a !== "--debug");
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      process.stderr.write(`clustersim: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(internalErrorText(err, rawArgv.includes("--debug")));
    return INTERNAL_ERROR_EXIT;
  }
}

/** Exit code of an internal error (a bug): distinct from bad input (1) and usage (2). */
export const INTERNAL_ERROR_EXIT = 3;

/**
 * What an internal error (anything but a user error: an invariant of the
 * engine or a model broke) prints: one line naming it, a pointer to report
 * it; the stack only with --debug.
 */
export function internalErrorText(err: unknown, debug: boolean): string {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const stack = debug && err instanceof Error && err.stack ? `${err.stack}\n` : "";
  return (
    `clustersim: internal error: ${message.split("\n")[0]}\n` +
    "  this is a bug in clustersim, not in your input: please report it with the command line and input files" +
    `${debug ? "" : " (rerun with --debug for the stack trace)"}\n${stack}`
  );
}
