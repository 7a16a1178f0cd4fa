import { GraphBuilder } from "./graph-builder.js";
import { groupIndexOfCard, type NodeGroupLayout, nodeGroupLayouts } from "./node-groups.js";
import { buildNicScaleOut, type ScaleOut } from "./scale-out.js";
import { buildScaleUp, type ScaleUpRates } from "./scale-up.js";
import { fatTreePlanOf, nicsPerNodeOf } from "./topology-checks.js";
import type { TopologySpec } from "./topology-schema.js";
import { buildTorus } from "./torus.js";
import type { Cluster, ClusterSummary } from "./types.js";

const US = 1e-6;
const GB = 1e9;

/**
 * Builds the runtime cluster from a validated topology (TopologySpecSchema).
 * Cards are numbered node-major (card = node * cardsPerNode + local); vertex
 * id of a card = its index; switches follow. Routes are computed on demand.
 * Throws Error on a spec that did not pass validation (an invariant break).
 */
export function buildCluster(topology: TopologySpec): Cluster {
  const t = topology;
  const groups = nodeGroupLayouts(t);
  const accelerator = (groups[0] as NodeGroupLayout).accelerator;
  const heterogeneous = groups.some((g) => g.accelerator !== accelerator);
  const cards = t.nodes * t.cardsPerNode;
  const cardsPerNode = t.cardsPerNode;
  const g = new GraphBuilder();
  g.addVertices(cards, (i) => `card ${i}`);

  const su = t.scaleUp;
  const domainCards = su ? (su.domainCards ?? cardsPerNode) : 1;
  let scaleUp: ReturnType<typeof buildScaleUp>;
  if (su) {
    // Per node group (one group without nodeGroups): its bandwidth, by the defaulting rule of node-groups.ts.
    const rates = groups.map((group) => {
      const bandwidthGBps = group.scaleUpGBps ?? Number.NaN;
      if (!(bandwidthGBps > 0)) {
        throw new Error(`buildCluster(${t.name}): no scale-up bandwidth for node group ${group.index}`);
      }
      const link = group.scaleUpLinkGBps;
      return { bandwidthBytesPerS: bandwidthGBps * GB, linkBytesPerS: link === undefined ? undefined : link * GB };
    });
    const only = rates[0] as ScaleUpRates;
    scaleUp = buildScaleUp(g, {
      kind: su.kind,
      cards,
      domainCards,
      ...only,
      latencyS: su.latencyUs * US,
      ratesOfDomain:
        rates.length === 1
          ? undefined
          : (domain) => rates[groupIndexOfCard(groups, domain * domainCards)] as ScaleUpRates,
    });
  }

  const so = t.scaleOut;
  let scaleOut: ScaleOut;
  let nicsPerNode = 0;
  if (so.kind === "torus") {
    scaleOut = buildTorus(g, so.dims, so.linkGBps * GB, so.latencyUs * US);
  } else {
    const nics = nicsPerNodeOf(so, cardsPerNode);
    if (nics === undefined) throw new Error(`buildCluster(${t.name}): give nicsPerNode or nicsPerCard`);
    nicsPerNode = nics;
    const plan = fatTreePlanOf(t);
    if (Array.isArray(plan)) throw new Error(`buildCluster(${t.name}): ${plan.map((p) => p.message).join("; ")}`);
    scaleOut = buildNicScaleOut(g, {
      kind: so.kind,
      nodes: t.nodes,
      cardsPerNode,
      nicsPerNode: nics,
      nicBytesPerS: (so.nicGbps / 8) * GB, // Gb/s -> bytes/s: 8 bits per byte.
      latencyS: so.latencyUs * US,
      hopLatencyS: "hopLatencyUs" in so ? so.hopLatencyUs * US : 0,
      routing: "routing" in so ? so.routing : "ecmp",
      plan,
    });
  }
  const links = g.finish();
  const nicsPerCard = nicsPerNode / cardsPerNode;
  // Where scale-up.ts, scale-out.ts and torus.ts call ecmpHash on the flow id.
  const routesUseFlowId =
    so.kind === "torus" ||
    su?.kind === "ring" ||
    nicsPerCard > 1 ||
    (so.kind !== "single-switch" && "routing" in so && so.routing === "ecmp-hash");

  const check = (card: number, what: string) => {
    if (!(Number.isInteger(card) && card >= 0 && card < cards)) {
      throw new RangeError(`${what}: card ${card} out of range 0..${cards - 1}`);
    }
  };
  const summary: ClusterSummary = {
    cards,
    nodes: t.nodes,
    cardsPerNode,
    scaleUpDomainCards: domainCards,
    switches: links.vertices - cards + (scaleOut.mergedSwitches ?? 0),
    links: links.count,
    bisectionBytesPerS: scaleOut.bisectionBytesPerS,
    ...(t.nodeGroups
      ? {
          nodeGroups: groups.map((g) => ({
            name: g.name ?? `group ${g.index}`,
            nodes: g.nodes,
            accelerator: g.accelerator.name,
          })),
        }
      : {}),
  };

  return {
    name: t.name,
    accelerator,
    heterogeneous,
    acceleratorOfCard(card) {
      if (groups.length === 1) return accelerator;
      check(card, "acceleratorOfCard");
      return (groups[groupIndexOfCard(groups, card)] as NodeGroupLayout).accelerator;
    },
    cards,
    cardsPerNode,
    nodes: t.nodes,
    scaleUpDomainCards: domainCards,
    links,
    nicsPerNode,
    routesUseFlowId,
    scaleUpInSwitchReduction: su?.inSwitchReduction === true,
    scaleUpMessageOverheadS: (su?.messageOverheadUs ?? 0) * US,
    scaleOutMessageOverheadS: (so.messageOverheadUs ?? 0) * US,
    nodeOf: (card) => Math.floor(card / cardsPerNode),
    scaleUpDomainOf: (card) => Math.floor(card / domainCards),
    railOf: (card) => Math.floor((card % cardsPerNode) * nicsPerCard),
    route(src, dst, flowId, out = []) {
      check(src, "route");
      check(dst, "route");
      out.length = 0;
      if (src === dst) return out;
      if (scaleUp && Math.floor(src / domainCards) === Math.floor(dst / domainCards)) {
        scaleUp(src, dst, flowId, out);
      } else {
        scaleOut.route(src, dst, flowId, out);
      }
      return out;
    },
    summary: () => ({ ...summary }),
  };
}
