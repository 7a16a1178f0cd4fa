export {
  COMPLETION_SNAP_FRACTION,
  DEFAULT_MESSAGE_OVERHEAD_S,
  PROTOCOL_EFFICIENCY,
  SCALE_UP_PROTOCOL_EFFICIENCY,
} from "./constants.js";
export { FlowNetwork, type FlowNetworkOptions } from "./flow-network.js";
export { MaxMinSolver } from "./max-min.js";
export type { FlowDone, FlowId, FlowOptions, NetworkModel, NetworkStats } from "./types.js";
