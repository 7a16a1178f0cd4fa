import { RandomStreams } from "../src/engine/rng.js";
import { Simulator } from "../src/engine/simulator.js";

export interface HoldModelResult {
  benchmark: "hold-model";
  pending: number;
  events: number;
  seconds: number;
  /** Process CPU time (user + system) over the timed events. */
  cpuSeconds: number;
  eventsPerSecond: number;
  /** Simulated time of the last event: the same for any queue that runs the same hold model. */
  endTimeS: number;
}

/**
 * The classic hold model: keep `pending` events in the queue; each event, when
 * it runs, schedules one new event at now + Exp(1). Measures the engine's
 * schedule + pop + dispatch cost at a constant queue size.
 */
export function runHoldModel(pending: number, events: number, seed = 1): HoldModelResult {
  const sim = new Simulator({ initialCapacity: pending + 16 });
  const rng = new RandomStreams(seed).stream("hold");
  const hold = sim.handler("hold", () => {
    sim.after(rng.exponential(1), hold);
  });
  for (let i = 0; i < pending; i++) sim.after(rng.exponential(1), hold);
  // Warm-up so the JIT has compiled the hot path before timing.
  sim.run({ maxEvents: Math.min(events, 200_000) });
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const stats = sim.run({ maxEvents: events });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (sim.pending !== pending) throw new Error(`hold model lost events: ${sim.pending} pending, expected ${pending}`);
  return {
    benchmark: "hold-model",
    pending,
    events: stats.events,
    seconds: Math.round(seconds * 1e4) / 1e4,
    cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 1e4) / 1e4,
    eventsPerSecond: Math.round(stats.events / seconds),
    endTimeS: sim.now,
  };
}
