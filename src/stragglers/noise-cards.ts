import type { NoiseSpec } from "./noise-spec.js";

/**
 * Card ids named in a noise spec (persistent.slowCards, degradedLinks.nicOfCards)
 * must exist in the cluster: the schema cannot know its size. Returns one line
 * per bad id (field path, expected, found), or undefined when all exist.
 */
export function noiseCardsError(noise: NoiseSpec, cards: number): string | undefined {
  const issues: string[] = [];
  const check = (path: string, ids: readonly number[]) => {
    ids.forEach((id, i) => {
      if (id >= cards) {
        issues.push(
          `noise.${path}[${i}]: expected a card id in [0, ${cards - 1}] (the cluster has ${cards} cards), found ${id}`,
        );
      }
    });
  };
  check("persistent.slowCards", noise.persistent.slowCards);
  check("degradedLinks.nicOfCards", noise.degradedLinks.nicOfCards);
  return issues.length > 0 ? issues.join("\n") : undefined;
}
