/**
 * Leverage x crowding phase diagram
 * =================================
 *
 * Question: in the spirit of Caccioli, Shrestha, Moore & Farmer (2014), "Stability analysis of
 * financial contagion due to overlapping portfolios" (REFERENCES.md: contagion through fire sales
 * of common assets switches on sharply past a critical leverage, and crowding widens the unstable
 * region): how large is the liquidation cascade after a single-asset shock, as a function of the
 * leverage of the leveraged crowd and of how similar their portfolios are?
 *
 * Market: the calibrated market of partial-vs-full.ts (three instruments, 20x max leverage with
 * 3% maintenance, market makers that withdraw on a 2% move, a deep but sparse noise book,
 * fundamentalists that anchor prices) and 100 cross-margin leveraged traders long all three
 * assets, entering once before the shock. At tick 400 BTC's fundamental drops 7%; runs end at
 * tick 800. Liquidation: full close on the book (presets.fullClose).
 *
 * Grid (`sweep`, a full factorial; one variant):
 * - populations.leveraged.leverage in {8, 11, 13, 14, 15, 16, 17, 18, 19}: the SAME target leverage for
 *   every trader (as in Caccioli et al., one leverage per system); realised leverage is a little
 *   lower because entries are IOCs bounded at 0.5% slippage.
 * - populations.leveraged.crowding in {0, 0.25, 0.5, 0.75, 1}: weights = crowding x common + (1 - crowding)
 *   x own (Exp(1) draws, normalised): 1 = everyone holds the same portfolio (the common weights
 *   are redrawn per replication), 0 = independent weights. Every portfolio is long all three
 *   assets, so the asset overlap is always complete; crowding only sets how alike the weights are.
 * 45 points x 24 replications = 1,080 runs (run times: experiments/README.md).
 *
 * What to look at: a heat map of accounts_liquidated_share (mean), of the custom `systemic`
 * (share of runs where at least 25% of the leveraged accounts were liquidated: the probability of
 * a system-wide cascade), of max_cascade_depth and of bad_debt, with leverage on one axis and
 * crowding on the other. summary.csv has one row per (point, metric) with mean, CI and
 * p05/p95; runs.csv carries the two swept values as columns, which is the easiest input for a
 * pivot table; comparison.csv pairs each crowding with crowding 0 at the same leverage
 * (`sweepReference`).
 * Typical result (24 replications per point): a sharp leverage transition, nothing below 13x
 * and system-wide cascades in 83-92% of runs from 16x up when portfolios are diverse (crowding 0):
 * the Caccioli onset. Crowding does not widen the unstable region the way Caccioli's overlap
 * does; it smears the transition: with identical portfolios (crowding 1) system-wide cascades
 * appear at 13-14x in ~8% of runs (replications whose common weights load on BTC; 4-8% with
 * diverse ones) but stay at 25-29% of runs at 17-19x, so generations are shallower on average;
 * when they happen there they are nearly as deep (6.1 generations against 7.5), reach more of the
 * crowd (67% of the accounts against 50%) and leave more bad debt (median ~16k against ~3k, over
 * 19 such runs against 63: a rough figure): everyone hits the book in the same ticks. With
 * diverse weights some accounts are concentrated in the shocked asset; they fail first and their
 * forced sales of all three assets carry the cascade to the rest. Caccioli's overlap is the number of shared assets
 * at fixed diversification, which this grid holds at "all of them".
 */
import { defineExperiment, type RunRecords } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { background, fundamentals, leveragedCrowd, market } from "./lib/three-assets.js";

/** 1 when at least 25% of the leveraged accounts were liquidated (a system-wide cascade), else 0. */
function systemic(r: RunRecords): number {
  const accounts = new Set(r.liquidations.filter((l) => l.quantity > 0).map((l) => l.account));
  return r.leveragedAccounts > 0 && accounts.size / r.leveragedAccounts >= 0.25 ? 1 : 0;
}

export default defineExperiment({
  name: "leverage-crowding",
  description: "Phase diagram: cascade size against leverage and portfolio crowding (7% BTC shock)",
  seed: 20260314,
  market,
  fundamentals,
  // The sweep sets the leveraged crowd's leverage and crowding (by its label, "leveraged": population 4).
  populations: [...background(), leveragedCrowd({ leverage: 12 })],
  shocks: [{ kind: "fundamentalDrop", instrument: "BTC", atTick: 400, fraction: 0.07 }],
  liquidation: presets.fullClose(),
  sweep: {
    "populations.leveraged.leverage": [8, 11, 13, 14, 15, 16, 17, 18, 19],
    "populations.leveraged.crowding": [0, 0.25, 0.5, 0.75, 1],
  },
  // comparison.csv: each crowding against crowding 0 at the same leverage (not against 8x)
  sweepReference: "populations.leveraged.crowding",
  replications: 24,
  ticks: 800,
  sampleEvery: 20,
  recoveryThreshold: 0.03,
  metrics: {
    builtIn: [
      "peak_drawdown",
      "liquidated_notional",
      "liquidations",
      "accounts_liquidated",
      "accounts_liquidated_share",
      "max_cascade_depth",
      "max_cascade_duration",
      "bad_debt",
      "mean_slippage",
      "recovery_time",
      // recovery_time is blank where a price never recovers: compare these two first
      "recovered",
      "recovery_time_capped",
      // the band warning reads it: a pinned price would make a cascade look small
      "ticks_at_price_band",
    ],
    custom: { systemic },
  },
});
