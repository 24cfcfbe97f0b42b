/**
 * Partial vs full liquidation
 * ===========================
 *
 * Question: when a shock pushes leveraged cross-margin accounts under maintenance, does closing
 * only part of each portfolio make the ensuing cascade less severe than closing all of it (fewer
 * accounts dragged under, less forced selling, less bad debt, a shallower crash), and which
 * partial rule does best?
 *
 * Market: one venue, three perpetual-style instruments (BTC 5,000 / ETH 4,000 / SOL 3,000 ticks,
 * one lot = price x 1 cash unit, 20x max leverage: initial margin 5%, maintenance 3%; 5 bp taker
 * fee; mark = mid). Per instrument: 2 market makers quoting 8 levels of 15 lots 2 ticks apart
 * every 2 ticks, who pull all quotes for 100 ticks when the mid moves 2% within their horizon
 * (liquidity that is there in calm markets and gone in a crash); 30 noise traders resting orders
 * 5-150 ticks from the mid (a deep but sparse book); 20 fundamentalists trading toward a noisy
 * view of a mean-reverting fundamental (they anchor the price and absorb fire sales, at a
 * finite rate); 5 trend followers. 100 leveraged traders each enter ONCE (ticks 5-300) a
 * long cross-margin portfolio of all three instruments at a target leverage drawn uniformly in
 * 10x-19.5x (the top sits just under the 20x cap: a 2% buffer over maintenance), capital
 * lognormal around 11,000 (in aggregate about 1,200 lots per instrument once entered, about four
 * times the bids resting within 1% of the mid: experiments/examples/crowd-before-shock.ts).
 * Their portfolios overlap: all are long the same three assets,
 * with weights 30% common / 70% own (`crowding: 0.3`; the common weights are redrawn per
 * replication, so a low crowding keeps BTC's share of the crowd's book stable across runs).
 * At tick 400 BTC's fundamental value drops 10% (then mean-reverts, half-life ~350 ticks):
 * fundamentalists sell BTC down, the most leveraged accounts cross maintenance, their forced
 * sales hit BTC and also ETH and SOL (cross margin), and the next accounts fall under.
 * Before the shock the mids stay within ~0.2% of the fundamentals on average, with a spread of a
 * few ticks and both book sides present (experiments/README.md says how that was checked).
 *
 * Variants (same seeds under every variant, so differences are paired):
 * - full: classic exchange liquidation, the whole portfolio sold on the book as soon as
 *   equity < maintenance (5% slippage bound, 1% fee to the insurance fund); see
 *   REFERENCES.md "Centralised exchanges" before partial liquidation.
 * - closeFactor50: Aave v3 (docs / V3 technical paper): liquidatable when the health factor < 1,
 *   50% of the portfolio's gross notional closed per step (Aave: of the debt), 100% at HF <= 0.95,
 *   5% bonus to the liquidator. The 100% rule changes nothing here (without it: the same bytes):
 *   at 3% maintenance a long-only account has HF 0.97 at zero equity, so HF <= 0.95 finds only
 *   bankrupt accounts, which the engine closes in full anyway; accounts may trade in liquidation
 *   (`whileLiquidating` "free", Aave's), which the crowd, entering once, never does.
 * - restoreToTarget: partial liquidation that sells just enough (most liquid asset first) to
 *   bring equity/maintenance back to 1.25 (the "liquidate to a safe buffer" rule of several
 *   exchanges), with full close's 5% bound and 1% fee.
 * - stepwiseBackstop: Hyperliquid (docs: Trading > Liquidations): 20% steps with a 30-tick
 *   cool-down for positions above 50,000 (100,000 USDC there, scaled to these account sizes);
 *   when equity < 2/3 of maintenance the backstop vault takes the whole portfolio off-book;
 *   auto-deleveraging as the last resort; no liquidation fee (the preset's): no insurance fund.
 * Each variant keeps its mechanism's own penalty (1%, 5% to the liquidator, 1%, none): a
 * difference between them is the whole mechanism's, not the amount rule's alone.
 *
 * What to look at (summary.csv, comparison.csv against `full`):
 * - accounts_liquidated, liquidated_notional (book_liquidated_notional: the part sold on the
 *   book), liquidations: how far the cascade spread;
 * - max_cascade_depth: generations of the cascade (a liquidation whose trades moved the price
 *   that put the next account under is its cause; generation >= 2 = endogenous spread);
 *   endogenous_share (custom) = share of liquidation records with generation >= 2;
 * - peak_drawdown_BTC vs the 10% shock (overshoot from forced selling), peak_drawdown_ETH and
 *   _SOL (contagion through cross margin), bad_debt and insurance_draw; backstop_pnl (the vault's
 *   result under stepwiseBackstop: its mean and interval in summary.csv; comparison.csv has no
 *   difference for it, as full has no vault, so its backstop_pnl is blank, not 0);
 * - one_sided_ticks (custom): ticks after the shock where a book had an empty side (the mid is
 *   then undefined; drawdowns use the last trade price on those ticks, bounded by the side still
 *   quoted).
 * Typical result (60 replications; mean, paired against full): a cascade (generation >= 2) in
 * all 60 replications under every policy but stepwiseBackstop (59 of 60). Full close liquidates
 * ~30 of 100 accounts (3.9M notional, BTC drawdown 11.8% after a 10% shock, bad debt ~7.0k, 4.9
 * generations deep on average and 9 at most); restore-to-target liquidates about as many accounts
 * (the shock itself is large) but sells ~7.5% less (p ~ 0.016); its bad debt is ~13% higher, but
 * that is well within the noise (p ~ 0.6). Aave-style 50% steps make the cascade bigger (+7
 * accounts, +48% notional, BTC drawdown +2.0 points, about six times the bad debt, the bid side
 * empty ~24 ticks longer: each step leaves an exposed remainder that is liquidated again lower
 * down, and the 5% bonus is paid out of the account), though they draw nothing from the insurance
 * fund (no fee feeds it) and do not measurably deepen ETH's and SOL's drawdowns (+0.02 and +0.07
 * points, p_holm ~ 0.47 and 0.79). The stepwise rule with a backstop vault liquidates a third fewer accounts,
 * liquidates ~40% less notional, cuts the BTC drawdown to 8.8% and leaves almost no bad debt: the
 * vault takes the deepest accounts off-book at their bankruptcy price and never sells (1.28M of
 * its 2.24M liquidated per run, so it sells ~75% less on the book than full close:
 * book_liquidated_notional 0.96M against 3.86M); as BTC mean-reverts it ends with a gain in every
 * run where it took an account (59 of 60; backstop_pnl +73k on average, up to +281k), which a
 * market without that rebound could turn into a loss
 * (packages/liquidation/README.md lists such departures). 240 runs (run times: experiments/README.md).
 */
import { defineExperiment, type RunRecords } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { background, fundamentals, leveragedCrowd, market, oneSidedTicks } from "./lib/three-assets.js";

/** Share of liquidation records of generation >= 2 (caused by an earlier liquidation's trades). */
function endogenousShare(r: RunRecords): number | null {
  const rows = r.liquidations.filter((l) => l.quantity > 0);
  return rows.length === 0 ? null : rows.filter((l) => l.generation >= 2).length / rows.length;
}

export default defineExperiment({
  name: "partial-vs-full",
  description:
    "Full close vs 50% close factor vs restore-to-target vs stepwise+backstop after a 10% BTC shock",
  seed: 20260312,
  market,
  fundamentals,
  populations: [...background(), leveragedCrowd()],
  shocks: [{ kind: "fundamentalDrop", instrument: "BTC", atTick: 400, fraction: 0.1 }],
  liquidation: presets.fullClose(),
  variants: {
    full: presets.fullClose(),
    closeFactor50: presets.closeFactor({ fraction: 0.5 }),
    restoreToTarget: presets.restoreToTarget({ targetMarginRatio: 1.25 }),
    stepwiseBackstop: presets.stepwise({ minNotional: 50_000, cooldownTicks: 30 }),
  },
  baseline: "full",
  replications: 60,
  ticks: 1100,
  sampleEvery: 5,
  recoveryThreshold: 0.03,
  metrics: {
    custom: {
      endogenous_share: endogenousShare,
      one_sided_ticks: oneSidedTicks,
    },
  },
});
