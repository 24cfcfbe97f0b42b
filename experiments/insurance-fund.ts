/**
 * Insurance fund sizing: how large must the fund be for auto-deleveraging to fire in fewer than
 * 5% of severe shocks, under Binance-style tiered liquidation?
 *
 * Market, background and crowd as in the other studies (experiments/lib/three-assets.ts), with
 * Binance-like margin tiers scaled to this market's account sizes (maintenance 3% up to 50,000
 * notional, 5% above, 10% above 150,000; initial 5/10/20%). The crowd (10-19.5x, 20% of legs
 * short) meets a permanent BTC drop whose size is drawn per replication from 15-20% (a scenario
 * per replication, the same one at every fund size: the comparisons are paired).
 *
 * Policy: `tieredPartial` (Binance USD-M: each step reduces a position to the next lower tier,
 * 0.5% clearance fee to the insurance fund, ADL when the fund is short; REFERENCES.md). Swept:
 * the fund's starting capital, 0 .. 800,000 (the crowd's equity is ~1.2M).
 *
 * What to look at: the custom `adl_fired` (1 when any deficit went past the fund: ADL closed
 * positions, adl_volume, or charged opposing accounts, adl_covered); its mean is the ADL rate,
 * with Wilson intervals in summary.csv and each fund size paired against no fund in
 * comparison.csv. bad_debt and who paid it (insurance_draw, adl_covered, unrecovered_debt), and
 * the drawn shock (`shock_size`) for a look at which scenarios need the largest fund.
 * 5 points x 60 replications = 300 runs (run times: experiments/README.md).
 *
 * Typical result (60 scenarios per fund size): without a fund ADL fires in 59 of 60 (the fund
 * holds only the clearance fees); 200,000 leaves it in 15 (25%); 400,000 in 2 (3.3%, Wilson 95%
 * interval 0.9-11.4%: drops of 18.4% and 19.2%, not the largest ones, which reach 19.8%: the
 * deficit depends on more than the drop); 600,000 in none (0 of 60, upper bound 6.0%), and
 * 800,000 runs identically (the largest deficit of any run was 507,000, about 40% of the crowd's
 * equity). 60 replications cannot show a rate below 5% with 95% confidence (0 of
 * 73 would): rerun with `--replications 100` before quoting one. A fund also changes the crash:
 * while it can pay, bankrupt accounts are sold on the book instead of deleveraged at the mark, so
 * bad debt rises from 104,000 (no fund) to 165,000 and BTC's drawdown from 20.9% to 24.6%
 * (packages/liquidation/README.md); bad debt is also ~50% higher after drops above 17.5%.
 */
import { defineExperiment, type RunRecords } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { background, fundamentals, leveragedCrowd, margin, market } from "./lib/three-assets.js";

const tiers = [
  { notionalAbove: 50_000, initial: 0.1, maintenance: 0.05 },
  { notionalAbove: 150_000, initial: 0.2, maintenance: 0.1 },
];

/** 1 when some deficit went past the insurance fund (ADL closed positions or charged accounts). */
function adlFired(r: RunRecords): number {
  return r.totals.adlVolume > 0 || (r.totals.adlCovered ?? 0) > 0 ? 1 : 0;
}

export default defineExperiment({
  name: "insurance-fund",
  description: "Insurance fund size against the ADL rate under tiered liquidation (15-20% BTC drop)",
  seed: 20260315,
  market: {
    ...market,
    instruments: market.instruments.map((i) => ({ ...i, margin: { ...margin, tiers } })),
  },
  fundamentals,
  populations: [...background(), leveragedCrowd({ shortProbability: 0.2 })],
  shocks: [
    {
      kind: "fundamentalDrop",
      instrument: "BTC",
      atTick: 400,
      fraction: { dist: "uniform", min: 0.15, max: 0.2 },
      permanent: true,
    },
  ],
  liquidation: presets.tieredPartial(),
  sweep: { "liquidation.loss.insuranceFund": [0, 200_000, 400_000, 600_000, 800_000] },
  replications: 60,
  ticks: 1100,
  sampleEvery: 20,
  recoveryThreshold: 0.03,
  metrics: {
    custom: { adl_fired: adlFired, shock_size: (r) => r.shocks?.[0].fraction ?? null },
    headline: ["adl_fired", "bad_debt", "insurance_draw", "adl_covered", "adl_volume", "peak_drawdown"],
  },
});
