// Decides whether the CLI runs from the prebuilt bundle (dist/, fast start-up)
// or from the TypeScript sources through tsx: the bundle only when its manifest
// says it was built from exactly the sources on disk now.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sourceHash } from "./source-hash.mjs";

/** Name of the manifest the build writes next to the bundle. */
export const MANIFEST = "manifest.json";

/**
 * `{ kind: "bundle", file }` when `<distDir>/manifest.json` names the current
 * source hash and its entry file exists; otherwise `{ kind: "sources", reason }`
 * (no bundle, unreadable manifest, sources changed since the build, or
 * CLUSTERSIM_NO_BUNDLE set). Never picks a bundle of other sources.
 */
export function pickEntry(root, distDir, env = process.env) {
  if (env.CLUSTERSIM_NO_BUNDLE) return { kind: "sources", reason: "CLUSTERSIM_NO_BUNDLE is set" };
  const manifestPath = join(distDir, MANIFEST);
  if (!existsSync(manifestPath)) return { kind: "sources", reason: "no bundle built (npm run build)" };
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch {
    return { kind: "sources", reason: `unreadable ${manifestPath}` };
  }
  const file = join(distDir, String(manifest?.entries?.cli ?? ""));
  if (typeof manifest?.sourceHash !== "string" || !manifest?.entries?.cli || !existsSync(file)) {
    return { kind: "sources", reason: `incomplete bundle in ${distDir}` };
  }
  if (manifest.sourceHash !== sourceHash(root)) {
    return { kind: "sources", reason: "sources changed since the bundle was built (npm run build)" };
  }
  return { kind: "bundle", file };
}
