// Entry file of a sweep worker thread: registers tsx's loader in this thread so
// the TypeScript worker (and the runner it imports) can be loaded, then hands
// piscina the worker function.
import { register } from "tsx/esm/api";

register();
const { runPoint } = await import("./worker.ts");

export default runPoint;
