/**
 * Statistics for summaries and paired policy comparisons.
 *
 * - Summary of a metric over replications: n, mean, sample sd, a 95% Student-t interval for the
 *   mean (mean +- t_{0.975, n-1} sd / sqrt(n); for 0/1 outcomes such as `recovered`, Wilson's score
 *   interval of the rate), median, 5th and 95th percentiles (simple-statistics quantileSorted:
 *   linear interpolation, R type 7).
 * - Paired comparison of a variant with the baseline on common random numbers: d_r = x_variant,r -
 *   x_baseline,r over replications r where both are present; mean_diff, the 95% t interval of the
 *   mean difference, the two-sided p-value of the paired t-test (t = mean / (sd / sqrt(n)), n-1
 *   degrees of freedom) and Cohen's d_z = mean / sd. When every difference is the same (to 10
 *   significant digits) the t-test is undefined: the interval is [mean, mean], d_z blank and p the
 *   exact two-sided sign test (2 x 0.5^n; 1 when the differences are 0). Beside it, the Wilcoxon
 *   signed-rank p (signedRankP), which does not assume normal differences. For 0/1 outcomes the
 *   interval is Newcombe's for a difference of paired proportions (pairedProportionInterval).
 * - Beside each t interval, a BCa bootstrap interval of the same mean (bootstrapInterval; Efron
 *   1987): it follows the skew of metrics such as bad debt or cascade depth, where the t interval
 *   covers the mean less often than it says.
 *
 * The Student-t CDF is computed here from the regularized incomplete beta function (continued
 * fraction, Lentz's method; log-gamma by Lanczos), and its quantile by bisection on the CDF, so the
 * numbers are the same on every machine.
 */
import { Rng } from "@cascade/core";
import { mean, medianSorted, quantileSorted, sampleStandardDeviation } from "simple-statistics";
import { roundMetric } from "./format.js";

const CONFIDENCE = 0.95;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/**
 * Regularized incomplete beta function I_x(a, b). `y`: 1 - x, when the caller has it more precisely
 * than 1 - x (for the t distribution, t^2 / (df + t^2): 1 - df / (df + t^2) loses its digits for
 * small t, which gave p 1 for t = 5e-8 at 39 df, where it is 0.99999996).
 */
function incompleteBeta(x: number, a: number, b: number, y = 1 - x): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const lbt = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(y);
  const bt = Math.exp(lbt);
  if (x < (a + 1) / (a + b + 2)) return (bt * betaContinuedFraction(x, a, b)) / a;
  return 1 - (bt * betaContinuedFraction(y, b, a)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  if (Number.isNaN(t)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5, (t * t) / (df + t * t));
  return t > 0 ? 1 - tail : tail;
}

/** Two-sided p-value of a t statistic. */
export function tTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? Number.NaN : 0;
  return Math.min(1, incompleteBeta(df / (df + t * t), df / 2, 0.5, (t * t) / (df + t * t)));
}

/** The p-quantile of Student's t (bisection on the CDF; deterministic). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1))
    return p === 0 ? Number.NEGATIVE_INFINITY : p === 1 ? Number.POSITIVE_INFINITY : Number.NaN;
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e12) return hi;
  }
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** t quantiles at 0.5 + CONFIDENCE / 2 by degrees of freedom: each one's bisection is ~45 us. */
const criticalT = new Map<number, number>();

/** tQuantile(0.5 + CONFIDENCE / 2, df), bisected once per df. */
function tCritical(df: number): number {
  let t = criticalT.get(df);
  if (t === undefined) {
    t = tQuantile(0.5 + CONFIDENCE / 2, df);
    criticalT.set(df, t);
  }
  return t;
}

export interface Summary {
  n: number;
  mean: number | null;
  sd: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  median: number | null;
  p05: number | null;
  p95: number | null;
  /** BCa bootstrap interval of the mean (bootstrapInterval). */
  bootLow: number | null;
  bootHigh: number | null;
}

/**
 * Wilson score interval of a proportion (successes of n) at CONFIDENCE: inside [0, 1], and not
 * [1, 1] when every run succeeded, unlike a t interval of 0/1 values.
 */
export function wilsonInterval(successes: number, n: number): [number, number] {
  const z = normalCritical();
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))) / (1 + z2n);
  // centre - half is 0 for no successes and centre + half 1 for all, but for float noise
  return [successes === 0 ? 0 : Math.max(0, centre - half), successes === n ? 1 : Math.min(1, centre + half)];
}

/**
 * Interval of the difference of two paired proportions, p1 - p2 = (b - c) / n, from the paired 2x2
 * counts a (both 1), b (first 1, second 0), c (first 0, second 1), d (both 0): Newcombe's
 * square-and-add method 10 (Newcombe 1998, Stat. Med. 17:2635-2650; the worked form in Altman et
 * al. 2000, "Statistics with confidence", ch. 6): the Wilson intervals of p1 and p2 combined with
 * the correlation phi of the pairs (0 for ad - bc in [0, n/2], n/2 taken off above). Inside
 * [-1, 1], and not [0, 0] when every pair agrees, unlike a t interval of 0/1 differences.
 */
export function pairedProportionInterval(a: number, b: number, c: number, d: number): [number, number] {
  const n = a + b + c + d;
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const [l1, u1] = wilsonInterval(a + b, n);
  const [l2, u2] = wilsonInterval(a + c, n);
  let phi = 0;
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  if (margins > 0) {
    const cross = a * d - b * c;
    if (cross > n / 2) phi = (cross - n / 2) / Math.sqrt(margins);
    else if (cross < 0) phi = cross / Math.sqrt(margins);
  }
  const diff = p1 - p2;
  const below = Math.sqrt(Math.max(0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2));
  const above = Math.sqrt(Math.max(0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2));
  return [Math.max(-1, diff - below), Math.min(1, diff + above)];
}

/** The standard normal quantile for p in (0, 1), both halves (normalQuantile covers p >= 0.5). */
function probit(p: number): number {
  return p >= 0.5 ? normalQuantile(p) : -normalQuantile(1 - p);
}

let zCritical: number | undefined;

/** normalQuantile(0.5 + CONFIDENCE / 2), bisected once. */
function normalCritical(): number {
  zCritical ??= normalQuantile(0.5 + CONFIDENCE / 2);
  return zCritical;
}

/** The standard normal quantile for p >= 0.5 (bisection on normalCdf, deterministic). */
function normalQuantile(p: number): number {
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(Z <= z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return z >= 0 ? 1 - 0.5 * erfc(z / Math.SQRT2) : 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * The complementary error function for x >= 0: 1 - erf by its Taylor series below 2 (the terms
 * then stay under e^4, so little cancels), a continued fraction (Lentz) from 2, which keeps the
 * relative precision of tail probabilities down to 1e-300.
 */
function erfc(x: number): number {
  if (x < 2) {
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= (-x * x) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2) / sqrt(pi) * 1 / (x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + ...)))))
  const TINY = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = x + a / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/**
 * Two-sided p of the Wilcoxon signed-rank test of paired differences, with scipy.stats.wilcoxon's
 * defaults (zero_method "wilcox": zero differences dropped; tied |d| given their mean rank; the
 * normal approximation with the tie correction and no continuity correction), except that up to 50
 * non-zero differences it is always the exact distribution of W+ over all 2^n sign flips (ties
 * included). scipy 1.17's method "auto" gives the same p without ties or zeros up to 50
 * differences and, with them, up to 13 (its permutation test over all sign flips); from 14
 * differences with a tie or a zero, or above 50 counting the zeros, it approximates. `zero[i]`:
 * treat d[i] as 0 (float noise). null without a non-zero difference. It does not assume normal
 * differences: on skewed metrics (drawdowns, bad debt) it keeps power the t-test loses.
 */
export function signedRankP(
  d: readonly number[],
  zero: (i: number) => boolean = (i) => d[i] === 0,
): number | null {
  // |d| to the 10 significant digits metrics are stored with, so float noise does not break ties
  const items: Array<[number, boolean]> = [];
  for (let i = 0; i < d.length; i++)
    if (!zero(i)) items.push([roundMetric(Math.abs(d[i])) as number, d[i] > 0]);
  const n = items.length;
  if (n === 0) return null;
  items.sort((x, y) => x[0] - y[0]);
  // doubled mid-ranks are integers: rank2 = first + last positions (1-based) of the tie group
  const rank2 = new Array<number>(n);
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && items[j + 1][0] === items[i][0]) j++;
    for (let k = i; k <= j; k++) rank2[k] = i + 1 + (j + 1);
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  let plus2 = 0;
  for (let k = 0; k < n; k++) if (items[k][1]) plus2 += rank2[k];
  const mu2 = (n * (n + 1)) / 2; // mean of 2 W+
  if (n > 50) {
    const se = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
    if (!(se > 0)) return 1;
    const z = (plus2 / 2 - mu2 / 2) / se;
    return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
  }
  // counts of sign assignments by 2 W+ (at most 2^50: exact in doubles)
  const max2 = n * (n + 1);
  // Two buffers in turn (a fresh one per difference was n arrays of n(n + 1) + 1 doubles a call).
  let dist = new Float64Array(max2 + 1);
  let next = new Float64Array(max2 + 1);
  dist[0] = 1;
  let top = 0;
  for (let k = 0; k < n; k++) {
    next.fill(0, 0, top + rank2[k] + 1);
    for (let s2 = 0; s2 <= top; s2++) {
      const c = dist[s2];
      if (c === 0) continue;
      next[s2] += c;
      next[s2 + rank2[k]] += c;
    }
    top += rank2[k];
    const done = dist;
    dist = next;
    next = done;
  }
  const far = Math.abs(plus2 - mu2);
  let tail = 0;
  for (let s2 = 0; s2 <= top; s2++) if (Math.abs(s2 - mu2) >= far) tail += dist[s2];
  return Math.min(1, tail / 2 ** n);
}

/** Resamples per bootstrap interval. */
export const BOOTSTRAP_RESAMPLES = 4000;
/** Fewer values than this: no bootstrap interval (blank); their resamples take a handful of values. */
export const BOOTSTRAP_MIN_N = 5;

/**
 * BCa bootstrap interval at CONFIDENCE of the mean of xs (Efron 1987; as scipy.stats.bootstrap's
 * method "BCa"): `resamples` means of n values drawn with replacement; bias correction
 * z0 = probit(share of resampled means below the mean, ties counted half); acceleration a from
 * the jackknife means (a = sum(d^3) / (6 sum(d^2)^1.5), d = mean of the jackknife means - each
 * one); the interval is the resampled means' quantiles (linear interpolation) at
 * Phi(z0 + (z0 + z) / (1 - a (z0 + z))) for z = probit(0.025) and probit(0.975).
 *
 * The resampling stream is seeded from the values themselves (their bits, in order), so the
 * interval is a function of the data alone: the same on every machine, worker count or merge.
 * Null with fewer than BOOTSTRAP_MIN_N values, or when every resampled mean falls on one side of
 * the mean (z0 infinite), or when sums of the values pass the largest double (no finite interval:
 * its levels or endpoints would be NaN or infinite); [x, x] when all values equal x.
 */
export function bootstrapInterval(
  xs: readonly number[],
  resamples = BOOTSTRAP_RESAMPLES,
): [number, number] | null {
  const n = xs.length;
  if (n < BOOTSTRAP_MIN_N) return null;
  let sum = 0;
  let lo = xs[0];
  let hi = xs[0];
  for (const x of xs) {
    sum += x;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (lo === hi) return [lo, lo];
  if (!Number.isFinite(sum)) return null;
  const theta = sum / n;
  const means = new Float64Array(resamples);
  Rng.fromSeed(valuesSeed(xs)).resampleMeans(Float64Array.from(xs), means);
  // Resampled means below the mean, ties counted half (discrete metrics, e.g. bad debt mostly 0,
  // resample back to the mean itself often: 2% of the time in one test sample).
  let below = 0;
  // A NaN (sums past the largest double) or -0 mean: sorted as TypedArray sort orders them.
  let unordered = false;
  for (let b = 0; b < resamples; b++) {
    const m = means[b];
    if (m < theta) below += 2;
    else if (m === theta) below++;
    if (Number.isNaN(m) || Object.is(m, -0)) unordered = true;
  }
  if (below === 0 || below === 2 * resamples) return null;
  if (unordered) means.sort();
  const z0 = probit(below / (2 * resamples));
  // Jackknife means (sum - x_i) / (n - 1), and the acceleration from their spread and skew.
  let jbar = 0;
  for (const x of xs) jbar += (sum - x) / (n - 1);
  jbar /= n;
  let d2 = 0;
  let d3 = 0;
  for (const x of xs) {
    const d = jbar - (sum - x) / (n - 1);
    d2 += d * d;
    d3 += d * d * d;
  }
  const a = d2 === 0 ? 0 : d3 / (6 * d2 ** 1.5);
  const level = (z: number) => normalCdf(z0 + (z0 + z) / (1 - a * (z0 + z)));
  const z = normalCritical();
  const pLow = level(-z);
  const pHigh = level(z);
  // the jackknife's squares and cubes of values near the largest double overflow
  if (Number.isNaN(pLow) || Number.isNaN(pHigh)) return null;
  if (!unordered) {
    // The four order statistics the two quantiles read, found in place of a full sort: the higher
    // one over all the means, the lower among those below it; each one's successor is the least
    // value after it.
    const i = orderIndex(resamples, pLow);
    const j = orderIndex(resamples, pHigh);
    const k1 = i < j ? i : j;
    const k2 = i < j ? j : i;
    selectInPlace(means, k2, 0, resamples);
    moveLeastTo(means, k2 + 1, resamples);
    if (k1 < k2) {
      selectInPlace(means, k1, 0, k2);
      moveLeastTo(means, k1 + 1, k2);
    }
  }
  const low = sortedQuantile(means, pLow);
  const high = sortedQuantile(means, pHigh);
  // a resample's sum can overflow where the values' own did not
  return Number.isFinite(low) && Number.isFinite(high) ? [low, high] : null;
}

/** The lower order statistic sortedQuantile reads for p (the one above it is the next). */
function orderIndex(length: number, p: number): number {
  return Math.floor((length - 1) * Math.min(1, Math.max(0, p)));
}

/**
 * Linear interpolation between order statistics (R type 7, numpy's default percentile). `sorted`
 * need only hold the order statistics at orderIndex(length, p) and the one after it in place.
 */
function sortedQuantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * Math.min(1, Math.max(0, p));
  const k = Math.floor(h);
  return k + 1 < sorted.length ? sorted[k] + (h - k) * (sorted[k + 1] - sorted[k]) : sorted[k];
}

/**
 * Quickselect (Hoare partition, median-of-three pivot): puts the (k - from)-th smallest of
 * a[from..to) at a[k], with nothing larger before it and nothing smaller after it (in that range).
 * No NaN.
 */
function selectInPlace(a: Float64Array, k: number, from: number, to: number): void {
  let lo = from;
  let hi = to - 1;
  while (hi > lo) {
    const x = a[lo];
    const y = a[(lo + hi) >>> 1];
    const w = a[hi];
    const pivot = x < y ? (y < w ? y : x < w ? w : x) : x < w ? x : y < w ? w : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // a[lo..j] <= pivot <= a[i..hi], and anything between j and i equals the pivot
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** Swaps the least of a[from..to) into a[from] (nothing when the range is empty). No NaN. */
function moveLeastTo(a: Float64Array, from: number, to: number): void {
  if (from >= to) return;
  let at = from;
  for (let i = from + 1; i < to; i++) if (a[i] < a[at]) at = i;
  const t = a[from];
  a[from] = a[at];
  a[at] = t;
}

/** An interval of the values (bootstrapInterval, or one that remembers: rememberedIntervals). */
export type IntervalOf = (xs: readonly number[]) => [number, number] | null;

/** Bytes of values rememberedIntervals keeps by default (64 MiB). */
const REMEMBERED_BYTES = 64 * 1024 * 1024;

/**
 * bootstrapInterval at its default resamples, computed once per distinct list of values (the same
 * bits in the same order) and remembered: one statistics step meets the same values again where a
 * sweep parameter does not reach a variant (the same runs at every point) and where two metrics
 * measure the same thing in a study (peak_drawdown and peak_drawdown_BTC with one asset). Keeps a
 * copy of each list of values it has seen, up to `maxBytes` of them (at thousands of replications
 * the copies would add up to the size of all the runs' values again); lists past that are computed
 * each time they come, with the same result.
 */
export function rememberedIntervals(maxBytes = REMEMBERED_BYTES): IntervalOf {
  const seen = new Map<number, Array<{ xs: Float64Array; interval: [number, number] | null }>>();
  let kept = 0;
  return (xs) => {
    if (xs.length < BOOTSTRAP_MIN_N) return null;
    const key = valuesSeed(xs);
    const same = seen.get(key);
    if (same !== undefined) for (const e of same) if (sameBits(e.xs, xs)) return e.interval;
    const interval = bootstrapInterval(xs);
    if (kept + 8 * xs.length <= maxBytes) {
      kept += 8 * xs.length;
      const e = { xs: Float64Array.from(xs), interval };
      if (same === undefined) seen.set(key, [e]);
      else same.push(e);
    }
    return interval;
  };
}

/** The same doubles, bit for bit (0 and -0 differ, as in the seed). */
function sameBits(a: Float64Array, b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** A seed from the values' bits (cyrb53-style mixing of their float64 words), a safe integer. */
function valuesSeed(xs: readonly number[]): number {
  const f = new Float64Array(xs);
  const w = new Uint32Array(f.buffer);
  let h1 = 0xdeadbeef ^ xs.length;
  let h2 = 0x41c6ce57 ^ xs.length;
  for (let i = 0; i < w.length; i++) {
    h1 = Math.imul(h1 ^ w[i], 2654435761);
    h2 = Math.imul(h2 ^ w[i], 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Whether a metric is a 0/1 outcome, whose intervals are Wilson's and Newcombe's (summarize,
 * pairedComparison): the built-in `recovered`, or a custom metric (`custom`) whose values over the
 * whole study (`values`; NaN and null are blank runs) are 0 in some runs, 1 in others and nothing
 * else, as a "did ADL fire". The other built-in metrics are counts and amounts, not rates, even in a
 * study where each run had 0 or 1 of them. One rule for the files and the report.
 */
export function isZeroOneOutcome(name: string, custom: boolean, values: Iterable<number | null>): boolean {
  if (name === "recovered") return true;
  if (!custom) return false;
  let zeros = 0;
  let ones = 0;
  for (const x of values) {
    if (x === 0) zeros++;
    else if (x === 1) ones++;
    else if (x !== null && !Number.isNaN(x)) return false;
  }
  return zeros > 0 && ones > 0;
}

/**
 * Summary of the non-null values. `proportion`: the values are 0/1 outcomes (the built-in
 * `recovered`), so the interval is Wilson's score interval of their rate instead of a t interval.
 * `interval`: the bootstrap interval's function (bootstrapInterval, or rememberedIntervals()).
 */
export function summarize(
  values: ReadonlyArray<number | null>,
  proportion = false,
  interval: IntervalOf = bootstrapInterval,
): Summary {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = xs.length;
  if (n === 0)
    return {
      n,
      mean: null,
      sd: null,
      ciLow: null,
      ciHigh: null,
      median: null,
      p05: null,
      p95: null,
      bootLow: null,
      bootHigh: null,
    };
  const sorted = [...xs].sort((a, b) => a - b);
  // Equal values: sd exactly 0 (summing them left float noise, e.g. sd 1.7e-17 for three 0.1s).
  const constant = sorted[0] === sorted[n - 1];
  const m = constant ? sorted[0] : mean(xs);
  let sd: number | null = null;
  let ciLow: number | null = null;
  let ciHigh: number | null = null;
  if (proportion && xs.every((x) => x === 0 || x === 1)) {
    if (n >= 2) sd = constant ? 0 : sampleStandardDeviation(xs);
    [ciLow, ciHigh] = wilsonInterval(m * n, n);
  } else if (n >= 2 && constant) {
    sd = 0;
    ciLow = m;
    ciHigh = m;
  } else if (n >= 2) {
    sd = sampleStandardDeviation(xs);
    const half = (tCritical(n - 1) * sd) / Math.sqrt(n);
    ciLow = m - half;
    ciHigh = m + half;
  }
  return {
    n,
    mean: m,
    sd,
    ciLow,
    ciHigh,
    median: medianSorted(sorted),
    p05: quantileSorted(sorted, 0.05),
    p95: quantileSorted(sorted, 0.95),
    ...bootColumns(interval(xs)),
  };
}

export interface PairedComparison {
  nPairs: number;
  meanDiff: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  pValue: number | null;
  effectSize: number | null;
  /** Wilcoxon signed-rank p (signedRankP): null with fewer than 2 pairs or no non-zero difference. */
  pWilcoxon: number | null;
  /** BCa bootstrap interval of the mean difference (bootstrapInterval). */
  bootLow: number | null;
  bootHigh: number | null;
}

/**
 * Paired t-test of variant - baseline over the indices where both values are present.
 * `proportion`: the values are 0/1 outcomes, so the interval is Newcombe's for a difference of
 * paired proportions (pairedProportionInterval) instead of a t interval; the tests are the same.
 * `interval`: the bootstrap interval's function, as in summarize.
 */
export function pairedComparison(
  variant: ReadonlyArray<number | null>,
  baseline: ReadonlyArray<number | null>,
  proportion = false,
  interval: IntervalOf = bootstrapInterval,
): PairedComparison {
  const c = pairedTests(variant, baseline, interval);
  if (!proportion || c.nPairs === 0) return c;
  const cells = [0, 0, 0, 0]; // a (1, 1), b (1, 0), c (0, 1), d (0, 0)
  const n0 = Math.min(variant.length, baseline.length);
  for (let i = 0; i < n0; i++) {
    const x = variant[i];
    const y = baseline[i];
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    if ((x !== 0 && x !== 1) || (y !== 0 && y !== 1)) return c;
    cells[x === 1 ? (y === 1 ? 0 : 1) : y === 1 ? 2 : 3]++;
  }
  const [ciLow, ciHigh] = pairedProportionInterval(cells[0], cells[1], cells[2], cells[3]);
  return { ...c, ciLow, ciHigh };
}

function pairedTests(
  variant: ReadonlyArray<number | null>,
  baseline: ReadonlyArray<number | null>,
  interval: IntervalOf,
): PairedComparison {
  const d: number[] = [];
  // Per pair, the float noise a subtraction of stored values can leave: far below the 10th
  // significant digit the values are stored with, far above the last bit. Integers below 1e15 are
  // stored in full (roundMetric) and subtract exactly: no noise, so 1e12 + 3 and 1e12 + 1 differ.
  const noise: number[] = [];
  const n0 = Math.min(variant.length, baseline.length);
  for (let i = 0; i < n0; i++) {
    const a = variant[i];
    const b = baseline[i];
    if (a !== null && b !== null && Number.isFinite(a) && Number.isFinite(b)) {
      d.push(a - b);
      const big = Math.max(Math.abs(a), Math.abs(b));
      noise.push(Number.isInteger(a) && Number.isInteger(b) && big < 1e15 ? 0 : 1e-12 * big);
    }
  }
  const n = d.length;
  const none = {
    ciLow: null,
    ciHigh: null,
    pValue: null,
    effectSize: null,
    pWilcoxon: null,
    bootLow: null,
    bootHigh: null,
  };
  if (n === 0) return { nPairs: 0, meanDiff: null, ...none };
  const m = mean(d);
  if (n < 2) return { nPairs: n, meanDiff: m, ...none };
  const pWilcoxon = signedRankP(d, (i) => Math.abs(d[i]) <= noise[i]);
  // Every difference the same up to that noise (0.2 - 0.1 and 0.3 - 0.2 differ in the last bit,
  // which gave sd 1e-17, p 1e-32): the t statistic is undefined. p is then the exact two-sided sign
  // test, 2 x 0.5^n for n differences of one sign (0.5 for 2 pairs, where t gave 0), at least the
  // smallest double (it underflows to 0 from n = 1076).
  if (d.every((x, i) => Math.abs(x - d[0]) <= noise[i] + noise[0])) {
    const zero = Math.abs(d[0]) <= noise[0];
    const c = zero ? 0 : m;
    return {
      nPairs: n,
      meanDiff: c,
      ciLow: c,
      ciHigh: c,
      pValue: zero ? 1 : Math.max(2 ** (1 - n), Number.MIN_VALUE),
      effectSize: null,
      pWilcoxon,
      bootLow: n >= BOOTSTRAP_MIN_N ? c : null,
      bootHigh: n >= BOOTSTRAP_MIN_N ? c : null,
    };
  }
  const sd = sampleStandardDeviation(d);
  const se = sd / Math.sqrt(n);
  const half = tCritical(n - 1) * se;
  return {
    nPairs: n,
    meanDiff: m,
    ciLow: m - half,
    ciHigh: m + half,
    pValue: tTwoSidedP(m / se, n - 1),
    effectSize: m / sd,
    pWilcoxon,
    ...bootColumns(interval(d)),
  };
}

const bootColumns = (b: [number, number] | null) => ({
  bootLow: b === null ? null : b[0],
  bootHigh: b === null ? null : b[1],
});

/**
 * Holm's step-down adjustment (Holm 1979) of a family of p-values; null stays null and is not
 * counted. With m p-values sorted p_(1) <= ... <= p_(m), adjusted p_(i) = max over j <= i of
 * min(1, (m - j + 1) p_(j)): reject where the adjusted p is below alpha and the chance of any false
 * rejection in the family stays at most alpha, whatever the dependence between the tests (here they
 * share the baseline's runs). Ties keep their input order, which does not change the result.
 */
export function holmAdjust(ps: ReadonlyArray<number | null>): Array<number | null> {
  const at = ps
    .flatMap((p, i) => (p === null ? [] : [i]))
    .sort((a, b) => (ps[a] as number) - (ps[b] as number));
  const m = at.length;
  const out: Array<number | null> = ps.map(() => null);
  let running = 0;
  for (let j = 0; j < m; j++) {
    running = Math.max(running, Math.min(1, (m - j) * (ps[at[j]] as number)));
    out[at[j]] = running;
  }
  return out;
}
