/**
 * Modeling constants of the collectives, each with its source (listed in
 * docs/model.md, section "Network and collectives").
 */

/**
 * Per-message (per algorithm step) software latency inside a scale-up
 * domain: NCCL's ring/Simple per-step hardware latency over NVLink, 3.4 us
 * (hwLat[NVLINK][RING][SIMPLE], NVIDIA/nccl src/graph/tuning.cc, v2.12 era).
 * Used when the topology file gives no scale-up messageOverheadUs.
 */
export const NCCL_SCALEUP_STEP_LATENCY_S = 3.4e-6;

/** Same over the network: hwLat[NET][RING][SIMPLE] = 9.6 us (same source). */
export const NCCL_SCALEOUT_STEP_LATENCY_S = 9.6e-6;

/** Launch latency paid once per collective: baseLat[RING][SIMPLE] = 8.4 us (same source). */
export const NCCL_LAUNCH_LATENCY_S = 8.4e-6;

/**
 * Pipeline chunk of tree and chain algorithms: NCCL's default NCCL_BUFFSIZE
 * (4 MiB) split over NCCL_STEPS = 8 slots = 512 KiB per step (NCCL
 * environment-variable documentation; src/include/device.h).
 */
export const NCCL_CHUNK_BYTES = 512 * 1024;

/**
 * At most this many ring channels. NCCL runs up to 32 channels
 * (MAXCHANNELS); in a fluid model channels beyond one per rail add no
 * bandwidth, only flows. ASSUMPTION: 16 keeps every rail of 8- and 16-NIC
 * nodes busy.
 */
export const MAX_RING_CHANNELS = 16;
