/**
 * A one-day run shaped like ABIDES RMSC04 (abides-markets/abides_markets/configs/rmsc04.py):
 * 1 instrument at ~100,000 ticks, 2 adaptive market makers every 60 s quoting 10 levels 5 ticks
 * apart, 102 value agents (Poisson, one wake per ~175 s each) observing a noisy mean-reverting
 * fundamental, 12 momentum agents (Poisson, ~every 37 s), 1,000 noise agents each waking once at a
 * random time; 6.5 simulated hours at 1 tick = 1 s (23,400 ticks). ABIDES: ~14 s for one day with
 * 23,373 limit orders, 18,730 executions and 11,833 cancels.
 *
 *   npx tsx test/bench/rmsc04.ts (after `pnpm build`; it runs the built packages)      (BENCH_SEED=n to change the seed, BENCH_REPS=n repetitions, default 10)
 *
 * wall_s is the best of the repetitions (warm JIT, as in an experiment running replications in one
 * worker); cold_s, the first run of the process, includes V8's warm-up of the hot code.
 */

import {
  buildPopulations,
  Fundamentals,
  fundamentalists,
  marketMakers,
  momentumTraders,
  noiseTraders,
  orderActivity,
} from "@cascade/agents";
import { Rng, RunLoop } from "@cascade/core";
import { connectVenue, Venue } from "@cascade/market";

const TICKS = 23_400;
const ABIDES_WALL_S = 14;

function runDay(seed: number) {
  const t0 = performance.now();
  const root = Rng.fromSeed(seed);
  const loop = new RunLoop({ rng: root.split("loop") });
  const venue = new Venue({ instruments: [{ symbol: "ABM", initialPrice: 100_000 }] });
  connectVenue(loop, venue);
  const fundamentals = new Fundamentals({
    venue,
    loop,
    spec: { kind: "meanReverting", volatility: 1e-5, meanReversion: 1e-4 },
    rng: root.split("fundamentals"),
  });
  let executions = 0;
  venue.fills$.subscribe(() => {
    executions++;
  });
  buildPopulations(
    [
      marketMakers({
        count: 2,
        activation: { every: 60 },
        levels: 10,
        levelSpacing: 5,
        levelSize: { dist: "uniformInt", min: 5, max: 15 },
      }),
      fundamentalists({
        count: 102,
        activation: { poissonRate: 1 / 175 },
        observationNoise: 0.0005,
        threshold: 0.00002,
        aggression: 0.8,
        orderSize: { dist: "uniformInt", min: 10, max: 60 },
      }),
      momentumTraders({
        count: 12,
        activation: { poissonRate: 1 / 37 },
        shortWindow: 20,
        longWindow: 50,
        threshold: 0,
        aggression: 0.6,
      }),
      noiseTraders({
        count: 1000,
        activation: { once: { dist: "uniformInt", min: 1, max: TICKS } },
        limitWeight: 0.7,
        marketWeight: 0.3,
        cancelWeight: 0,
      }),
    ],
    { venue, loop, rng: root.split("agents"), fundamentals },
  );
  const t1 = performance.now();
  loop.run(TICKS);
  const t2 = performance.now();
  const a = orderActivity(venue);
  return {
    wall: (t2 - t0) / 1000,
    setup: (t1 - t0) / 1000,
    run: (t2 - t1) / 1000,
    limit: a.limitOrders,
    executions,
    cancels: a.cancels,
    mid: venue.book(0).mid(),
  };
}

const seed = Number(process.env.BENCH_SEED ?? 1);
const reps = Number(process.env.BENCH_REPS ?? 10);
const cold = runDay(seed);
let best = cold;
for (let r = 1; r < reps; r++) {
  const x = runDay(seed);
  if (x.wall < best.wall) best = x;
}
const events = best.limit + best.executions + best.cancels;
console.log(
  `rmsc04 wall_s=${best.wall.toFixed(3)} book_events=${events} (setup_s=${best.setup.toFixed(3)} run_s=${best.run.toFixed(3)}, best of ${reps}, seed ${seed}, final mid ${best.mid})`,
);
console.log(`rmsc04 limit_orders=${best.limit} executions=${best.executions} cancels=${best.cancels}`);
console.log(`rmsc04 speedup_vs_abides=${(ABIDES_WALL_S / best.wall).toFixed(1)}`);
console.log(
  `rmsc04 cold_s=${cold.wall.toFixed(3)} (first run in this process) speedup_cold=${(ABIDES_WALL_S / cold.wall).toFixed(1)}`,
);
