/**
 * Memory bench: a 1,000,000-tick run with 10,000 agents (baseline-style populations scaled up,
 * plus leveraged traders and liquidators on two instruments); prints the peak resident set size
 * sampled every 10,000 ticks.
 *
 *   npx tsx test/bench/memory.ts (after `pnpm build`)        (MEM_TICKS=n to shorten)
 */

import {
  buildPopulations,
  Fundamentals,
  fundamentalists,
  leveragedTraders,
  liquidators,
  marketMakers,
  momentumTraders,
  noiseTraders,
  orderActivity,
} from "@cascade/agents";
import { Rng, RunLoop } from "@cascade/core";
import { connectVenue, Venue } from "@cascade/market";

const TICKS = Number(process.env.MEM_TICKS ?? 1_000_000);
const t0 = performance.now();
const root = Rng.fromSeed(1);
const loop = new RunLoop({ rng: root.split("loop") });
const venue = new Venue({
  instruments: [
    { symbol: "A", initialPrice: 100_000 },
    { symbol: "B", initialPrice: 50_000 },
  ],
});
connectVenue(loop, venue);
const fundamentals = new Fundamentals({
  venue,
  loop,
  spec: {
    kind: "meanReverting",
    volatility: 5e-6,
    meanReversion: 1e-4,
    correlation: [
      [1, 0.5],
      [0.5, 1],
    ],
  },
  rng: root.split("fundamentals"),
});
let fills = 0;
venue.fills$.subscribe(() => {
  fills++;
});
const pops = buildPopulations(
  [
    marketMakers({ count: 4 }),
    noiseTraders({ count: 8_806, activation: { poissonRate: 1 / 8_000 }, activityFeedback: 2 }),
    fundamentalists({
      count: 800,
      activation: { poissonRate: 1 / 2_000 },
      aggression: 0.2,
      threshold: 0.001,
      observationNoise: 0.0005,
    }),
    momentumTraders({ count: 190, activation: { poissonRate: 1 / 1_000 } }),
    leveragedTraders({
      count: 180,
      leverage: { dist: "uniform", min: 2, max: 50 },
      capital: { dist: "uniform", min: 1e6, max: 1e8 },
      crowding: 0.5,
      activation: { poissonRate: 1 / 2_000 },
    }),
    liquidators({ count: 20, capital: 1e9 }),
  ],
  { venue, loop, rng: root.split("agents"), fundamentals },
);
const agents = pops.reduce((n, p) => n + p.accounts.length, 0);
let peak = process.memoryUsage().rss;
loop.run(
  TICKS,
  () => {
    const r = process.memoryUsage().rss;
    if (r > peak) peak = r;
  },
  10_000,
);
const wall = (performance.now() - t0) / 1000;
const a = orderActivity(venue);
console.log(
  `memory agents=${agents} ticks=${TICKS} wall_s=${wall.toFixed(1)} limit_orders=${a.limitOrders} cancels=${a.cancels} fills=${fills} activations=${loop.scheduler.activations}`,
);
console.log(`memory peak_rss_mb=${Math.round(peak / 2 ** 20)}`);
