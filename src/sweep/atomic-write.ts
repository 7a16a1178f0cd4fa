import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { checkWriteTarget, refusalMessage } from "../input/read-bounded.js";
import { UserError } from "../input/user-error.js";

/**
 * Writes a file atomically: a temp file in the same folder, then a rename
 * over the target. A target that exists and is not a regular file (a FIFO,
 * a device, a directory) is refused first, and a folder that cannot be
 * written is a user error naming it (exit 1, no stack trace), for every
 * output (--requests-csv, scale --csv, check --junit, schema --out, plots).
 */
export function writeFileAtomic(path: string, data: string): void {
  const refusal = checkWriteTarget(path, "a regular file to write");
  if (refusal) throw new UserError(refusalMessage(refusal));
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "ENOENT" || code === "EROFS" || code === "ENOSPC") {
      throw new UserError(
        `${path}: cannot write the file (${code}: ${dirname(path)} is not a writable folder or is full)`,
      );
    }
    throw err;
  }
}
