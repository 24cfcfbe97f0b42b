/**
 * Stylized facts of returns (Cont 2001, "Empirical properties of asset returns: stylized facts
 * and statistical issues"), computed with simple-statistics from a sampled mid-price series:
 * heavy tails (excess kurtosis), absence of linear autocorrelation of returns, volatility
 * clustering (autocorrelation of |returns| positive and slowly decaying), and spread statistics.
 */
import {
  mean,
  quantile,
  sampleKurtosis,
  sampleSkewness,
  standardDeviation,
  sumSimple,
} from "simple-statistics";

export interface StylizedFacts {
  /** Number of log returns used (consecutive positive prices). */
  returns: number;
  meanReturn: number;
  sdReturn: number;
  skewness: number;
  /** Sample excess kurtosis of the returns (0 for a normal distribution). */
  excessKurtosis: number;
  lags: number[];
  /** Autocorrelation of returns at each lag of `lags`. */
  acfReturns: number[];
  /** Autocorrelation of absolute returns at each lag of `lags`. */
  acfAbsReturns: number[];
  /** Mean acf(|r|) over the first and last fifth of `lags` (clustering decays when first > last). */
  absAcfHead: number;
  absAcfTail: number;
  /** Present when `spreads` were given: statistics of the quoted spread (NaN samples dropped). */
  spread?: { mean: number; median: number; p95: number; max: number; missing: number };
}

/** Sample autocorrelation of `x` at `lag` (biased estimator, normalised by the lag-0 sum). */
function autocorrelation(x: readonly number[], lag: number, m = mean(x as number[])): number {
  let num = 0;
  let den = 0;
  for (let t = 0; t < x.length; t++) {
    const d = x[t] - m;
    den += d * d;
    if (t + lag < x.length) num += d * (x[t + lag] - m);
  }
  return den > 0 ? num / den : 0;
}

/**
 * Stylized facts of a price series (e.g. the mid sampled every k ticks). Returns are log
 * differences of consecutive positive prices. Default lags 1..50.
 */
export function stylizedFacts(
  series: readonly number[],
  options: { lags?: number[]; spreads?: readonly number[] } = {},
): StylizedFacts {
  const r: number[] = [];
  for (let t = 1; t < series.length; t++) {
    const a = series[t - 1];
    const b = series[t];
    if (a > 0 && b > 0 && Number.isFinite(a) && Number.isFinite(b)) r.push(Math.log(b / a));
  }
  const lags = options.lags ?? Array.from({ length: 50 }, (_, i) => i + 1);
  const ok = r.length >= 4;
  const abs = r.map(Math.abs);
  const mr = ok ? mean(r) : Number.NaN;
  const ma = ok ? mean(abs) : Number.NaN;
  const acfReturns = lags.map((l) => (ok ? autocorrelation(r, l, mr) : Number.NaN));
  const acfAbsReturns = lags.map((l) => (ok ? autocorrelation(abs, l, ma) : Number.NaN));
  const fifth = Math.max(1, Math.floor(lags.length / 5));
  const head = acfAbsReturns.slice(0, fifth);
  const tail = acfAbsReturns.slice(-fifth);
  const facts: StylizedFacts = {
    returns: r.length,
    meanReturn: mr,
    sdReturn: ok ? standardDeviation(r) : Number.NaN,
    skewness: ok && standardDeviation(r) > 0 ? sampleSkewness(r) : Number.NaN,
    excessKurtosis: ok && standardDeviation(r) > 0 ? sampleKurtosis(r) : Number.NaN,
    lags,
    acfReturns,
    acfAbsReturns,
    absAcfHead: sumSimple(head) / head.length,
    absAcfTail: sumSimple(tail) / tail.length,
  };
  if (options.spreads) {
    const s = options.spreads.filter((x) => Number.isFinite(x));
    facts.spread =
      s.length > 0
        ? {
            mean: mean(s),
            median: quantile(s, 0.5),
            p95: quantile(s, 0.95),
            max: s.reduce((a, b) => Math.max(b, a), -Infinity),
            missing: options.spreads.length - s.length,
          }
        : {
            mean: Number.NaN,
            median: Number.NaN,
            p95: Number.NaN,
            max: Number.NaN,
            missing: options.spreads.length,
          };
  }
  return facts;
}
