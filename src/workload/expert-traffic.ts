import type { Cluster } from "../cluster/types.js";

/**
 * The traffic of one MoE layer's dispatch all-to-all in an expert-parallel
 * instance, at node-pair granularity (one flow per rail between two nodes,
 * one per card pair inside a node), for `tokensPerCard` tokens leaving every
 * card. The combine is the same pattern reversed with bf16 bytes.
 *
 * Model (docs/serving.md, "Expert parallelism"; routing uniform at random,
 * the systematic skew being in expertImbalance):
 * - a token's k experts lie on m = min(M, N, N·(1 − (1 − 1/N)^k)) of the
 *   instance's N nodes (the expected distinct nodes of k uniform picks,
 *   capped by node-limited routing M, DeepSeek-V3 §2.1.2); by-score node
 *   selection hits any one node (its own included) with probability m / N,
 *   local-first hits its own node always and each other node with
 *   probability (m − 1) / (N − 1);
 * - per-node (DeepEP normal kernels): a token crosses once to each node it
 *   hits, on its own rail (card of the same local rank), and that card
 *   forwards it over scale-up links to the distinct cards holding its
 *   experts there, d = G·(1 − (1 − 1/G)^(k/m)) of the node's G cards;
 *   per-expert (DeepEP low-latency kernels): one copy per routed expert,
 *   k/m copies to each node hit, each delivered to its expert's card;
 * - so the flow from card (A, r) to (B, r), B ≠ A, carries t·p·c tokens (p the
 *   probability of hitting another node)
 *   (c = 1 per-node, k/m per-expert), and the flow from (B, r) to (B, r')
 *   inside a node carries t·m·f tokens (f = d/G per-node, (k/m)/G
 *   per-expert): the node's own tokens plus those forwarded from its rail.
 * Cards of one scale-up domain form a node; domains with fewer of the
 * instance's cards receive on rail r mod G.
 */
export interface ExpertTrafficShape {
  /** The instance's cards grouped by scale-up domain (node), in card order. */
  nodes: number[][];
  topK: number;
  spec: {
    /** Node-limited routing: a token's experts lie on at most this many nodes (none: no limit). */
    maxNodesPerToken?: number | undefined;
    dispatchMode: "per-node" | "per-expert";
    nodeSelection: "by-score" | "local-first";
  };
}

/** Cards grouped by scale-up domain (a node of ExpertTrafficShape), in the order given. */
export function cardsByNode(cluster: Pick<Cluster, "scaleUpDomainOf">, cards: readonly number[]): number[][] {
  const nodes = new Map<number, number[]>();
  for (const c of cards) {
    const d = cluster.scaleUpDomainOf(c);
    let list = nodes.get(d);
    if (list === undefined) {
      list = [];
      nodes.set(d, list);
    }
    list.push(c);
  }
  return [...nodes.values()];
}

/** Expected nodes a token's experts lie on (see ExpertTrafficShape). */
export function nodesPerToken(nodes: number, topK: number, maxNodesPerToken: number | undefined): number {
  const spread = nodes * (1 - (1 - 1 / nodes) ** topK);
  return Math.min(maxNodesPerToken ?? nodes, nodes, spread);
}

/**
 * Bytes from card i to card j of `cards` (the instance's cards flattened node
 * by node, as ExpertTrafficShape.nodes) for one all-to-all carrying
 * `bytesPerToken` per token copy and `tokensPerCard` tokens from each card:
 * an n × n row-major matrix (all-to-all-v), zero on the diagonal.
 */
export function expertTrafficMatrix(
  shape: ExpertTrafficShape,
  tokensPerCard: number,
  bytesPerToken: number,
): { cards: number[]; matrix: Float64Array } {
  const cards = shape.nodes.flat();
  const n = cards.length;
  const index = new Map<number, number>();
  cards.forEach((c, i) => {
    index.set(c, i);
  });
  const matrix = new Float64Array(n * n);
  const N = shape.nodes.length;
  const k = shape.topK;
  const m = nodesPerToken(N, k, shape.spec.maxNodesPerToken);
  const perExpert = shape.spec.dispatchMode === "per-expert";
  const otherNodeP = shape.spec.nodeSelection === "local-first" ? (N > 1 ? (m - 1) / (N - 1) : 0) : m / N;
  const add = (from: number, to: number, tokens: number) => {
    const i = index.get(from) as number;
    const j = index.get(to) as number;
    if (i !== j) matrix[i * n + j] = (matrix[i * n + j] as number) + tokens * bytesPerToken;
  };
  for (let a = 0; a < N; a++) {
    const nodeA = shape.nodes[a] as number[];
    const G = nodeA.length;
    const expertsHere = k / m;
    const f = perExpert ? expertsHere / G : 1 - (1 - 1 / G) ** expertsHere;
    for (let r = 0; r < G; r++) {
      const src = nodeA[r] as number;
      // Across nodes, on the rail.
      for (let b = 0; b < N; b++) {
        if (b === a) continue;
        const nodeB = shape.nodes[b] as number[];
        add(src, nodeB[r % nodeB.length] as number, tokensPerCard * otherNodeP * (perExpert ? expertsHere : 1));
      }
      // Inside the node: own tokens and those arriving on this rail, to the experts' cards.
      for (let r2 = 0; r2 < G; r2++) {
        if (r2 !== r) add(src, nodeA[r2] as number, tokensPerCard * m * f);
      }
    }
  }
  return { cards, matrix };
}
