// experiments/examples/my-dip-buyers.ts
import { customAgents, fundamentalists, leveragedTraders, marketMakers, noiseTraders } from "@cascade/agents";
import { defineExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { BUY } from "@cascade/market";

export default defineExperiment({
  name: "my-dip-buyers",
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
    customAgents({
      name: "dipBuyer", // accounts dipBuyer[4].k
      count: 20, // swept below
      capital: 1_000_000,
      activation: { poissonRate: 1 / 10 },
      params: { threshold: { dist: "uniform", min: 0.01, max: 0.03 }, size: 5 },
      create: (view, { instrument, params }) => ({
        act() {
          const mid = view.mid(instrument);
          // movingAverage is NaN until 101 ticks are recorded (window + 1): the comparison is false until then
          if (mid > 0 && mid < view.movingAverage(instrument, 100) * (1 - params.threshold))
            view.ioc(instrument, BUY, params.size, mid * 1.01); // capped by initial margin
        },
      }),
    }),
  ],
  shocks: [{ kind: "fundamentalDrop", instrument: "BTC", atTick: 400, fraction: 0.1 }],
  liquidation: presets.fullClose(),
  // one variant: each point is compared with point 0 (no dip buyers), replication by replication
  sweep: { "populations.dipBuyer.count": [0, 20, 60] },
  metrics: { custom: { dip_pnl: (r) => r.populations?.find((p) => p.name === "dipBuyer")?.pnl ?? null } },
  replications: 10,
  ticks: 900,
});
