// experiments/examples/my-early-trigger.ts
import { fundamentalists, leveragedTraders, marketMakers, noiseTraders } from "@cascade/agents";
import { defineExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";

export default defineExperiment({
  name: "my-early-trigger",
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
    // a quarter at a time from equity < 1.1 x maintenance, everything once the health factor is below 0.9
    early: presets.closeFactor({
      fraction: 0.25,
      fullBelowHealthFactor: 0.9,
      trigger: { kind: "custom", test: (venue, account) => venue.marginRatio(account) < 1.1 },
    }),
  },
  metrics: {
    custom: {
      // the largest one-tick fall of the price from the shock tick on (index t - 1 is tick t)
      largest_tick_drop: (r) => {
        const p = r.series[0].price;
        let worst = 0;
        for (let t = r.shockTick; t <= r.ticks; t++) worst = Math.max(worst, 1 - p[t - 1] / p[t - 2]);
        return worst;
      },
      // ticks from the shock to the first liquidation (rows are in the order they happened)
      first_liquidation_after: (r) =>
        r.liquidations.length > 0 ? r.liquidations[0].tick - r.shockTick : null,
    },
  },
  replications: 10,
  ticks: 900,
});
