/**
 * Cross-margin model (pure helpers; the venue applies them to its ledger).
 *
 * equity      = cash + sum_i q_i * mark_i * cv_i
 * maintenance = sum_i mm_i(n_i), n_i = |q_i| * mark_i * cv_i      (initial likewise with im)
 * mm(n)       = n * mmr_k - amount_k for the size tier k of n (Binance's maintenance amount; without
 *               tiers n * mmr): continuous, piecewise linear and convex in n (instrument.ts).
 * liquidatable: has a position and equity < maintenance; bankrupt: equity < 0.
 *
 * Lending view of the same numbers (long collateral, negative cash = debt, mmr_i = 1 - LT_i):
 * healthFactor = (sum_long q m cv (1 - mmr) + max(cash, 0)) / (max(-cash, 0) + sum_short |q| m cv (1 + mmr)),
 * and healthFactor < 1 exactly when equity < maintenance (numerator - denominator = equity - maintenance).
 */
export type AccountId = number;

/**
 * The health factor from its numerator and denominator (above): Infinity when nothing is owed;
 * float rounding at 1 is resolved in favour of the equity/maintenance comparison (`under`: equity
 * < maintenance), so that it is < 1 exactly when the account is under maintenance.
 */
export function healthFactorFrom(num: number, den: number, under: boolean): number {
  if (den === 0) return Number.POSITIVE_INFINITY;
  const hf = num / den;
  if (under && hf >= 1) return 1 - Number.EPSILON;
  if (!under && hf < 1) return 1;
  return hf;
}

/**
 * Uniform adverse move (fraction of every held mark: longs x (1 - f), shorts x (1 + f)) at which
 * equity falls to maintenance, with maintenance linear in the move:
 * equity(f) = E - f * G, maintenance(f) = ML * (1 - f) + MS * (1 + f)
 * (G gross notional, ML / MS maintenance of the long / short legs). With size tiers the caller
 * passes ML / MS that bound the legs' maintenance from above over the move (Venue.distanceToLiquidation).
 * 0 when already at or under maintenance; Infinity when no move can get there (no positions, or
 * long-only and the crossing needs prices at or below zero).
 * Because equity - maintenance is monotone in each mark, no account whose every mark moved
 * adversely by less than this fraction (and whose cash did not change) can have become liquidatable.
 */
export function uniformDistance(
  equity: number,
  gross: number,
  maintLong: number,
  maintShort: number,
  hasShort: boolean,
): number {
  if (gross === 0) return Number.POSITIVE_INFINITY;
  const buffer = equity - maintLong - maintShort;
  if (!(buffer > 0)) return 0;
  const slope = gross - maintLong + maintShort;
  if (!(slope > 0)) return Number.POSITIVE_INFINITY;
  const f = buffer / slope;
  return !hasShort && f >= 1 ? Number.POSITIVE_INFINITY : f;
}
