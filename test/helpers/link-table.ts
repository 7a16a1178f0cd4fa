import type { LinkTable } from "../../src/cluster/types.js";

/** A bare link table for network tests: one link per bandwidth (bytes/s), optional latencies (s), no graph. */
export function linkTableOf(bandwidths: readonly number[], latencies?: readonly number[]): LinkTable {
  const n = bandwidths.length;
  return {
    count: n,
    bandwidthBytesPerS: Float64Array.from(bandwidths),
    latencyS: Float64Array.from(latencies ?? bandwidths.map(() => 0)),
    kind: new Uint8Array(n),
    src: new Int32Array(n),
    dst: new Int32Array(n),
    vertices: 0,
    vertexName: (v) => `v${v}`,
    name: (l) => `link ${l}`,
  };
}
