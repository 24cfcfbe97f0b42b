/**
 * The multiplier of a volatility-linked margin (MarginVolatilitySpec, instrument.ts): Brunnermeier &
 * Pedersen (2009), "Market liquidity and funding liquidity": margins that rise with volatility turn a
 * price fall into forced selling, and the selling into more volatility (the margin spiral).
 *
 * At every marks phase the venue hands over the new mark; with W = windowTicks:
 *     r_n     = ln(mark_n / mark_{n-1})                      (mark_0: the instrument's initialPrice)
 *     sigma_n = sqrt((r_{n-W+1}^2 + ... + r_n^2) / W)          (oldest first)
 *     m       = min(maxMultiplier, max(1, sigma_n / reference))
 * set when n >= W and n is a multiple of everyTicks (n: the count of marks phases, tick n of a run),
 * and held in between. Until the first such review the multiplier is 1 (which may be after the
 * window fills: window 50, every 30 reviews first at tick 60).
 *
 * Why this shape: a fixed look-back window with a review period is how exchanges and CCPs set
 * margins (a VaR or SPAN scan over a look-back, reviewed on a schedule and changed with notice, as
 * CME does); an EWMA (RiskMetrics) reacts sooner but never forgets a shock. With a window the
 * shock's weight is exactly 1 / W for W ticks and then 0, which makes the margin's release after a
 * crash a documented tick, and the multiplier a hand computation from W marks. The floor at 1 (never
 * below the base rates) is an anti-procyclicality floor in the sense of EMIR's APC tools, and
 * maxMultiplier the cap a risk team can set on how far margins may rise in stress.
 */
import type { MarginVolatilitySpec } from "./instrument.js";

export class VolatilityMultiplier {
  /** The multiplier in force (1 until the first review). */
  multiplier = 1;
  /** The last W log-returns, a ring: returns[n % W] holds r_n (n counted from 0). */
  private readonly returns: Float64Array;
  private n = 0;
  private previous: number;

  constructor(
    private readonly spec: MarginVolatilitySpec,
    initialMark: number,
  ) {
    this.returns = new Float64Array(spec.windowTicks);
    this.previous = initialMark;
  }

  /** Records the mark of one marks phase; true when the review it triggers changed the multiplier. */
  onMark(mark: number): boolean {
    const w = this.spec.windowTicks;
    this.returns[this.n % w] = Math.log(mark / this.previous);
    this.previous = mark;
    this.n++;
    if (this.n < w || this.n % this.spec.everyTicks !== 0) return false;
    const m = Math.min(this.spec.maxMultiplier, Math.max(1, this.sigma() / this.spec.reference));
    if (m === this.multiplier) return false;
    this.multiplier = m;
    return true;
  }

  /** sqrt(mean of the squared log-returns of the window), summed oldest first (window full). */
  sigma(): number {
    const w = this.spec.windowTicks;
    let sum = 0;
    for (let k = 0; k < w; k++) {
      const r = this.returns[(this.n + k) % w];
      sum += r * r;
    }
    return Math.sqrt(sum / w);
  }
}
