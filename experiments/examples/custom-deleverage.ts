// experiments/examples/custom-deleverage.ts
import { fundamentalists, leveragedTraders, marketMakers, noiseTraders } from "@cascade/agents";
import { defineExperiment } from "@cascade/experiment";
import { type Holding, presets } from "@cascade/liquidation";
import type { Venue } from "@cascade/market";

// Close, along the policy's ordering, the fewest whole lots after which the account's gross notional
// is at most `leverage` x its equity at the marks (a close at the mark leaves equity as it is).
const deleverageTo =
  (leverage: number) => (venue: Venue, account: number, holdings: ReadonlyArray<Readonly<Holding>>) => {
    let excess = venue.grossNotional(account) - leverage * venue.equity(account);
    return holdings.map((h) => {
      const lots = Math.max(0, Math.min(Math.abs(h.q), Math.ceil(excess / (h.mark * h.cv))));
      excess -= lots * h.mark * h.cv;
      return lots;
    });
  };

export default defineExperiment({
  name: "custom-deleverage",
  seed: 1,
  market: {
    instruments: [{ symbol: "BTC", initialPrice: 5_000, margin: { initial: 0.05, maintenance: 0.03 } }],
  },
  fundamentals: { kind: "meanReverting", volatility: 0.0002, meanReversion: 0.002 },
  populations: [
    marketMakers({ count: 2, activation: { every: 2 } }),
    noiseTraders({ count: 30, activation: { poissonRate: 0.03 } }),
    fundamentalists({ count: 20, activation: { poissonRate: 0.05 } }),
    leveragedTraders({
      count: 30,
      leverage: { dist: "uniform", min: 3, max: 12 },
      capital: 20_000,
      activation: { once: { dist: "uniformInt", min: 2, max: 100 } },
    }),
  ],
  shocks: [{ kind: "fundamentalDrop", instrument: "BTC", atTick: 400, fraction: 0.1 }],
  liquidation: presets.fullClose(),
  variants: {
    full: presets.fullClose(),
    // at the margin call, sell only down to 10x leverage (the built-in rules close all, a share, or to a margin ratio)
    to10x: presets.fullClose({ name: "deleverage", amount: { kind: "custom", lots: deleverageTo(10) } }),
  },
  replications: 10,
  ticks: 900,
});
