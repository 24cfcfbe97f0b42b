/**
 * The agents' shared tape is registered per venue in a module-level WeakMap. V8's minor GC keeps
 * such a map's values alive while their key is young, and the tape holds the venue and the loop,
 * so a registration left in place after a run carried the run's whole world into old space: on
 * the sweep bench ~0.8 MB promoted per minor GC and a full mark-compact every ~14 runs, against
 * ~10 kB and almost none with the registration dropped when the loop completes. The activity
 * counters are kept apart (they hold nothing of the run) and stay readable.
 */
import { baselinePopulations, marketTape, orderActivity } from "@cascade/agents";
import { expect, it } from "vitest";
import { makeMarket } from "./helpers.js";

it("the tape registration ends with the run; the order activity stays readable", () => {
  const m = makeMarket({ seed: 7, populations: baselinePopulations({ scale: 0.2 }) });
  m.loop.run(300);
  const tape = marketTape(m.venue, m.loop);
  expect(marketTape(m.venue, m.loop)).toBe(tape); // the populations' tape, shared
  const during = { ...orderActivity(m.venue) };
  expect(during.limitOrders).toBeGreaterThan(100);
  expect(during.cancels).toBeGreaterThan(0);
  expect(orderActivity(m.venue)).toBe(tape.activity);

  m.loop.complete();
  expect(orderActivity(m.venue)).toEqual(during);
  // The registry no longer holds the finished run's tape (nor, through it, the venue and the loop).
  expect(marketTape(m.venue, m.loop)).not.toBe(tape);
});
