/**
 * Modeling constants of the network, each with its source. Listed in
 * docs/model.md, section "Network and collectives".
 */

/**
 * Fraction of a link's wire rate that carries payload under NCCL's Simple
 * protocol (headers, flags, flow control). Derived from the nccl-tests
 * maintainer's figure of 46-48 GB/s bus bandwidth per NDR 400 Gb/s NIC
 * (= 50 GB/s wire) for a ring all-reduce (NVIDIA/nccl-tests issue 290, row
 * "per NIC ring over NDR 400 Gb/s InfiniBand" of
 * ../shared/reference/collectives.csv): 47 / 50 = 0.94, the middle of the
 * range 0.92-0.96. ASSUMPTION: the same efficiency holds on scale-up links
 * (NVLink, HCCS, UB); no published figure for them is used here.
 */
export const PROTOCOL_EFFICIENCY = 0.94;

/**
 * Default per-message software overhead when the caller gives none: NCCL's
 * ring/Simple per-step hardware latency over the network, 9.6 us (hwLat[NET]
 * [RING][SIMPLE] in NVIDIA/nccl src/graph/tuning.cc, v2.12 era).
 */
export const DEFAULT_MESSAGE_OVERHEAD_S = 9.6e-6;

/**
 * A flow whose remaining bytes fall below this fraction of its size when its
 * rates are recomputed is treated as complete at that instant. Flows of one
 * collective phase finish at times that differ only by float rounding
 * (~1e-16 relative); without this, each would trigger its own recomputation
 * of the whole shared component. 1e-9 of a flow's duration is far below any
 * time the model resolves.
 */
export const COMPLETION_SNAP_FRACTION = 1e-9;
