/**
 * Execution styles: how a liquidation is executed
 * ===============================================
 *
 * Question: with the same trigger (equity < maintenance), the same amount (the whole portfolio)
 * and the same 1% penalty, how much does the WAY positions are unloaded matter for bad debt,
 * slippage, drawdown and the spread of the cascade? (Two variants differ by construction: adlOnly
 * acts only on bankrupt accounts and charges no penalty; backstopVault charges none either, as
 * the vault takes the account's whole remaining margin instead.)
 *
 * Market: the calibrated market of partial-vs-full.ts (three instruments, 20x max leverage with
 * 3% maintenance, market makers that withdraw on a 2% move, a deep but sparse noise book,
 * fundamentalists, 100 cross-margin leveraged traders at 10x-19.5x entering once), plus 4
 * capital-limited liquidators (keepers: ~450,000 each, at most 3x, who take Dutch auctions at a
 * 2-6% discount to the oracle, buy on the book after a 10% crash and offer their inventory back
 * at the oracle price). The keepers are there under every variant, so the market is the same.
 * Shock: BTC's fundamental drops 10% at tick 400 (mean-reverting afterwards); runs end at 1000.
 *
 * Variants (same seeds, paired against marketSweep):
 * - marketSweep: reduce-only market orders for the whole portfolio, 5% slippage bound (classic
 *   exchange liquidation; REFERENCES.md "Centralised exchanges").
 * - sliced: the same amount split into 10 equal slices over 10 ticks, each bounded at 5% (a
 *   uniform Almgren & Chriss (2000) schedule: trading impact against time risk).
 * - dutchAuction: MakerDAO Liquidations 2.0 (Clipper): each position goes to a Dutch auction
 *   starting 20% above the mark and decaying 1% per tick (compounding) for 100 ticks, never below
 *   half the mark (the preset's floor, reached after ~88 ticks); keepers take partial lots; the
 *   unsold remainder falls back to a market sweep without a slippage bound (Maker's chop of 13%
 *   replaced by the common 1% here, so only the execution differs).
 * - backstopVault: Hyperliquid's liquidator vault / Compound v3 `absorb`: the vault takes the whole
 *   portfolio off-book at the bankruptcy price (the account's remaining margin becomes the vault's
 *   buffer: below 3% of its notional at the trigger, taken instead of a penalty and recorded as
 *   the step's `penalty` in liquidations.csv; the engine charges no penalty rate on a takeover at
 *   the bankruptcy price, so the common 1% is refused there: it would change nothing); nothing is
 *   sold on the book. The vault keeps the positions (it does not unwind
 *   them within the run), so its market risk is not in these metrics.
 * - adlOnly: auto-deleveraging as the only mechanism (Hyperliquid and Binance use it as the last
 *   resort): nothing is sold while equity is positive; once an account is bankrupt its positions
 *   are closed against the opposing accounts with the highest unrealized PnL x leverage at the
 *   mark, and its deficit is charged to them. A custom trigger (equity < 0) makes ADL the only path;
 *   there is no penalty (the account has nothing left to pay it from). What ADL cannot place (not
 *   enough opposing profit in an instrument) is swept on the book with the 5% bound, the execution
 *   `cascade validate` prints for it (rare here: `book_share` counts it).
 *
 * What to look at (summary.csv, comparison.csv vs marketSweep): bad_debt (total deficit;
 * insurance_draw, adl_covered and unrecovered_debt say who paid it, adl_volume what ADL closed),
 * mean_slippage and worst_slippage (execution price vs mark; book_mean_slippage for the book sales
 * alone), peak_drawdown_BTC/_ETH/_SOL, accounts_liquidated and max_cascade_depth (how far the
 * cascade spread), and the custom `book_share` (share of the liquidated notional executed on the
 * order books). Typical result: sweeps and slices spread the cascade the furthest (slicing
 * slows the selling but sells more, +20% notional, p ~ 0.001, and deepens the BTC drawdown by a
 * point, p ~ 0.01: it leaves exposure while prices fall); off-book mechanisms (auction, vault,
 * ADL) stop the generations, the auction and the vault with ~40% fewer accounts liquidated;
 * the Dutch auction leaves by far the most bad debt (keepers wait for their
 * discount while the position is still exposed, cf. Black Thursday, REFERENCES.md; 94% of it
 * unrecovered_debt: the fund's 1% fees cover little of it); the vault
 * leaves none (it takes the margin) and ADL liquidates almost nobody but hands deficits to
 * profitable traders.
 * 150 runs (run times: experiments/README.md).
 */
import { liquidators } from "@cascade/agents";
import { defineExperiment, type RunRecords } from "@cascade/experiment";
import { type PolicySpec, presets } from "@cascade/liquidation";
import { background, fundamentals, leveragedCrowd, market } from "./lib/three-assets.js";

/**
 * The penalty of the sweep, the slices and the auction (1% of the closed notional to the insurance
 * fund); trigger and amount are the same in every variant but adlOnly: only the execution differs.
 */
const common = { penaltyRate: 0.01 };

/** Share of the liquidated notional executed on the order books (sweeps, slices, auction fallbacks). */
function bookShare(r: RunRecords): number | null {
  let book = 0;
  let all = 0;
  for (const l of r.liquidations) {
    if (l.quantity <= 0) continue;
    all += l.notional;
    if (l.execution === "marketSweep" || l.execution === "sliced") book += l.notional;
  }
  return all === 0 ? null : book / all;
}

/** ADL only: nothing is sold on the book; an account is closed out when its equity turns negative. */
const adlOnly: PolicySpec = presets.fullClose({
  name: "adlOnly",
  trigger: { kind: "custom", test: (venue, account) => venue.equity(account) < 0 },
  penaltyRate: 0,
  insuranceFund: 0,
  whenFundEmpty: "adl",
});

export default defineExperiment({
  name: "execution-styles",
  description: "Market sweep vs sliced vs Dutch auction vs backstop vault vs ADL after a 10% BTC shock",
  seed: 20260315,
  market,
  fundamentals,
  populations: [
    ...background(),
    leveragedCrowd(),
    liquidators({
      count: 4,
      capital: { dist: "lognormal", mu: 13, sigma: 0.3, min: 2e5, max: 2e6 },
      discount: { dist: "uniform", min: 0.02, max: 0.06 },
      maxLeverage: 3,
    }),
  ],
  shocks: [{ kind: "fundamentalDrop", instrument: "BTC", atTick: 400, fraction: 0.1 }],
  liquidation: presets.fullClose(common),
  variants: {
    marketSweep: presets.fullClose({ ...common, name: "marketSweep" }),
    sliced: presets.fullClose({
      ...common,
      name: "sliced",
      execution: { kind: "sliced", slices: 10, maxSlippage: 0.05 },
    }),
    dutchAuction: presets.dutchAuction(common),
    // no penalty (the preset's): at the bankruptcy price the vault takes the margin instead
    backstopVault: presets.backstopVault(),
    adlOnly,
  },
  baseline: "marketSweep",
  replications: 30,
  ticks: 1000,
  sampleEvery: 5,
  recoveryThreshold: 0.03,
  metrics: { custom: { book_share: bookShare } },
});
