export { busBandwidthFactor } from "./busbw.js";
export * from "./constants.js";
export { CollectiveError } from "./errors.js";
export { ALGOS_FOR } from "./plan.js";
export { CollectiveRunner, type CollectiveRunnerOptions } from "./runner.js";
export { type SimulateOptions, simulateCollective } from "./simulate.js";
export { formatBytes, parseSizeBytes } from "./sizes.js";
export * from "./types.js";
