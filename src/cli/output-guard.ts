import { existsSync, realpathSync } from "node:fs";
import { dirname, extname } from "node:path";
import { UsageError, UserError } from "./errors.js";

/** Extensions of clustersim's input files: an output never overwrites an existing one. */
const INPUT_EXTENSIONS = new Set([".yaml", ".yml"]);

const real = (p: string): string | undefined => {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
};

/**
 * Refuses, before anything runs, an output path that would destroy an input:
 * the same file as one of the command's inputs (through any symlink), or an
 * existing YAML file (every input kind is YAML; no output is). A usage error
 * (exit 2) naming the option and the file.
 */
export function checkOutputPath(flag: string, outPath: string, inputs: readonly string[], writes: string): void {
  if (!existsSync(outPath)) return;
  const out = real(outPath);
  for (const input of inputs) {
    if (out !== undefined && real(input) === out) {
      throw new UsageError(`${flag} ${outPath}: that is an input of this command (${input}); choose another file`);
    }
  }
  if (INPUT_EXTENSIONS.has(extname(outPath).toLowerCase())) {
    throw new UsageError(
      `${flag} ${outPath}: an existing YAML file (an input kind); this writes ${writes}: choose another file or remove it first`,
    );
  }
}

/**
 * Refuses, before anything runs, an output whose folder does not exist (so a long run does not end
 * in a write error): bad input, exit 1, naming the option, the file and the folder.
 */
export function checkOutputFolder(flag: string, outPath: string): void {
  const dir = dirname(outPath);
  if (!existsSync(dir)) {
    throw new UserError(`${flag} ${outPath}: the folder ${dir} does not exist; create it or choose another path`);
  }
}
