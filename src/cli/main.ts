import { Command, CommanderError } from "commander";
import { UserError } from "./errors.js";
import { packageVersion } from "./version.js";

type AddCommand = (program: Command, out: (line: string) => void) => void;

/**
 * The commands in the order `--help` lists them, each loaded on demand: a
 * command's module (and the simulator behind it) is imported only when that
 * command runs or the full command list is needed, so `--version` or a
 * single `validate` does not pay for loading every other command.
 */
const COMMANDS: [name: string, load: () => Promise<AddCommand>][] = [
  ["bench", async () => (await import("./bench-command.js")).addBenchCommand],
  ["run", async () => (await import("./run-command.js")).addRunCommand],
  ["collective", async () => (await import("./collective-command.js")).addCollectiveCommand],
  ["validate", async () => (await import("./validate-command.js")).addValidateCommand],
  ["schema", async () => (await import("./schema-command.js")).addSchemaCommand],
  ["sweep", async () => (await import("./sweep-command.js")).addSweepCommand],
  ["merge", async () => (await import("./merge-command.js")).addMergeCommand],
  ["scale", async () => (await import("./scale-command.js")).addScaleCommand],
  ["check", async () => (await import("./check-command.js")).addCheckCommand],
  ["report", async () => (await import("./report-command.js")).addReportCommand],
  ["plan", async () => (await import("./plan-command.js")).addPlanCommand],
];

/**
 * Which commands `argv` needs registered: the one it names (its first
 * non-option word, when that is a command), none for a bare `--version`,
 * and all of them otherwise (help, an unknown command and its suggestion).
 */
export function commandsFor(argv: string[]): string[] {
  const args = argv.slice(2);
  const word = args.find((a) => !a.startsWith("-"));
  const named = COMMANDS.find(([name]) => name === word);
  if (named) return [named[0]];
  const versionOnly = args.length > 0 && args.every((a) => a === "--version" || a === "-V");
  return versionOnly ? [] : COMMANDS.map(([name]) => name);
}

/** Builds the command-line program for `argv`; `out` receives each output line. */
export async function buildProgram(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<Command> {
  const program = new Command()
    .name("clustersim")
    .description("Discrete-event simulator of ML training and LLM inference serving on accelerator clusters")
    .version(packageVersion(), "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  const wanted = new Set(commandsFor(argv));
  const adders = await Promise.all(COMMANDS.filter(([name]) => wanted.has(name)).map(([, load]) => load()));
  for (const add of adders) add(program, out);
  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 1 bad input, 2 usage error, 3 internal error). */
export async function main(rawArgv: string[]): Promise<number> {
  // --debug (anywhere on the command line) only changes how an internal error is printed.
  const argv = rawArgv.filter((a) => a !== "--debug");
  try {
    const program = await buildProgram(argv);
    for (const cmd of program.commands) cmd.exitOverride();
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
