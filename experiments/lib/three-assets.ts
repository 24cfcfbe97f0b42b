/**
 * The market the flagship studies share, calibrated once (see partial-vs-full.ts for the story):
 * three perpetual-style instruments (BTC 5,000 / ETH 4,000 / SOL 3,000 ticks; 20x max leverage:
 * initial margin 5%, maintenance 3%; 5 bp taker fee; mark = mid), market makers that quote in calm
 * markets and pull their quotes after a 2% move, noise traders resting orders 5-150 ticks from the
 * mid, fundamentalists anchoring prices to a mean-reverting fundamental, a few trend followers,
 * and a crowd of 100 cross-margin leveraged traders that enter once (ticks 5-300).
 *
 * Studies spread these into their own experiment and override what they vary. Population indices:
 * 0 market makers, 1 noise traders, 2 fundamentalists, 3 trend followers, 4 the leveraged crowd;
 * sweeps name the crowd by its label ("populations.leveraged.leverage"), wherever it stands.
 */

import type { FundamentalSpec } from "@cascade/agents";
import {
  fundamentalists,
  type LeveragedParams,
  leveragedTraders,
  marketMakers,
  momentumTraders,
  noiseTraders,
  type PopulationSpec,
} from "@cascade/agents";
import type { MarketConfig, RunRecords } from "@cascade/experiment";

export const margin = { initial: 0.05, maintenance: 0.03 };

export const market: MarketConfig = {
  instruments: [
    { symbol: "BTC", initialPrice: 5_000, margin },
    { symbol: "ETH", initialPrice: 4_000, margin },
    { symbol: "SOL", initialPrice: 3_000, margin },
  ],
  fees: { makerBps: 0, takerBps: 5 },
  mark: { kind: "mid" },
};

/** Independent (uncorrelated) mean-reverting fundamentals, half-life ~350 ticks. */
export const fundamentals: FundamentalSpec = {
  kind: "meanReverting",
  volatility: 0.0002,
  meanReversion: 0.002,
};

/** Market-maker parameters: 8 levels 2 ticks apart every 2 ticks; quotes pulled for 100 ticks after a 2% move. */
export const makerQuotes = {
  capital: 1e10,
  activation: { every: 2 },
  levels: 8,
  levelSpacing: 2,
  withdrawMove: 0.02,
  withdrawVolatility: 3,
  withdrawTicks: 100,
} as const;

/** Fundamentalists' trading rule (the activation differs per study). */
export const valueTrading = { aggression: 0.5, orderSize: { dist: "uniformInt", min: 1, max: 25 } } as const;

export const noise = noiseTraders({
  count: 90,
  activation: { poissonRate: 0.03 },
  activityFeedback: 1,
  maxOpenOrders: 8,
  priceOffset: { dist: "uniform", min: 5, max: 150 },
});

/** Populations 0-3: the background market (2 market makers and 20 fundamentalists per instrument). */
export function background(): PopulationSpec[] {
  return [
    marketMakers({ ...makerQuotes, count: 6, levelSize: 15 }),
    noise,
    fundamentalists({ ...valueTrading, count: 60, activation: { poissonRate: 0.05 } }),
    momentumTraders({ count: 15 }),
  ];
}

export const crowdLeverage = { dist: "uniform", min: 10, max: 19.5 } as const;
export const crowdCapital = { dist: "lognormal", mu: 9.3, sigma: 0.5, min: 2_000, max: 100_000 } as const;
export const crowdEntry = { once: { dist: "uniformInt", min: 5, max: 300 } } as const;

/**
 * Population 4: 100 leveraged traders, each entering ONCE a long cross-margin portfolio of all
 * three instruments at 10x-19.5x (the top 2% above maintenance), capital lognormal around 11,000
 * (in aggregate ~1,200 lots per instrument once entered, about four times the bids within 1% of
 * the mid: experiments/examples/crowd-before-shock.ts), weights 30% common / 70% own.
 */
export function leveragedCrowd(overrides: Partial<LeveragedParams> = {}): PopulationSpec {
  return leveragedTraders({
    count: 100,
    activation: crowdEntry,
    leverage: crowdLeverage,
    capital: crowdCapital,
    crowding: 0.3,
    maxSlippage: 0.005,
    ...overrides,
  });
}

/** Ticks after the shock in which at least one book had an empty side. */
export function oneSidedTicks(r: RunRecords): number {
  let n = 0;
  for (let t = r.shockTick; t <= r.ticks; t++) {
    if (r.series.some((s) => !Number.isFinite(s.mid[t - 1]))) n++;
  }
  return n;
}
