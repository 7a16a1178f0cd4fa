import type { Accelerator } from "../hardware/types.js";

/**
 * The runtime cluster: what the network, collectives and training models see.
 * Built from a validated topology file by src/cluster/build.ts. All figures in
 * SI units with the unit in the name (bytes per second, seconds).
 *
 * Links are directed (a full-duplex cable is two links). Link ids are dense
 * integers 0..linkCount-1 so models can keep per-link state in typed arrays.
 * Routes are computed on demand (no O(cards^2) tables) and are deterministic:
 * where several equal-cost paths exist (ECMP), the choice is a hash of flowId.
 */

export type LinkKind =
  | "scaleup-up" // card -> scale-up switch (NVSwitch / UB switch)
  | "scaleup-down" // scale-up switch -> card
  | "scaleup-direct" // card -> card (mesh / ring, e.g. HCCS)
  | "nic-up" // card (its NIC) -> tier-1 switch
  | "nic-down" // tier-1 switch -> card (its NIC)
  | "tier1-up" // tier-1 (leaf) -> tier-2 (spine)
  | "tier2-down"
  | "tier2-up" // tier-2 -> tier-3 (core)
  | "tier3-down"
  | "torus"; // chip -> neighbour chip in a torus

/** LinkTable.kind values index this list. */
export const LINK_KINDS: readonly LinkKind[] = [
  "scaleup-up",
  "scaleup-down",
  "scaleup-direct",
  "nic-up",
  "nic-down",
  "tier1-up",
  "tier2-down",
  "tier2-up",
  "tier3-down",
  "torus",
];

export interface LinkTable {
  readonly count: number;
  readonly bandwidthBytesPerS: Float64Array;
  readonly latencyS: Float64Array;
  /** Index into LINK_KINDS. */
  readonly kind: Uint8Array;
  /**
   * Endpoints of each link as vertex ids. Vertices 0..cards-1 are the cards
   * (vertex id = card index; a card's NICs are part of it); switches follow.
   */
  readonly src: Int32Array;
  readonly dst: Int32Array;
  /** Number of vertices (cards + switches). */
  readonly vertices: number;
  /** Human-readable vertex name, e.g. "card 17", "leaf 3", "spine 2", "scale-up switch 0". */
  vertexName(vertex: number): string;
  /** Human-readable name, e.g. "card 17 nic-up" or "leaf 3 -> spine 2 #1" (for errors and traces). */
  name(link: number): string;
}

export interface ClusterSummary {
  cards: number;
  nodes: number;
  cardsPerNode: number;
  scaleUpDomainCards: number;
  switches: number;
  links: number;
  /** Bisection bandwidth of the scale-out network, bytes/s, one direction. */
  bisectionBytesPerS: number;
  /** With `nodeGroups`: each group's name, nodes and card kind, in node order. */
  nodeGroups?: { name: string; nodes: number; accelerator: string }[];
}

export interface Cluster {
  readonly name: string;
  /**
   * The resolved accelerator (catalog entry plus the file's overrides) of
   * card 0: every card's without `nodeGroups`; node group 0's with them (see
   * acceleratorOfCard and heterogeneous).
   */
  readonly accelerator: Accelerator;
  /**
   * The resolved accelerator of a card: its node group's (docs/topology.md,
   * "Node groups"). Cards of one kind share one object: compare with ===.
   */
  acceleratorOfCard(card: number): Accelerator;
  /** True when the cards are of more than one kind (node groups with different accelerators). */
  readonly heterogeneous: boolean;
  readonly cards: number;
  readonly cardsPerNode: number;
  readonly nodes: number;
  /** Cards per scale-up domain (8 for DGX; 72 for NVL72; 384 for CloudMatrix384). */
  readonly scaleUpDomainCards: number;
  readonly links: LinkTable;
  /** Node index of a card (cards are numbered node-major: card = node * cardsPerNode + local). */
  nodeOf(card: number): number;
  /** Scale-up domain index of a card. */
  scaleUpDomainOf(card: number): number;
  /** Rail (NIC index within its node) a card's scale-out traffic uses. */
  railOf(card: number): number;
  /**
   * Directed links from card `src` to card `dst` (src !== dst). Inside a
   * scale-up domain the route uses scale-up links; otherwise NIC + switch
   * tiers. ECMP picks among equal-cost next hops by a hash of `flowId`.
   * Writes into `out` (cleared first) when given, to avoid allocation.
   */
  route(src: number, dst: number, flowId: number, out?: number[]): number[];
  /** Whether the scale-up switches reduce and multicast (NVLink SHARP: NCCL's NVLS all-reduce; topology scaleUp.inSwitchReduction). */
  readonly scaleUpInSwitchReduction?: boolean;
  /** Software overhead per message on scale-up links, seconds (0 unless the file says). */
  readonly scaleUpMessageOverheadS: number;
  /** Software overhead per message on scale-out links, seconds (0 unless the file says). */
  readonly scaleOutMessageOverheadS: number;
  /** NICs per node (0 for a torus, whose cards link directly). */
  readonly nicsPerNode: number;
  /**
   * Whether a route can depend on its flow id (an ECMP hash: `ecmp-hash`
   * routing, several NICs per card, ties on a ring or torus). Absent: unknown,
   * taken as true. Symmetric simulation (src/network/symmetric-network.ts)
   * needs routes that do not.
   */
  readonly routesUseFlowId?: boolean;
  summary(): ClusterSummary;
}
