// The point runners a sweep worker can load, in one module so the bundle has
// one entry for them (dist/runners.mjs); from the sources each is also
// importable from its own file.
export { runWithBreakdown } from "../claims/breakdown-runner.js";
export { runScenario } from "../scenario/run.js";
