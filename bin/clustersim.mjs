#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader: no build step after `npm ci`.
import { register } from "tsx/esm/api";

register();
// A closed pipe (`clustersim ... | head`) ends the program quietly, as for any Unix tool.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(0);
    throw err;
  });
}
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
