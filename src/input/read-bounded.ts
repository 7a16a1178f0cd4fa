import { closeSync, constants, fstatSync, openSync, readSync, type Stats, statSync } from "node:fs";

/**
 * The one way clustersim reads a file (inputs, traces, results files, merge
 * inputs, baselines) and checks a file it is about to write.
 *
 * - The path is stat'ed first (following symlinks, so a link to a device is
 *   seen as that device) and anything but a regular file is refused by name:
 *   "a directory", "a FIFO", "a character device", ... A FIFO or device is
 *   never opened, so nothing blocks and /dev/zero is never read.
 * - The size is capped before reading and again while reading (a file that
 *   grows past the cap is refused, not read to the end).
 * - The open uses O_NONBLOCK (a path swapped for a FIFO after the stat cannot
 *   block the open) and the opened descriptor is fstat'ed again: a regular
 *   file or a refusal, whatever happened between the two calls.
 */

/** Largest input file read (topology, scenario, model, sweep, claim, request trace); this only stops accidents. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/**
 * Largest sweep results file read (`--out` with `--resume`, `merge` inputs): 256 MiB, about a
 * million rows of a typical sweep. Not larger because a results file is decoded and parsed whole:
 * V8 strings stop at 512 Mi characters, and the parsed rows take several times the file's size.
 */
export const MAX_RESULTS_BYTES = 256 * 1024 * 1024;

/** A refused read or write: which file, what was expected, what was found. */
export interface FileRefusal {
  file: string;
  expected: string;
  found: string;
  /** The errno code when the refusal came from the system (ENOENT, EACCES, ...). */
  code?: string;
}

/** `file: expected X, found Y` (one line). */
export function refusalMessage(r: FileRefusal): string {
  return `${r.file}: expected ${r.expected}, found ${r.found}`;
}

/** What a stat describes, as a user reads it: "a regular file", "a FIFO", "a character device", ... */
export function fileKind(st: Stats): string {
  if (st.isFile()) return "a regular file";
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isSymbolicLink()) return "a symbolic link";
  return "a special file";
}

function errnoRefusal(file: string, expected: string, err: unknown): FileRefusal {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return { file, expected, found: "no such file", code };
  if (code === "ENOTDIR") return { file, expected, found: "a path through a non-folder", code };
  if (code === "ELOOP") return { file, expected, found: "a symbolic link loop", code };
  if (code === "EACCES" || code === "EPERM") return { file, expected, found: `no permission (${code})`, code };
  return { file, expected, found: `error ${code ?? String(err)}`, ...(code ? { code } : {}) };
}

function tooLarge(file: string, maxBytes: number, size: number | string): FileRefusal {
  return { file, expected: `a file of at most ${maxBytes} bytes`, found: `${size} bytes` };
}

export interface ReadBoundedOptions {
  /** Size cap in bytes (MAX_INPUT_BYTES or MAX_RESULTS_BYTES). */
  maxBytes: number;
  /** What the caller wanted, for messages: "a YAML or JSON file", "a results CSV file", ... */
  expected: string;
}

/** The O_NONBLOCK flag where the platform has one (not on Windows, where FIFOs do not live in the file system). */
const O_NONBLOCK: number = constants.O_NONBLOCK ?? 0;

/**
 * Reads a whole regular file of at most `maxBytes` bytes. Never throws for a
 * file problem: a missing file, a directory, a FIFO, a device, a socket, a
 * file over the cap or an unreadable file is a refusal.
 */
export function readBounded(file: string, opts: ReadBoundedOptions): { bytes: Buffer } | { refusal: FileRefusal } {
  const { maxBytes, expected } = opts;
  let st: Stats;
  try {
    st = statSync(file);
  } catch (err) {
    return { refusal: errnoRefusal(file, expected, err) };
  }
  if (!st.isFile()) return { refusal: { file, expected, found: fileKind(st) } };
  if (st.size > maxBytes) return { refusal: tooLarge(file, maxBytes, st.size) };
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | O_NONBLOCK);
  } catch (err) {
    return { refusal: errnoRefusal(file, expected, err) };
  }
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile()) return { refusal: { file, expected, found: fileKind(fst) } };
    if (fst.size > maxBytes) return { refusal: tooLarge(file, maxBytes, fst.size) };
    // Read to EOF, but never more than maxBytes + 1 (the file may grow while read).
    let buf = Buffer.allocUnsafe(Math.min(fst.size, maxBytes) + 1);
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (len > maxBytes) return { refusal: tooLarge(file, maxBytes, `more than ${maxBytes}`) };
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    if (len > maxBytes) return { refusal: tooLarge(file, maxBytes, `more than ${maxBytes}`) };
    return { bytes: buf.subarray(0, len) };
  } catch (err) {
    return { refusal: errnoRefusal(file, expected, err) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks a path about to be written or replaced (a results file, a merged
 * file): a missing path or a regular file is fine (undefined); a directory,
 * FIFO, device or socket is a refusal, found before anything opens it.
 */
export function checkWriteTarget(file: string, expected: string): FileRefusal | undefined {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A missing file (or a dangling symlink) is created; other errors surface when writing.
    if (code === "ENOENT") return undefined;
    return errnoRefusal(file, expected, err);
  }
  return st.isFile() ? undefined : { file, expected, found: fileKind(st) };
}

/**
 * Opens an existing regular file for appending without ever blocking (O_NONBLOCK:
 * a FIFO swapped in after the check fails the open instead of waiting for a
 * reader) and fstat's the descriptor: a refusal unless it is a regular file.
 */
export function openAppendRegular(file: string, expected: string): { fd: number } | { refusal: FileRefusal } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENXIO: a FIFO without a reader (only reachable through a race with the stat check).
    if (code === "ENXIO") return { refusal: { file, expected, found: "a FIFO (named pipe)", code } };
    return { refusal: errnoRefusal(file, expected, err) };
  }
  let kind: string;
  try {
    const fst = fstatSync(fd);
    if (fst.isFile()) return { fd };
    kind = fileKind(fst);
  } catch (err) {
    closeSync(fd);
    return { refusal: errnoRefusal(file, expected, err) };
  }
  closeSync(fd);
  return { refusal: { file, expected, found: kind } };
}
