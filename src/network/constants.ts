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
 * range 0.92-0.96. Applies to scale-out links (NICs, switches); scale-up
 * links use SCALE_UP_PROTOCOL_EFFICIENCY.
 */
export const PROTOCOL_EFFICIENCY = 0.94;

/**
 * Fraction of a scale-up link's wire rate that NCCL's ring carries, from the
 * NCCL maintainer's figure for 8 x H100 on NVLink4: "450GB/s is the line
 * rate. With the protocol overhead (~20%) NCCL can get an effective NVLink
 * bandwidth of 370GB/s" (busbw with NCCL_ALGO=RING; NVIDIA/nccl-tests issue
 * 212; row "8xH100-SXM5 one node NVLink ring" of
 * test/fixtures/reference/collectives.csv): 370 / 450 = 0.822. The A100's
 * measured 240 / 300 = 0.80 (its catalog entry) agrees. Default for every
 * card whose catalog entry gives no scale-up efficiency of its own;
 * ASSUMPTION for non-NVLink fabrics (HCCS, UB, ICI): no published figure for
 * them, so the measured NVLink overhead is taken.
 */
export const SCALE_UP_PROTOCOL_EFFICIENCY = 370 / 450;

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
