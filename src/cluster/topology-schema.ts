import { z } from "zod";
import { AcceleratorOverridesSchema, AcceleratorSpecSchema } from "../hardware/accelerator-spec.js";
import { CATALOG_NAMES, isCatalogName } from "../hardware/catalog.js";
import { gemmOverrideIssue } from "../hardware/resolve.js";
import { didYouMean } from "../input/suggest.js";
import { checkNodeGroups, scaleUpGBpsOfRef, usesTopLevelScaleUp } from "./node-groups.js";
import { checkTopology } from "./topology-checks.js";

/**
 * The topology file format: the single source of truth for its types and
 * its JSON Schema (`clustersim schema topology`). Units are in field names:
 * GBps = 10^9 bytes/s, Gbps = 10^9 bits/s, TBps = 10^12 bytes/s, Us = microseconds.
 * Documented field by field in docs/topology.md.
 */

/** Largest cluster a file may describe (2^20 cards). */
export const MAX_CARDS = 1_048_576;
/** Largest mesh scale-up domain (a mesh has domain*(domain-1) links). */
export const MAX_MESH_DOMAIN = 64;

/**
 * Plausibility ranges of link figures (issue 13): wide enough for any real or
 * what-if fabric, narrow enough that a typo or an absurd value (1e-320 Gb/s,
 * 1e300 us) is an input error with its unit instead of a run that divides by
 * almost zero. Bandwidth: 0.001 to 1,000,000 in the field's unit (GB/s or
 * Gb/s; 1 Mb/s to 1 Pb/s for Gb/s). Latency: 0.001 us (1 ns) to 1,000,000 us (1 s).
 */
export const BANDWIDTH_RANGE = { min: 1e-3, max: 1e6 } as const;
export const LATENCY_US_RANGE = { min: 1e-3, max: 1e6 } as const;

const unitOf = (desc: string) => (/Gb\/s/.test(desc) ? "Gb/s" : "GB/s");
const posBandwidth = (desc: string) =>
  z
    .number()
    .positive()
    .min(BANDWIDTH_RANGE.min, {
      message: `expected at least ${BANDWIDTH_RANGE.min} ${unitOf(desc)} (a plausible link)`,
    })
    .max(BANDWIDTH_RANGE.max, {
      message: `expected at most ${BANDWIDTH_RANGE.max.toLocaleString("en-US")} ${unitOf(desc)} (a plausible link)`,
    })
    .describe(desc);
const latency = (desc: string) =>
  z
    .number()
    .positive()
    .min(LATENCY_US_RANGE.min, { message: `expected at least ${LATENCY_US_RANGE.min} us (1 ns)` })
    .max(LATENCY_US_RANGE.max, { message: `expected at most ${LATENCY_US_RANGE.max.toLocaleString("en-US")} us (1 s)` })
    .describe(desc);
const count = (desc: string, max: number) => z.int().min(1).max(max).describe(desc);

export const AcceleratorRefSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe(`Accelerator name: a catalog entry (${CATALOG_NAMES.join(", ")}), or any name when 'spec' is given`)
      .meta({ examples: CATALOG_NAMES }),
    spec: AcceleratorSpecSchema.optional().describe("Full inline specification (for a card not in the catalog)"),
    overrides: AcceleratorOverridesSchema.optional(),
  })
  .describe("The accelerator: a catalog name, optionally with per-field overrides, or a full inline spec");

export const ScaleUpSpecSchema = z
  .strictObject({
    kind: z
      .enum(["switched", "mesh", "ring"])
      .describe(
        "switched: all-to-all through a switch (NVLink/NVSwitch, UB); mesh: direct card-to-card links (HCCS); ring: neighbours only",
      ),
    bandwidthGBps: posBandwidth(
      "Scale-up bandwidth per card per direction, GB/s (10^9 bytes/s). Defaults to the accelerator's scaleUpGBps",
    ).optional(),
    linkGBps: posBandwidth(
      "mesh/ring only: bandwidth of one card-to-card link per direction, GB/s. Default: bandwidthGBps/(domainCards-1) for a mesh, bandwidthGBps/2 for a ring",
    ).optional(),
    latencyUs: latency(
      "One-way card-to-card latency of one scale-up traversal, microseconds (switched: split evenly between the card->switch and switch->card links; ring: per hop)",
    ),
    domainCards: count(
      "Cards per scale-up domain (default: cardsPerNode). May span nodes (NVL72: 72; CloudMatrix384: 384); must divide or be a multiple of cardsPerNode",
      MAX_CARDS,
    ).optional(),
    messageOverheadUs: z
      .number()
      .min(0)
      .optional()
      .describe("Software overhead added per message on scale-up, microseconds (default 0)"),
    inSwitchReduction: z
      .boolean()
      .optional()
      .describe(
        "switched only: the switches reduce and multicast (NVLink SHARP on third-generation NVSwitch: HGX/DGX H100, H200, GB200 NVL72), so all-reduces inside one domain may run as NCCL's NVLS algorithm. Default false",
      ),
  })
  .describe("The scale-up (intra-node or intra-supernode) fabric");

const nicFields = {
  nicsPerNode: count(
    "NICs per node (give this or nicsPerCard); a multiple of cardsPerNode (each card its own NICs) or a divisor (cardsPerNode / nicsPerNode consecutive cards share each NIC)",
    4096,
  ).optional(),
  nicsPerCard: count("NICs per card (give this or nicsPerNode)", 64).optional(),
  nicGbps: posBandwidth("Bandwidth of one NIC per direction, Gb/s (10^9 BITS/s: 400 Gb/s = 50 GB/s)"),
  latencyUs: latency(
    "One-way NIC-to-NIC latency through one switch, microseconds (split evenly between the nic-up and nic-down links)",
  ),
  messageOverheadUs: z
    .number()
    .min(0)
    .optional()
    .describe("Software overhead added per message on scale-out, microseconds (default 0)"),
};

export const FatTreeTierSpecSchema = z
  .strictObject({
    radix: count("Ports per switch at this tier (all ports run at the NIC speed)", 4096).min(2),
    oversubscription: z
      .number()
      .min(1)
      .optional()
      .describe(
        "Downlink capacity / uplink capacity of a switch at this tier (default 1 = non-blocking); not allowed on the top tier",
      ),
  })
  .describe("One tier of switches, from the leaves (first) up");

const tiers = z
  .array(FatTreeTierSpecSchema)
  .min(2)
  .max(3)
  .describe("Switch tiers from the leaf (tier 1) up: 2 or 3 entries");

const hopLatencyUs = latency("One-way latency of each switch-to-switch hop, microseconds");

const routing = z
  .enum(["ecmp", "ecmp-hash", "destination"])
  .default("ecmp")
  .describe(
    "Uplink choice between switch tiers: ecmp = every flow spread evenly over the equal-cost uplinks (ECMP's expectation over many flows, or adaptive routing / packet spraying; no hash collisions); ecmp-hash = one uplink per flow by a hash of the flow (one draw of Ethernet/RoCE ECMP: large flows can collide on one uplink, and which collide changes with the switch count); destination = by destination NIC (D-mod-K, what InfiniBand subnet managers' fat-tree routing does; shift patterns such as rings do not collide)",
  );

export const SingleSwitchSpecSchema = z
  .strictObject({
    kind: z.literal("single-switch").describe("Every NIC on one non-blocking switch"),
    ...nicFields,
  })
  .describe("One non-blocking switch");

export const FatTreeSpecSchema = z
  .strictObject({
    kind: z.literal("fat-tree").describe("Folded Clos; NICs attach to leaves in node order"),
    ...nicFields,
    hopLatencyUs,
    routing,
    tiers,
  })
  .describe("A 2- or 3-tier fat-tree (folded Clos)");

export const RailOptimizedSpecSchema = z
  .strictObject({
    kind: z
      .literal("rail-optimized")
      .describe("NIC r of every node in a group attaches to rail r's leaf; spines are shared by all rails"),
    ...nicFields,
    hopLatencyUs,
    routing,
    tiers,
  })
  .describe("A rail-optimized fat-tree");

export const TorusSpecSchema = z
  .strictObject({
    kind: z.literal("torus").describe("Cards linked directly to their neighbours in a 1-3 dimensional torus (TPU ICI)"),
    dims: z
      .array(count("Size of one dimension (at least 2)", MAX_CARDS).min(2))
      .min(1)
      .max(3)
      .describe("Torus dimensions; their product must equal the card count"),
    linkGBps: posBandwidth("Bandwidth of one neighbour link per direction, GB/s (10^9 bytes/s)"),
    latencyUs: latency("One-way latency per hop, microseconds"),
    messageOverheadUs: z
      .number()
      .min(0)
      .optional()
      .describe("Software overhead added per message, microseconds (default 0)"),
  })
  .describe("A torus (TPU-style pod)");

/** Most node groups a file may list (each is a contiguous range of nodes). */
export const MAX_NODE_GROUPS = 1024;

export const NodeGroupScaleUpSchema = z
  .strictObject({
    bandwidthGBps: posBandwidth(
      "This group's scale-up bandwidth per card per direction, GB/s (10^9 bytes/s). Default: the group's accelerator's scaleUpGBps when the group names an accelerator, else the top-level scaleUp.bandwidthGBps rule",
    ).optional(),
    linkGBps: posBandwidth(
      "mesh/ring only: this group's card-to-card link bandwidth per direction, GB/s. Default: derived from the group's bandwidth like the top-level linkGBps (the top-level linkGBps itself for a group on the top-level rates)",
    ).optional(),
  })
  .describe(
    "Scale-up rates of this group's nodes; kind, latency and domain size stay those of the top-level scaleUp section",
  );

export const NodeGroupSpecSchema = z
  .strictObject({
    name: z.string().min(1).describe("Name of the group, unique in the file (e.g. prefill, decode)"),
    nodes: count("Nodes in this group; groups take the nodes in file order (group 0 nodes 0..n0-1, ...)", MAX_CARDS),
    accelerator: AcceleratorRefSchema.optional().describe(
      "The accelerator of this group's cards (catalog name, overrides, or inline spec). Default: the top-level accelerator",
    ),
    scaleUp: NodeGroupScaleUpSchema.optional(),
  })
  .describe("A contiguous range of nodes with its own card kind (heterogeneous cluster)");

export const ScaleOutSpecSchema = z
  .discriminatedUnion("kind", [SingleSwitchSpecSchema, FatTreeSpecSchema, RailOptimizedSpecSchema, TorusSpecSchema])
  .describe("The scale-out network between scale-up domains");

export const TopologyShapeSchema = z
  .strictObject({
    name: z.string().min(1).describe("Name of the cluster"),
    description: z.string().optional().describe("Free text"),
    nodes: count(`Number of nodes (servers), at most ${MAX_CARDS}`, MAX_CARDS),
    cardsPerNode: count("Accelerators per node", 1024),
    cards: count("Total cards; optional, checked against nodes x cardsPerNode", MAX_CARDS).optional(),
    accelerator: AcceleratorRefSchema,
    nodeGroups: z
      .array(NodeGroupSpecSchema)
      .min(1)
      .max(MAX_NODE_GROUPS)
      .optional()
      .describe(
        "Heterogeneous cluster: node groups in node order, their node counts summing to nodes; a group without an accelerator has the top-level one. NICs and switch tiers stay cluster-wide. See docs/topology.md, 'Node groups'",
      ),
    scaleUp: ScaleUpSpecSchema.optional(),
    scaleOut: ScaleOutSpecSchema,
  })
  .describe("A cluster topology (clustersim)");

export type TopologyShape = z.infer<typeof TopologyShapeSchema>;

/** The full topology schema: shape plus the semantic checks of topology-checks.ts. */
export const TopologySpecSchema = TopologyShapeSchema.superRefine((t, ctx) => {
  // Semantic checks only on values that passed the field checks (no duplicate or confusing follow-up errors).
  if (ctx.issues.length > 0) return;
  if (!t.accelerator.spec && !isCatalogName(t.accelerator.name)) {
    ctx.addIssue({
      code: "custom",
      path: ["accelerator", "name"],
      message: `expected a catalog accelerator (${CATALOG_NAMES.join(", ")}) or an inline 'spec', found '${t.accelerator.name}'${didYouMean(t.accelerator.name, CATALOG_NAMES, false)}`,
    });
  }
  const gemmIssue = gemmOverrideIssue(t.accelerator);
  if (gemmIssue)
    ctx.addIssue({ code: "custom", path: ["accelerator", "overrides", "efficiency", "gemm"], message: gemmIssue });
  (t.nodeGroups ?? []).forEach((g, i) => {
    const issue = g.accelerator ? gemmOverrideIssue(g.accelerator) : null;
    if (issue)
      ctx.addIssue({
        code: "custom",
        path: ["nodeGroups", i, "accelerator", "overrides", "efficiency", "gemm"],
        message: issue,
      });
  });
  // The top-level scale-up default must exist only where some node takes it (every node, without nodeGroups).
  const topLevelRatesUsed = t.nodeGroups === undefined || t.nodeGroups.some(usesTopLevelScaleUp);
  for (const p of [
    ...checkTopology(t, topLevelRatesUsed ? scaleUpGBpsOfRef(t.accelerator) : null),
    ...checkNodeGroups(t),
  ]) {
    ctx.addIssue({ code: "custom", path: p.path, message: p.message });
  }
});

export type TopologySpec = z.infer<typeof TopologySpecSchema>;
export type ScaleUpSpec = z.infer<typeof ScaleUpSpecSchema>;
export type ScaleOutSpec = z.infer<typeof ScaleOutSpecSchema>;
export type FatTreeTierSpec = z.infer<typeof FatTreeTierSpecSchema>;
export type NodeGroupSpec = z.infer<typeof NodeGroupSpecSchema>;
