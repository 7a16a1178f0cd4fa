import { z } from "zod";

/**
 * The scenario file's `failures:` block: component failure rates, recovery
 * times and the checkpoint policy. Units are in field names (hours, seconds,
 * bytes, GB/s = 10^9 bytes/s). Documented in docs/model.md, "Failures and goodput".
 */

// Default failure rates: Meta, "The Llama 3 Herd of Models" (Dubey et al., 2024,
// arXiv:2407.21783), section 3.3.4 "Reliability and operational challenges":
// a 54-day snapshot of Llama 3 405B pre-training on 16,384 H100 GPUs in 8-GPU
// Grand Teton servers (2,048 servers) had 419 unexpected interruptions;
// "GPU issues are the largest category, accounting for 58.7% of all unexpected
// issues" (Table 5 lists faulty GPU, HBM3, SRAM, GPU system processor, silent
// data corruption, thermal interface). We charge that 58.7% to the cards and
// the other 41.3% (network switches and cables, host maintenance, host
// hardware: NIC, SSD, PSU, CPU, DRAM, chassis; software and unknown) to the
// nodes. ASSUMPTION: the non-GPU interruptions scale with the node count;
// software bugs and switch failures do not strictly do so, but they grow with
// the job's size and a node count is the best proxy the file has.
// (Table 5's count of 148 "faulty GPU" interruptions would make the GPU share
// 64%, not the 58.7% the text and the percentages state; we use the text.)

/** GPUs in the Llama 3 405B snapshot (Dubey et al. 2024, section 3.3.4). */
export const LLAMA3_GPUS = 16_384;
/** Servers in that snapshot: 8 GPUs per Grand Teton server (ibid., section 3.3.1). */
export const LLAMA3_NODES = LLAMA3_GPUS / 8;
/** Length of the snapshot, hours (54 days; ibid., section 3.3.4). */
export const LLAMA3_SNAPSHOT_HOURS = 54 * 24;
/** Unexpected interruptions in the snapshot (ibid., section 3.3.4). */
export const LLAMA3_UNEXPECTED_INTERRUPTIONS = 419;
/** Share of the unexpected interruptions due to GPUs (ibid., section 3.3.4 text and Table 5). */
export const LLAMA3_GPU_SHARE = 0.587;

/**
 * Default per-card MTBF, hours: card-hours over card-attributed interruptions,
 * 16,384 × 1,296 h / (419 × 0.587) ≈ 86,300 h (≈ 9.9 years per card).
 */
export const DEFAULT_CARD_MTBF_HOURS =
  (LLAMA3_GPUS * LLAMA3_SNAPSHOT_HOURS) / (LLAMA3_UNEXPECTED_INTERRUPTIONS * LLAMA3_GPU_SHARE);

/**
 * Default per-node MTBF, hours: node-hours over the other interruptions,
 * 2,048 × 1,296 h / (419 × 0.413) ≈ 15,300 h. Together with the card default,
 * a 16,384-card / 2,048-node cluster fails every 1,296 h / 419 ≈ 3.1 h, as reported.
 */
export const DEFAULT_NODE_MTBF_HOURS =
  (LLAMA3_NODES * LLAMA3_SNAPSHOT_HOURS) / (LLAMA3_UNEXPECTED_INTERRUPTIONS * (1 - LLAMA3_GPU_SHARE));

// Messages do not repeat the field name: the loader prefixes the field path.
const positiveFinite = (what: string, mtbf = false) =>
  z.number({ error: `expected a finite number (${what})` }).refine((v) => v > 0, {
    error: (issue) =>
      `expected a number > 0 (${what}), found ${String(issue.input)}${
        mtbf ? ": a mean time between failures must be positive (a huge value means 'never fails')" : ""
      }`,
  });

const nonNegativeFinite = (what: string) =>
  z
    .number({ error: `expected a finite number (${what})` })
    .refine((v) => v >= 0, { error: (issue) => `expected a number >= 0 (${what}), found ${String(issue.input)}` });

export const CheckpointSpecSchema = z
  .strictObject({
    intervalS: z
      .union([positiveFinite("seconds of training between checkpoints"), z.literal("auto")], {
        error: (issue) => `expected a number of seconds > 0 or "auto", found ${JSON.stringify(issue.input)}`,
      })
      .default("auto")
      .describe(
        'Seconds of training compute between two checkpoints, or "auto" (default): Daly\'s (2006) optimum when blocking, the write time when not',
      ),
    sizeBytes: positiveFinite("bytes written per checkpoint, whole job")
      .optional()
      .describe("Bytes written per checkpoint for the whole job. Default: computed by the caller from the model state"),
    writeGBps: positiveFinite("aggregate storage write bandwidth, GB/s = 10^9 bytes/s").describe(
      "Aggregate storage write bandwidth seen by the job, GB/s (10^9 BYTES/s)",
    ),
    readGBps: positiveFinite("aggregate storage read bandwidth, GB/s = 10^9 bytes/s").describe(
      "Aggregate storage read bandwidth for the restore after a failure, GB/s (10^9 BYTES/s)",
    ),
    blocking: z
      .boolean({ error: "blocking: expected true or false" })
      .default(true)
      .describe(
        "true (default): training pauses while the checkpoint is written; false: the write runs in the background and the checkpoint counts only once written",
      ),
  })
  .describe("Checkpoint policy and storage speed");

export const FailureSpecSchema = z
  .strictObject({
    cardMtbfHours: positiveFinite("mean time between failures of one card, hours", true)
      .default(DEFAULT_CARD_MTBF_HOURS)
      .describe(
        "Mean time between failures of one card, hours (GPU, HBM, SRAM, on-card processor). Default ≈ 86,300 h, from Llama 3 (Dubey et al. 2024): 419 × 58.7% interruptions in 54 days on 16,384 H100",
      ),
    nodeMtbfHours: positiveFinite("mean time between failures of one node, hours", true)
      .default(DEFAULT_NODE_MTBF_HOURS)
      .describe(
        "Mean time between failures of one node's non-card parts, hours (host, NIC, PSU, its share of switches and software). Default ≈ 15,300 h, from Llama 3: 419 × 41.3% interruptions in 54 days on 2,048 servers",
      ),
    detectionS: nonNegativeFinite("seconds from a failure to the job noticing it").describe(
      "Seconds from a failure until the job notices it (timeouts, health checks)",
    ),
    restartS: nonNegativeFinite("seconds to re-schedule and restart the job").describe(
      "Seconds to replace the failed part (or a spare), re-schedule and restart the job, before the restore read",
    ),
    checkpoint: CheckpointSpecSchema,
  })
  .describe("Component failures, recovery and checkpointing, for goodput over a long job");

export type FailureSpec = z.infer<typeof FailureSpecSchema>;
export type FailureSpecInput = z.input<typeof FailureSpecSchema>;
export type CheckpointSpec = z.infer<typeof CheckpointSpecSchema>;
