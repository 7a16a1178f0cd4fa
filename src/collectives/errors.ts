/** A collective that cannot run as asked (bad group, size or algorithm): a user-facing message. */
export class CollectiveError extends Error {
  override name = "CollectiveError";
}
