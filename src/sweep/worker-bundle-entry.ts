// Entry of the bundled sweep worker (dist/sweep-worker.mjs): the same worker
// function worker-bootstrap.mjs hands piscina, without tsx's loader.
import { runPoint } from "./worker.js";

export default runPoint;
