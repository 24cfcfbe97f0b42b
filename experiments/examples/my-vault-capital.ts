// experiments/examples/my-vault-capital.ts
import { fundamentalists, leveragedTraders, marketMakers, noiseTraders } from "@cascade/agents";
import { defineExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";

export default defineExperiment({
  name: "my-vault-capital",
  description: "How big must the backstop vault be? stepwise with a vault of 0 .. 1M capital",
  seed: 1,
  market: {
    instruments: [{ symbol: "BTC", initialPrice: 5_000, margin: { initial: 0.05, maintenance: 0.03 } }],
  },
  fundamentals: { kind: "meanReverting", volatility: 0.0002, meanReversion: 0.002 },
  populations: [
    marketMakers({
      count: 2,
      activation: { every: 2 },
      levels: 8,
      levelSpacing: 2,
      levelSize: 15,
      withdrawMove: 0.02,
    }),
    noiseTraders({ count: 30, activation: { poissonRate: 0.03 } }),
    fundamentalists({ count: 20, activation: { poissonRate: 0.05 } }),
    leveragedTraders({
      count: 40,
      activation: { once: { dist: "uniformInt", min: 5, max: 300 } },
      leverage: { dist: "uniform", min: 10, max: 19.5 },
      capital: 10_000,
      maxSlippage: 0.005,
    }),
  ],
  shocks: [{ kind: "fundamentalDrop", instrument: "BTC", atTick: 400, fraction: 0.1, permanent: true }],
  liquidation: presets.stepwise({ minNotional: 50_000, backstop: null }),
  variants: {
    noVault: presets.stepwise({ minNotional: 50_000, backstop: null }),
    unbounded: presets.stepwise({ minNotional: 50_000 }), // no capital: the same at every point
    vault: presets.stepwise({ minNotional: 50_000, backstopCapital: 0 }),
  },
  baseline: "noVault",
  sweep: { "liquidation.backstop.capital": [0, 10_000, 30_000, 100_000, 1_000_000] },
  replications: 20,
  ticks: 700,
  metrics: {
    builtIn: "all",
    custom: { backstop_declined: (r) => r.totals.backstopDeclined ?? null },
    headline: ["book_liquidated_notional", "adl_volume", "bad_debt", "backstop_pnl", "backstop_declined"],
  },
});
