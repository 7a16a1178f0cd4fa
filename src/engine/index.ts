export { EventQueue } from "./event-queue.js";
export { Join } from "./join.js";
export { Resource } from "./resource.js";
export { RandomStream, RandomStreams } from "./rng.js";
export type { EventHandle, HandlerId, RunOptions, RunStats } from "./simulator.js";
export { EngineError, Simulator } from "./simulator.js";
