import { lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError, type InputIssue } from "../input/issues.js";
import { readDocument } from "../input/load-document.js";
import { ClaimInputError } from "./claim-error.js";

export type InputKind = "claim" | "scenario" | "other";

/** Every kind of input file, as `validate` tells them apart. */
export type FileKind = "topology" | "scenario" | "model" | "sweep" | "claim";

export const FILE_KINDS: readonly FileKind[] = ["topology", "scenario", "model", "sweep", "claim"];

const EXTENSIONS = /\.(ya?ml|json)$/i;

/** Top-level fields that only a topology has (name and description are shared by every kind). */
export const TOPOLOGY_FIELDS = ["nodes", "cardsPerNode", "cards", "accelerator", "scaleUp", "scaleOut"] as const;
/** Top-level fields that only a model has. */
export const MODEL_FIELDS = [
  "layers",
  "hiddenSize",
  "attentionHeads",
  "kvHeads",
  "ffnHiddenSize",
  "vocabSize",
  "seqLength",
] as const;

/**
 * The kind of a parsed file from its top-level keys: claim (statement +
 * bound), sweep (scenario + axes), scenario (parallel or serving, with a
 * model or topology), model (layers, hiddenSize, ...), topology (nodes,
 * cardsPerNode, accelerator, ...). Undefined when nothing says.
 */
export function kindOf(value: unknown): FileKind | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const keys = new Set(Object.keys(value));
  if (keys.has("statement") && keys.has("bound")) return "claim";
  if (keys.has("axes") && keys.has("scenario")) return "sweep";
  if ((keys.has("parallel") || keys.has("serving")) && (keys.has("model") || keys.has("topology"))) return "scenario";
  if (keys.has("topology") && keys.has("model")) return "scenario";
  const model = MODEL_FIELDS.filter((k) => keys.has(k)).length;
  const topology = TOPOLOGY_FIELDS.filter((k) => keys.has(k)).length;
  if (model > 0 && model >= topology) return "model";
  if (topology > 0) return "topology";
  return undefined;
}

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
 * models, sweeps, schemas). Symbolic links are followed once: a link to a
 * missing file, a link that loops, or a link back to a folder being walked
 * (a cycle) is bad input (ClaimInputError, exit 2), reported with every
 * other such link before anything is read.
 */
export function collectInputs(
  paths: readonly string[],
  kinds: readonly InputKind[],
): { file: string; kind: InputKind }[] {
  const out: { file: string; kind: InputKind }[] = [];
  for (const p of paths) {
    const entry = classify(p);
    if (entry.issue !== undefined) throw new ClaimInputError([whole(p, entry.issue)]);
    if (!entry.dir) {
      const kind = inputKind(p);
      if (!kinds.includes(kind)) {
        throw new ClaimInputError([
          whole(p, `expected a ${kinds.join(" or ")} file, found ${kind === "other" ? "neither" : `a ${kind}`}`),
        ]);
      }
      out.push({ file: p, kind });
      continue;
    }
    const issues: InputIssue[] = [];
    const files = walk(p, [{ real: entry.real, shown: p }], new Set(), issues);
    if (issues.length > 0) throw new ClaimInputError(issues);
    for (const f of files) {
      const kind = inputKind(f);
      if (kinds.includes(kind)) out.push({ file: f, kind });
    }
  }
  return out;
}

function whole(file: string, message: string): InputIssue {
  return { file, line: 0, column: 0, path: "", message };
}

type Entry = { dir: boolean; real: string; link: boolean; issue?: undefined } | { issue: string };

/** What a path is, following symbolic links; a broken or looping link is an issue, never an exception. */
function classify(p: string): Entry {
  let link = false;
  try {
    link = lstatSync(p).isSymbolicLink();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { issue: code === "ENOENT" || code === "ENOTDIR" ? "no such file or folder" : `cannot be read (${code})` };
  }
  try {
    const dir = statSync(p).isDirectory();
    return { dir, real: realpathSync(p), link };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return { issue: "a symbolic link that loops (it leads back to itself)" };
    if (link && (code === "ENOENT" || code === "ENOTDIR"))
      return { issue: "a dangling symbolic link (its target does not exist)" };
    if (code === "ENOENT" || code === "ENOTDIR") return { issue: "no such file or folder" };
    return { issue: `cannot be read (${code})` };
  }
}

/**
 * YAML and JSON files below `dir`, in name order. `ancestors` are the real
 * paths of the folders being walked (a link to one of them is a cycle);
 * `seen` the real paths of files already listed (a file reached twice through
 * links is listed once).
 */
function walk(
  dir: string,
  ancestors: readonly { real: string; shown: string }[],
  seen: Set<string>,
  issues: InputIssue[],
): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    issues.push(whole(dir, `cannot be read (${(err as NodeJS.ErrnoException).code})`));
    return out;
  }
  for (const name of names) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const p = join(dir, name);
    const entry = classify(p);
    if (entry.issue !== undefined) {
      // A broken link to something that is not an input would be skipped anyway, but a
      // folder walk cannot know what it pointed to: every broken link is reported.
      if (entry.issue !== "no such file or folder") issues.push(whole(p, entry.issue));
      continue;
    }
    if (entry.dir) {
      const back = ancestors.find((a) => a.real === entry.real);
      if (back !== undefined) {
        issues.push(whole(p, `a symbolic link back to the folder ${back.shown} that contains it (a cycle)`));
        continue;
      }
      out.push(...walk(p, [...ancestors, { real: entry.real, shown: p }], seen, issues));
    } else if (EXTENSIONS.test(name) && !seen.has(entry.real)) {
      seen.add(entry.real);
      out.push(p);
    }
  }
  return out;
}
