import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { MAX_INPUT_BYTES, readBounded, refusalMessage } from "../input/read-bounded.js";
import { UserError } from "../input/user-error.js";
import { packageVersion } from "../version.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { SweepPlan } from "./expand.js";
import type { Shard } from "./shard.js";

/**
 * Where a results file comes from, kept in the sidecar `<out>.provenance.json`
 * (so the CSV itself stays plain RFC 4180): the tool and its version, the
 * sweep file (as given) and the SHA-256 of its bytes, the SHA-256 of the
 * canonical JSON of the planned points (index, id, sets, seed, steps), the
 * shard and the columns. `--resume` continues a file only when these match.
 */
export interface Provenance {
  tool: "clustersim";
  version: string;
  sweepFile: string;
  sweepSha256: string;
  pointsSha256: string;
  /** `k/n`, or null for the whole sweep. */
  shard: string | null;
  columns: string[];
}

export function provenancePath(outPath: string): string {
  return `${outPath}.provenance.json`;
}

/** The provenance of a results file this run writes. */
export function makeProvenance(
  sweepPath: string,
  plan: SweepPlan,
  columns: readonly string[],
  shard: Shard | undefined,
): Provenance {
  const read = readBounded(sweepPath, { maxBytes: MAX_INPUT_BYTES, expected: "a sweep file" });
  if ("refusal" in read) throw new UserError(refusalMessage(read.refusal));
  // The scenario path is left out: the same sweep checked out elsewhere (another node) is the same sweep.
  const points = plan.points.map((p) => ({
    index: p.index,
    id: p.id,
    sets: p.spec.sets,
    seed: p.spec.seed,
    steps: p.spec.steps,
  }));
  return {
    tool: "clustersim",
    version: packageVersion(),
    sweepFile: sweepPath,
    sweepSha256: sha256(read.bytes),
    pointsSha256: sha256(JSON.stringify(points)),
    shard: shard === undefined ? null : `${shard.k}/${shard.n}`,
    columns: [...columns],
  };
}

export function writeProvenance(outPath: string, p: Provenance): void {
  writeFileAtomic(provenancePath(outPath), `${JSON.stringify(p, null, 2)}\n`);
}

/** The sidecar of a results file, or undefined when there is none (a UserError when it is not one). */
export function readProvenance(outPath: string): Provenance | undefined {
  const path = provenancePath(outPath);
  if (!existsSync(path)) return undefined;
  const read = readBounded(path, { maxBytes: MAX_INPUT_BYTES, expected: "a provenance JSON file" });
  if ("refusal" in read) throw new UserError(refusalMessage(read.refusal));
  let p: Partial<Provenance>;
  try {
    p = JSON.parse(read.bytes.toString("utf8")) as Partial<Provenance>;
  } catch (err) {
    throw new UserError(`${path}: not a valid provenance file: ${(err as Error).message}`);
  }
  if (p === null || typeof p !== "object" || p.tool !== "clustersim") {
    throw new UserError(`${path}: not a clustersim provenance file (expected "tool": "clustersim")`);
  }
  return p as Provenance;
}

/** What differs between the provenance found with a file and this run's, in words (empty: none). */
export function provenanceDifferences(found: Partial<Provenance>, mine: Provenance): string[] {
  const out: string[] = [];
  if (found.version !== mine.version) {
    out.push(`tool version: file ${String(found.version)}, this clustersim ${mine.version}`);
  }
  if (found.sweepSha256 !== mine.sweepSha256) {
    out.push(`sweep file: the file was written from ${String(found.sweepFile)} with other contents (sha256 differs)`);
  }
  if (found.pointsSha256 !== mine.pointsSha256) out.push("points: the sweep's points (sets, seeds, steps) differ");
  if ((found.shard ?? null) !== mine.shard) {
    out.push(`shard: file ${found.shard ?? "whole sweep"}, this run ${mine.shard ?? "whole sweep"}`);
  }
  if (!Array.isArray(found.columns) || found.columns.join(",") !== mine.columns.join(",")) {
    out.push("columns differ");
  }
  return out;
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
