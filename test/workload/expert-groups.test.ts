import { describe, expect, it } from "vitest";
import {
  expertDataParallelCards,
  expertGroupError,
  expertGroupShape,
  firstExpertGroupCards,
} from "../../src/workload/expert-groups.js";
import { plan } from "./helpers.js";

/**
 * Megatron-Core's expert layout with expert tensor parallelism 1: an EP group
 * is ep consecutive ranks of a pipeline stage in the tp-cp-dp order, so it
 * spans TP ranks (hand-listed cards below; ranks = cards under the default
 * tp-cp-dp-pp placement).
 */
describe("expert-parallel groups (MoE parallel folding)", () => {
  it("ep above tp·cp takes whole consecutive replicas with all their positions", () => {
    const p = plan({ tp: 2, pp: 2, dp: 4, ep: 4, globalBatchSize: 4 });
    expect(expertGroupShape(p)).toEqual({ replicas: 2, positionBlock: 2 });
    // Stage 0: replicas 0 and 1, TP ranks 0 and 1 each: ranks 0..3.
    expect(firstExpertGroupCards(p, 0)).toEqual([0, 1, 2, 3]);
    // Stage 1 starts at rank tp·dp = 8.
    expect(firstExpertGroupCards(p, 1)).toEqual([8, 9, 10, 11]);
    // The same experts sit at rank 0 of each group: ranks 0 and 4.
    expect(expertDataParallelCards(p, 0)).toEqual([0, 4]);
  });

  it("ep below tp·cp takes an aligned block of one replica's positions", () => {
    const p = plan({ tp: 4, cp: 2, dp: 2, ep: 2, globalBatchSize: 2 });
    expect(expertGroupShape(p)).toEqual({ replicas: 1, positionBlock: 2 });
    expect(firstExpertGroupCards(p, 0)).toEqual([0, 1]);
    // 16 ranks in groups of 2: one copy of each expert shard per group, at even ranks.
    expect(expertDataParallelCards(p, 0)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
  });

  it("with tp 1 it is the dp·cp layout the model had before (ep / cp replicas)", () => {
    const p = plan({ cp: 2, dp: 8, ep: 4, globalBatchSize: 8 });
    expect(expertGroupShape(p)).toEqual({ replicas: 2, positionBlock: 2 });
    expect(firstExpertGroupCards(p, 0)).toEqual([0, 1, 2, 3]);
  });

  it("names what does not tile", () => {
    expect(expertGroupError({ tp: 2, cp: 1, dp: 4, ep: 16 })).toMatch(/must divide tp·cp·dp = 2·1·4 = 8/);
    expect(expertGroupError({ tp: 1, cp: 3, dp: 8, ep: 8 })).toMatch(/multiple or a divisor of tp·cp = 3/);
    expect(expertGroupError({ tp: 2, cp: 1, dp: 16, ep: 32 })).toBeUndefined();
  });
});
