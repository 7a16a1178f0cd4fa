import type { InputIssue } from "./issues.js";
import { MAX_INPUT_BYTES, readBounded } from "./read-bounded.js";

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
 * Reads a text input file (at most MAX_INPUT_BYTES, through readBounded).
 * Missing files, directories, FIFOs, devices, sockets, huge files and binary
 * (non-UTF-8 or NUL-containing) files are issues, not exceptions. `expected`
 * names the kind of file wanted in messages ("a YAML or JSON file" by default).
 */
export function readInputFile(
  file: string,
  expected = "a YAML or JSON file",
): { text: string } | { issue: InputIssue } {
  const read = readBounded(file, { maxBytes: MAX_INPUT_BYTES, expected });
  if ("refusal" in read) return { issue: whole(file, read.refusal.expected, read.refusal.found) };
  const bytes = read.bytes;
  if (bytes.includes(0)) return { issue: whole(file, "a UTF-8 text file", "binary data (NUL bytes)") };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { issue: whole(file, "a UTF-8 text file", "binary data (invalid UTF-8)") };
  }
}
