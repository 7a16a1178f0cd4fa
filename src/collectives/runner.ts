import type { Cluster } from "../cluster/types.js";
import type { Simulator } from "../engine/simulator.js";
import type { NetworkModel } from "../network/types.js";
import {
  MAX_RING_CHANNELS,
  NCCL_CHUNK_BYTES,
  NCCL_LAUNCH_LATENCY_S,
  NCCL_SCALEOUT_STEP_LATENCY_S,
  NCCL_SCALEUP_STEP_LATENCY_S,
} from "./constants.js";
import { CollectiveContext } from "./context.js";
import { type GroupShape, groupShape, validateRequest } from "./group.js";
import { buildStage, choosePlan } from "./plan.js";
import { PointToPoint } from "./point-to-point.js";
import type { CollectivePrediction, CollectiveRequest, Granularity } from "./types.js";

export interface CollectiveRunnerOptions {
  /** Flow granularity (default "phase"). */
  granularity?: Granularity;
  /** Pipeline chunk of trees and chains (default NCCL_CHUNK_BYTES). */
  chunkBytes?: number;
  /** Most ring channels (default MAX_RING_CHANNELS). */
  maxChannels?: number;
  /** Per-message software overhead; default: the cluster's, else NCCL's per-step latency. */
  scaleUpMessageOverheadS?: number;
  scaleOutMessageOverheadS?: number;
  /** Paid once per collective before any data moves (default NCCL_LAUNCH_LATENCY_S). */
  launchLatencyS?: number;
  /**
   * Whether the automatic choice may run NVLS where the scale-up switches reduce
   * (NCCL_NVLS_ENABLE; default true, NCCL's default). A forced `algo: nvls` runs it either way.
   */
  nvls?: boolean;
}

/**
 * The collectives' public entry for the training executor: bound to one
 * simulator, cluster and network model. `run` starts a collective NOW (the
 * caller has already waited for all members) and calls `onDone` when it
 * completes in simulated time; `predict` gives the closed-form alpha-beta
 * time of the algorithm it would run.
 */
export class CollectiveRunner {
  readonly ctx: CollectiveContext;
  private readonly granularity: Granularity;
  private readonly maxChannels: number;
  private readonly launchS: number;
  private started = 0;
  private readonly p2p: PointToPoint;
  /**
   * Validation, group shape and plan of requests already seen, by the identity
   * of their cards array, then op/algo/size: a training step repeats the same
   * bucket collectives on the same groups, and callers reuse their arrays.
   */
  private readonly memo = new WeakMap<
    readonly number[],
    Map<string, { shape: GroupShape; prediction: CollectivePrediction }>
  >();

  constructor(sim: Simulator, cluster: Cluster, network: NetworkModel, options: CollectiveRunnerOptions = {}) {
    const pick = (given: number | undefined, fromCluster: number, fallback: number) =>
      given ?? (fromCluster > 0 ? fromCluster : fallback);
    this.ctx = new CollectiveContext(
      sim,
      cluster,
      network,
      pick(options.scaleUpMessageOverheadS, cluster.scaleUpMessageOverheadS ?? 0, NCCL_SCALEUP_STEP_LATENCY_S),
      pick(options.scaleOutMessageOverheadS, cluster.scaleOutMessageOverheadS ?? 0, NCCL_SCALEOUT_STEP_LATENCY_S),
      options.chunkBytes ?? NCCL_CHUNK_BYTES,
      options.nvls ?? true,
    );
    this.granularity = options.granularity ?? "phase";
    this.maxChannels = options.maxChannels ?? MAX_RING_CHANNELS;
    this.launchS = options.launchLatencyS ?? NCCL_LAUNCH_LATENCY_S;
    this.p2p = new PointToPoint(this.ctx, this.launchS);
  }

  /**
   * A point-to-point send (pipeline traffic): one flow, started now, without
   * the group machinery of `run`. Cards must exist (the caller's plan checked them).
   */
  send(src: number, dst: number, sizeBytes: number, onDone: () => void, label?: string): void {
    this.p2p.send(src, dst, sizeBytes, onDone, label);
  }

  /** Point-to-point sends so far. */
  get sends(): number {
    return this.p2p.count;
  }

  /** Collectives started so far. */
  get count(): number {
    return this.started;
  }

  /** Validates the request and returns the algorithm it would run with its closed-form time (launch included). */
  predict(req: CollectiveRequest): CollectivePrediction {
    return this.planned(req).prediction;
  }

  private planned(req: CollectiveRequest): { shape: GroupShape; prediction: CollectivePrediction } {
    let byKey = this.memo.get(req.cards);
    const key = `${req.op}|${req.algo ?? "auto"}|${req.sizeBytes}`;
    const hit = byKey?.get(key);
    if (hit) return hit;
    validateRequest(this.ctx.cluster, req);
    const shape = groupShape(this.ctx.cluster, req.cards);
    const prediction = this.predictShape(req, shape);
    if (byKey === undefined) {
      byKey = new Map();
      this.memo.set(req.cards, byKey);
    }
    const entry = { shape, prediction };
    byKey.set(key, entry);
    return entry;
  }

  private predictShape(req: CollectiveRequest, shape: GroupShape): CollectivePrediction {
    const plan = choosePlan(this.ctx, shape, req, this.maxChannels);
    const out: CollectivePrediction = {
      op: req.op,
      algo: plan.algo,
      cards: shape.n,
      sizeBytes: req.sizeBytes,
      timeS: shape.n < 2 ? 0 : plan.predictedS + this.launchS,
    };
    if (plan.innerAlgo) out.innerAlgo = plan.innerAlgo;
    return out;
  }

  /** Starts the collective now; throws CollectiveError (before anything starts) on a bad request. */
  run(req: CollectiveRequest, onDone: () => void): CollectivePrediction {
    const { shape, prediction } = this.planned(req);
    this.started++;
    const sim = this.ctx.sim;
    if (req.cards.length < 2) {
      sim.callAfter(0, "collective (single card)", onDone);
      return prediction;
    }
    const plan = { algo: prediction.algo, innerAlgo: prediction.innerAlgo, predictedS: prediction.timeS };
    const stage = buildStage(this.ctx, shape, req, plan, this.granularity, this.maxChannels);
    if (this.launchS > 0) sim.callAfter(this.launchS, "collective launch", () => stage.start(onDone));
    else stage.start(onDone);
    return prediction;
  }
}
