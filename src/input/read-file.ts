import { readFileSync, statSync } from "node:fs";
import type { InputIssue } from "./issues.js";

/** Largest input file read (a topology is a few kB; this only stops accidents). */
const MAX_INPUT_BYTES = 16 * 1024 * 1024;

const whole = (file: string, expected: string, found: string): InputIssue => ({
  file,
  line: 0,
  column: 0,
  path: "",
  expected,
  found,
  message: `expected ${expected}, found ${found}`,
});

/**
 * Reads a text input file. Missing files, directories, huge files and binary
 * (non-UTF-8 or NUL-containing) files are issues, not exceptions.
 */
export function readInputFile(file: string): { text: string } | { issue: InputIssue } {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) return { issue: whole(file, "a YAML or JSON file", "a directory") };
    if (!st.isFile()) return { issue: whole(file, "a YAML or JSON file", "a special file") };
    size = st.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { issue: whole(file, "a YAML or JSON file", "no such file") };
    return { issue: whole(file, "a readable file", `error ${code ?? String(err)}`) };
  }
  if (size > MAX_INPUT_BYTES) {
    return { issue: whole(file, `a file of at most ${MAX_INPUT_BYTES} bytes`, `${size} bytes`) };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { issue: whole(file, "a readable file", `error ${code ?? String(err)}`) };
  }
  if (bytes.includes(0)) return { issue: whole(file, "a UTF-8 text file", "binary data (NUL bytes)") };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { issue: whole(file, "a UTF-8 text file", "binary data (invalid UTF-8)") };
  }
}
