/**
 * Cross-asset contagion through cross margin
 * ==========================================
 *
 * Question: can a shock to ONE instrument crash instruments whose fundamentals did not move,
 * only because leveraged traders hold them in the same cross-margin account, so that losses on
 * the shocked asset force sales of the others? How large is that spill-over against controls
 * with the same exposure but no cross-margin link, or no leverage?
 *
 * Market: three instruments with INDEPENDENT fundamentals (no correlation matrix) on one venue,
 * 20x max leverage with 3% maintenance, mark = mid. BTC has the deep book of partial-vs-full.ts
 * (market makers quoting 15 lots per level, 20 fundamentalists); ETH and SOL are thinner "alts"
 * (6 lots per level, 10 slower fundamentalists each); market makers withdraw for 100 ticks on a
 * 2% move; noise traders and trend followers as in partial-vs-full.ts. Shock: BTC's fundamental
 * drops 10% at tick 400 (mean-reverting afterwards); ETH and SOL are never shocked. Liquidation
 * in every variant: full close on the book (presets.fullClose: 5% slippage bound, 1% fee to the
 * insurance fund, which covers deficits before they are left as bad debt).
 *
 * Variants (same seeds, paired against crossMargin):
 * - crossMargin: 102 leveraged traders at 10x-19.5x, each holding all three instruments in one
 *   cross-margin account (weights 30% common / 70% own), entering once before the shock. A
 *   liquidation sells the whole portfolio, alts included (exchange cross margin; Hyperliquid's
 *   ADL fired on cross-margin positions on 2025-10-10, REFERENCES.md).
 * - isolated: the same leverage and the same capital per instrument, but 34 traders per
 *   instrument each holding ONE instrument (isolated margin): BTC's losses cannot force alt sales.
 * - unlevered: the cross-margin crowd at 1x with 15x the capital (about the same holdings, never
 *   liquidated): the drawdowns that the market itself produces.
 *
 * What to look at: the custom `untouched_drawdown` (the larger peak drawdown of ETH and SOL after
 * the shock) and `untouched_liquidated` (notional liquidated in ETH and SOL), next to
 * peak_drawdown_ETH/_SOL, accounts_liquidated and bad_debt. Look at the median and p95 columns
 * of summary.csv as well as the mean: the spill-over is fat-tailed. Typical result (30
 * replications): the alts' median drawdown is only modestly larger with cross margin (~1.2% vs
 * ~0.9% in both controls), but in 6 of 30 replications the forced alt sales empty a thin alt
 * book and walk it down 46-70% (SOL in five, ETH in three, both in two; p95 ~58%), with bad debt
 * of 0.13-1.2M; the controls never go beyond ~1.4%. In the isolated variant BTC-only accounts
 * fail (the shock exceeds their buffer) but the alts are untouched.
 * 90 runs (run times: experiments/README.md).
 */
import {
  fundamentalists,
  leveragedTraders,
  marketMakers,
  momentumTraders,
  type PopulationSpec,
} from "@cascade/agents";
import { defineExperiment, peakDrawdown, type RunRecords } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import {
  crowdCapital as capital,
  crowdEntry as entry,
  fundamentals,
  crowdLeverage as leverage,
  leveragedCrowd,
  market,
  makerQuotes as mm,
  noise,
  valueTrading as value,
} from "./lib/three-assets.js";

const SYMBOLS = ["BTC", "ETH", "SOL"];

/** The market every variant shares (populations 0-5). */
const background: PopulationSpec[] = [
  // BTC: the deep market of partial-vs-full.ts.
  marketMakers({ ...mm, count: 2, instruments: ["BTC"], levelSize: 15 }),
  // ETH and SOL: thinner books (6 lots per level) and slower value traders.
  marketMakers({ ...mm, count: 4, instruments: ["ETH", "SOL"], levelSize: 6 }),
  noise,
  fundamentalists({ ...value, count: 20, instruments: ["BTC"], activation: { poissonRate: 0.05 } }),
  fundamentalists({ ...value, count: 20, instruments: ["ETH", "SOL"], activation: { poissonRate: 0.03 } }),
  momentumTraders({ count: 15 }),
];

/** One cross-margin crowd holding all three instruments. */
const crossMargined = leveragedCrowd({ count: 102 });

/** The same exposure per instrument, but each trader holds ONE instrument (isolated margin). */
const isolated = SYMBOLS.map((s) =>
  leveragedTraders({
    count: 34,
    instruments: [s],
    activation: entry,
    leverage,
    capital: { ...capital, mu: capital.mu - Math.log(3), min: capital.min / 3, max: capital.max / 3 },
    maxSlippage: 0.005,
  }),
);

/** Drawdown of the instruments that were NOT shocked (ETH and SOL): the contagion. */
function untouchedDrawdown(r: RunRecords): number {
  let worst = 0;
  for (const s of r.series)
    if (s.symbol !== "BTC") worst = Math.max(worst, peakDrawdown(s, r.shockTick, r.ticks));
  return worst;
}

/** Notional liquidated in ETH and SOL. */
function untouchedLiquidated(r: RunRecords): number {
  return r.liquidations
    .filter((l) => l.instrument === "ETH" || l.instrument === "SOL")
    .reduce((a, l) => a + l.notional, 0);
}

export default defineExperiment({
  name: "cross-asset-contagion",
  description:
    "A BTC-only shock spreading to ETH and SOL through cross-margin liquidations (vs isolated, vs unlevered)",
  seed: 20260316,
  market,
  // Independent fundamentals (no correlation matrix): ETH and SOL only move through trading.
  fundamentals,
  populations: [...background, crossMargined],
  shocks: [{ kind: "fundamentalDrop", instrument: "BTC", atTick: 400, fraction: 0.1 }],
  liquidation: presets.fullClose(),
  variants: {
    crossMargin: {},
    isolated: {
      description: "each leveraged trader holds one instrument",
      populations: [...background, ...isolated],
    },
    unlevered: {
      description: "the cross-margin crowd at 1x with 15x the capital: same holdings, never liquidated",
      populations: [
        ...background,
        leveragedTraders({
          count: 102,
          activation: entry,
          leverage: 1,
          capital: {
            ...capital,
            mu: capital.mu + Math.log(15),
            min: capital.min * 15,
            max: capital.max * 15,
          },
          crowding: 0.3,
          maxSlippage: 0.005,
        }),
      ],
    },
  },
  baseline: "crossMargin",
  replications: 30,
  ticks: 1000,
  sampleEvery: 5,
  recoveryThreshold: 0.03,
  metrics: { custom: { untouched_drawdown: untouchedDrawdown, untouched_liquidated: untouchedLiquidated } },
});
