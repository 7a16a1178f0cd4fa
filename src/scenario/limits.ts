/**
 * Run-size limits shared by the CLI options and the files that set the same
 * quantities (sweep files, claim files): one place, documented in the README.
 */

/** Upper bound of the training steps of one run (`--steps`, a sweep's `steps`). */
export const MAX_STEPS = 10_000;
/** Upper bound of the seeds of one scenario (`--seeds`). */
export const MAX_SEEDS = 1_000;
