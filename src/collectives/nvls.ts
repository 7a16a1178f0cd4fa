import { NCCL_LAUNCH_LATENCY_S } from "./constants.js";
import type { CollectiveContext } from "./context.js";
import { FlowPhase, PhaseFlows } from "./flow-phase.js";
import { Sequence, type Stage } from "./stage.js";

/**
 * NVLink SHARP (NCCL's NVLS algorithm) all-reduce inside one switched scale-up
 * domain whose switches reduce and multicast (`scaleUp.inSwitchReduction`).
 * Each card owns 1/n of the buffer: it reads its block reduced over all cards
 * from the switch (multimem.ld_reduce: every card's port sends each block
 * once, S in all, and receives its own S/n), then stores the result to the
 * multicast address (multimem.st: S/n out, the switch copies every block to
 * every card, S in). Both halves run pipelined, so each card port carries
 * (1 + 1/n)·S per direction against 2·(n − 1)/n·S for a ring: nccl-tests'
 * busbw = linkBW · η · 2(n − 1)/(n + 1).
 *
 * In the flow model each card sends one flow of (1 + 1/n)·S to the next card
 * (its up-link and the next card's down-link carry it: the load NVLS puts on
 * every port) after NCCL's NVLS latency, the payload scaled by
 * NVLS_PAYLOAD_VS_RING so that the port moves it at NVLS's measured
 * efficiency rather than the ring's.
 */

/**
 * Link payload efficiency of NVLS relative to the ring's, from nccl-tests on
 * 8 x H100 SXM (NVLink4, 450 GB/s per direction): NVLS all-reduce busbw
 * 460-480 GB/s (NVIDIA/nccl-tests issue 290, maintainer: 476 "in the expected
 * range"; reference/collectives.csv), so the ports carry 470 · 9/14 = 302 GB/s
 * of (1 + 1/8)·S payload; the ring reaches 370 GB/s on the same links
 * (SCALE_UP_PROTOCOL_EFFICIENCY's source). 302 / 370 = 0.817. A component
 * measurement; ASSUMPTION: the same ratio on other NVLS systems (NVL72).
 */
export const NVLS_PAYLOAD_VS_RING = (470 * (9 / 14)) / 370;

/** Bytes each card's port carries per direction for an all-reduce of `sizeBytes` over n cards. */
export function nvlsPortBytes(n: number, sizeBytes: number): number {
  return (1 + 1 / n) * sizeBytes;
}

/**
 * NVLS's latency beyond the collective's launch: NCCL's tuner prices an NVLS all-reduce inside one
 * node at hwLatencies[NVLINK][NVLS][SIMPLE] = 25 us with base latency 0 (NVIDIA/nccl
 * src/graph/tuning.cc at commit 5067397, ncclTunerConstantsDefaults), against the ring's 8.4 us base
 * + 3.4 us per step that the launch and per-message costs here stand for; so NVLS pays 25 us in all:
 * 25 − NCCL_LAUNCH_LATENCY_S after the launch, whatever the group size (its two traversals included).
 */
export const NVLS_LATENCY_AFTER_LAUNCH_S = 25e-6 - NCCL_LAUNCH_LATENCY_S;

/** Waits a fixed time (NVLS's latency), then ends. */
class Delay implements Stage {
  constructor(
    private readonly ctx: CollectiveContext,
    private readonly seconds: number,
  ) {}
  start(done: () => void): void {
    this.ctx.sim.callAfter(this.seconds, "nvls latency", done);
  }
}

export function nvlsStage(ctx: CollectiveContext, cards: Int32Array, sizeBytes: number, label?: string): Stage {
  const n = cards.length;
  const flows = new PhaseFlows();
  const bytes = nvlsPortBytes(n, sizeBytes) / NVLS_PAYLOAD_VS_RING;
  for (let i = 0; i < n; i++) flows.add(cards[i] as number, cards[(i + 1) % n] as number, bytes);
  // The flows carry no per-message latency of their own: NVLS_LATENCY_AFTER_LAUNCH_S is all of it.
  return new Sequence([new Delay(ctx, NVLS_LATENCY_AFTER_LAUNCH_S), new FlowPhase(ctx, flows, 0, undefined, label)]);
}

export function predictNvls(ctx: CollectiveContext, cards: Int32Array, sizeBytes: number): number {
  const n = cards.length;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const c = ctx.hopCost(cards[i] as number, -1, cards[(i + 1) % n] as number);
    worst = Math.max(worst, nvlsPortBytes(n, sizeBytes) / NVLS_PAYLOAD_VS_RING / c.bytesPerS);
  }
  return NVLS_LATENCY_AFTER_LAUNCH_S + worst;
}

/** Why NVLS cannot run on these cards, or undefined: one scale-up domain whose switches reduce. */
export function nvlsUnfit(ctx: CollectiveContext, cards: Int32Array): string | undefined {
  if (!ctx.cluster.scaleUpInSwitchReduction) {
    return "nvls needs a switched scale-up fabric with in-switch reduction (topology scaleUp.inSwitchReduction: true, NVLink SHARP)";
  }
  const a = cards[0] as number;
  for (let i = 1; i < cards.length; i++) {
    if (!ctx.sameDomain(a, cards[i] as number)) {
      return "nvls needs every card of the group in one scale-up domain (NCCL's NVLS runs inside one NVSwitch domain)";
    }
  }
  return undefined;
}
