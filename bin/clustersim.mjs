#!/usr/bin/env node
// Runs the CLI from the bundle `npm ci` builds (dist/, see scripts/build-bundle.mjs)
// when it was built from the sources on disk, else from the TypeScript sources
// through tsx's loader: no manual build step, and never code older than src/.
import { fileURLToPath, pathToFileURL } from "node:url";
import { pickEntry } from "./pick-entry.mjs";

// A closed pipe (`clustersim ... | head`) ends the program quietly, as for any Unix tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(0);
    throw err;
  });
}
const root = fileURLToPath(new URL("..", import.meta.url));
// CLUSTERSIM_DIST points at another bundle directory (the tests use it).
const distDir = process.env.CLUSTERSIM_DIST || fileURLToPath(new URL("../dist", import.meta.url));
const entry = pickEntry(root, distDir);
if (process.env.CLUSTERSIM_SHOW_ENTRY) {
  process.stderr.write(
    `clustersim: running from ${entry.kind === "bundle" ? entry.file : `sources (${entry.reason})`}\n`,
  );
}
let main;
if (entry.kind === "bundle") {
  ({ main } = await import(pathToFileURL(entry.file).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
process.exitCode = await main(process.argv);
