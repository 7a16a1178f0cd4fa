import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../input/issues.js";
import { readDocument } from "../input/load-input.js";
import { ClaimInputError } from "./claim-error.js";

export type InputKind = "claim" | "scenario" | "other";

const EXTENSIONS = /\.(ya?ml|json)$/i;

/**
 * What a file holds, from its top-level keys: a claim (statement + bound), a
 * scenario (parallel + model: training; serving + model: serving), or other.
 */
export function inputKind(file: string): InputKind {
  let value: unknown;
  try {
    value = readDocument(file).value;
  } catch (err) {
    if (err instanceof InputError) throw new ClaimInputError(err.issues);
    throw err;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return "other";
  const keys = new Set(Object.keys(value));
  if (keys.has("statement") && keys.has("bound")) return "claim";
  if ((keys.has("parallel") || keys.has("serving")) && keys.has("model")) return "scenario";
  return "other";
}

/**
 * Expands files and folders (recursively, YAML/JSON files in name order) into
 * the claims and scenarios they hold. A file named directly must be one of
 * `kinds`; files found in folders that are neither are skipped (topologies,
 * models, sweeps, schemas).
 */
export function collectInputs(
  paths: readonly string[],
  kinds: readonly InputKind[],
): { file: string; kind: InputKind }[] {
  const out: { file: string; kind: InputKind }[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new ClaimInputError([{ file: p, line: 0, column: 0, path: "", message: "no such file or folder" }]);
    }
    if (!isDir) {
      const kind = inputKind(p);
      if (!kinds.includes(kind)) {
        throw new ClaimInputError([
          {
            file: p,
            line: 0,
            column: 0,
            path: "",
            message: `expected a ${kinds.join(" or ")} file, found ${kind === "other" ? "neither" : `a ${kind}`}`,
          },
        ]);
      }
      out.push({ file: p, kind });
      continue;
    }
    for (const f of walk(p)) {
      const kind = inputKind(f);
      if (kinds.includes(kind)) out.push({ file: f, kind });
    }
  }
  return out;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (EXTENSIONS.test(name)) out.push(p);
  }
  return out;
}
