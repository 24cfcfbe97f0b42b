/**
 * Close factor x liquidation penalty
 * ==================================
 *
 * Question: how does cascade severity depend on how much of an under-margined portfolio is closed
 * per liquidation step (the close factor) and on the penalty charged on the closed notional?
 * A small close factor sells less per step (less price impact, fewer accounts pushed under) but
 * leaves an exposed remainder that may be liquidated again lower down; a penalty takes equity
 * from the liquidated account (pushing it further under: the "liquidation spiral" discussed for
 * Aave and Compound) but builds an insurance fund that absorbs deficits.
 *
 * Market: the calibrated market of partial-vs-full.ts (three instruments, 20x max leverage with
 * 3% maintenance, market makers that withdraw on a 2% move, a deep but sparse noise book,
 * fundamentalists, 100 cross-margin leveraged traders at 10x-19.5x entering once before the
 * shock), and the same shock: BTC's fundamental drops 10% at tick 400. Runs end at tick 900.
 *
 * Policy (one variant; the sweep sets its leaves):
 * trigger equity < maintenance; amount = close factor: `fraction` of EVERY position per step
 * (pro rata across the portfolio; an account already bankrupt is closed in full); market sweep
 * with a 5% slippage bound; the penalty, `rate` x closed notional, goes to the insurance fund,
 * which then covers bad debt before it is recorded as unrecovered. fraction = 1 is the classic
 * full close; fraction = 0.5 with rate 0.05 is the Aave v3 close factor and bonus (REFERENCES.md:
 * Aave v3 docs / V3 technical paper: 50% close factor, 5-10% liquidation bonus), here without
 * Aave's switch to 100% at HF <= 0.95 (no `fullBelowHealthFactor`; validate prints "none"), so the
 * close factor is the only amount rule. With the switch the study gives the same bytes: at 3%
 * maintenance a long-only account (the crowd) has HF 0.97 at zero equity, so HF <= 0.95 finds only
 * bankrupt accounts, which are closed in full anyway (Aave's 0.95 comes before bankruptcy because
 * its liquidation thresholds, 1 - maintenance here, are far below 0.97). Accounts in liquidation
 * may trade (`whileLiquidating` "free", the Aave preset's), which changes nothing here: the crowd
 * enters once, before the shock.
 * Sweep: liquidation.amount.fraction in {1, 0.75, 0.5, 0.25, 0.1} x liquidation.penalty.rate in
 * {0, 0.05, 0.1}: 15 points x 20 replications = 300 runs (run times: experiments/README.md).
 *
 * What to look at: summary.csv has one row per (point, metric); the `point` column indexes the
 * grid in row-major order (fraction slowest), and runs.csv carries the two swept values as
 * columns. comparison.csv pairs every point with point 0, the classic full close without a
 * penalty (same seeds at every point). Plot accounts_liquidated, liquidated_notional, max_cascade_depth, peak_drawdown_BTC,
 * bad_debt and insurance_draw against the close factor, one line per penalty rate; the custom
 * `steps_per_account` shows how many liquidation steps each liquidated account went through.
 * Typical result (paired against point 0): without a penalty, a smaller close factor sells less
 * and drags fewer accounts under. From fraction 1 to 0.1: liquidated notional ~4.6M -> ~2.4M
 * (p < 1e-4), accounts liquidated ~37 -> ~31 (p ~ 0.016, but p_holm ~ 0.2 over the sweep's 14
 * comparisons), BTC drawdown ~1 point lower (p ~ 0.08, p_holm ~ 0.3),
 * at ~7.6 steps per account instead of ~1.6; its bad debt is a little lower (~9k -> ~7k) and its
 * cascade depth no lower (5.2 -> 5.3 generations), both within the noise of 20 replications
 * (p 0.4-0.8). Any penalty (5% or 10%) erases that: liquidated notional ~5.1-6.7M and accounts
 * ~37-43 at every close factor (notional 0.55-2.1M above the full close without penalty,
 * p < 0.001 everywhere but fraction 0.1 at 5%, where the 0.55M is within the noise, p ~ 0.08,
 * but still more than twice what fraction 0.1 sells without a penalty), bad debt 3.4-8x higher
 * (mostly drawn
 * from the insurance fund the penalties built). Each step's
 * penalty takes the equity that would have absorbed the later steps' slippage (within a step it is
 * charged after the step's closes, capped at what equity is left); an account pushed into
 * bankruptcy is then closed in full whatever the close factor.
 */
import { defineExperiment, type RunRecords } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { background, fundamentals, leveragedCrowd, market } from "./lib/three-assets.js";

/** Liquidation steps (records with a traded quantity, counted once per account and tick) per liquidated account. */
function stepsPerAccount(r: RunRecords): number | null {
  const steps = new Set<string>();
  const accounts = new Set<string>();
  for (const l of r.liquidations) {
    if (l.quantity <= 0) continue;
    steps.add(`${l.account}@${l.tick}`);
    accounts.add(l.account);
  }
  return accounts.size === 0 ? null : steps.size / accounts.size;
}

export default defineExperiment({
  name: "close-factor-sweep",
  description: "Cascade severity against the close factor and the liquidation penalty (10% BTC shock)",
  seed: 20260313,
  market,
  fundamentals,
  populations: [...background(), leveragedCrowd()],
  shocks: [{ kind: "fundamentalDrop", instrument: "BTC", atTick: 400, fraction: 0.1 }],
  liquidation: presets.closeFactor({
    name: "closeFactorSweep",
    trigger: { kind: "maintenance" },
    // no fullBelowHealthFactor: Aave's 100% below HF 0.95 would only find bankrupt accounts here (above)
    amount: { kind: "closeFactor", fraction: 0.5 },
    ordering: "proRata",
    penalty: { rate: 0.05, to: "insuranceFund" },
  }),
  sweep: {
    // full close first: comparison.csv pairs every point with point 0 (fraction 1, no penalty)
    "liquidation.amount.fraction": [1, 0.75, 0.5, 0.25, 0.1],
    "liquidation.penalty.rate": [0, 0.05, 0.1],
  },
  replications: 20,
  ticks: 900,
  sampleEvery: 10,
  recoveryThreshold: 0.03,
  metrics: { custom: { steps_per_account: stepsPerAccount } },
});
