import { Rng } from "@cascade/core";
import {
  pairedComparison,
  summarize,
  tCdf,
  tQuantile,
  tTwoSidedP,
  wilsonInterval,
} from "@cascade/experiment";
import { describe, expect, test } from "vitest";

describe("Student t distribution", () => {
  test("quantiles match tables", () => {
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.7764, 4);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.2622, 4);
    expect(tQuantile(0.975, 29)).toBeCloseTo(2.0452, 4);
    expect(tQuantile(0.95, 10)).toBeCloseTo(1.8125, 4);
    expect(tQuantile(0.025, 9)).toBeCloseTo(-2.2622, 4);
    expect(tQuantile(0.975, 1e6)).toBeCloseTo(1.96, 2);
  });
  test("cdf and two-sided p", () => {
    expect(tCdf(0, 5)).toBeCloseTo(0.5, 12);
    expect(tCdf(2.015, 5)).toBeCloseTo(0.95, 3);
    expect(tCdf(-2.015, 5)).toBeCloseTo(0.05, 3);
    expect(tTwoSidedP(2.262157, 9)).toBeCloseTo(0.05, 5);
    expect(tTwoSidedP(0, 9)).toBe(1);
    for (const df of [1, 3, 17])
      for (const p of [0.01, 0.3, 0.9]) expect(tCdf(tQuantile(p, df), df)).toBeCloseTo(p, 9);
  });
});

describe("summary", () => {
  test("mean, sd, t interval, quantiles", () => {
    const s = summarize([1, 2, 3, 4, 5, null]);
    expect(s.n).toBe(5);
    expect(s.mean).toBe(3);
    expect(s.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    const half = (tQuantile(0.975, 4) * Math.sqrt(2.5)) / Math.sqrt(5);
    expect(s.ciLow).toBeCloseTo(3 - half, 12);
    expect(s.ciHigh).toBeCloseTo(3 + half, 12);
    expect(s.median).toBe(3);
    expect(s.p05).toBeCloseTo(1.2, 12); // linear interpolation (R type 7)
    expect(s.p95).toBeCloseTo(4.8, 12);
    expect(summarize([]).mean).toBeNull();
    expect(summarize([7]).sd).toBeNull();
  });
});

function pairedData(seed: number, n: number, trueDiff: number) {
  const rng = Rng.fromSeed(seed);
  const base: number[] = [];
  const variant: number[] = [];
  for (let i = 0; i < n; i++) {
    const common = rng.normal(10, 3); // the shared (common random numbers) part
    base.push(common + rng.normal(0, 0.5));
    variant.push(common + trueDiff + rng.normal(0, 0.5));
  }
  return { base, variant };
}

describe("paired comparison", () => {
  test("a known difference: the interval covers it and p is small", () => {
    const { base, variant } = pairedData(1, 30, 0.8);
    const c = pairedComparison(variant, base);
    expect(c.nPairs).toBe(30);
    expect(c.ciLow as number).toBeLessThan(0.8);
    expect(c.ciHigh as number).toBeGreaterThan(0.8);
    expect(c.ciLow as number).toBeGreaterThan(0);
    expect(c.pValue as number).toBeLessThan(1e-6);
    // d_z = mean / sd of the differences (sd of d is about 0.5 * sqrt(2))
    expect(c.effectSize as number).toBeGreaterThan(0.6);
  });
  test("no difference: p is not small", () => {
    const { base, variant } = pairedData(2, 30, 0);
    const c = pairedComparison(variant, base);
    expect(c.pValue as number).toBeGreaterThan(0.05);
    expect(c.ciLow as number).toBeLessThan(0);
    expect(c.ciHigh as number).toBeGreaterThan(0);
  });
  test("coverage and false-positive rate over many data sets are about 95% / 5%", () => {
    let covered = 0;
    let rejected = 0;
    const N = 400;
    for (let s = 0; s < N; s++) {
      const { base, variant } = pairedData(100 + s, 12, 0.3);
      const c = pairedComparison(variant, base);
      if ((c.ciLow as number) <= 0.3 && 0.3 <= (c.ciHigh as number)) covered++;
      const z = pairedData(10_000 + s, 12, 0);
      if ((pairedComparison(z.variant, z.base).pValue as number) < 0.05) rejected++;
    }
    expect(covered / N).toBeGreaterThan(0.91);
    expect(covered / N).toBeLessThan(0.99);
    expect(rejected / N).toBeLessThan(0.09);
    expect(rejected / N).toBeGreaterThan(0.01);
  });
  test("pairs only where both values exist; degenerate cases", () => {
    const c = pairedComparison([1, null, 3, 4], [0, 5, null, 3]);
    expect(c.nPairs).toBe(2);
    expect(c.meanDiff).toBe(1);
    expect(c.pValue).toBe(0.5); // identical non-zero differences: the exact sign test, 2 x 0.5^2
    expect([c.ciLow, c.ciHigh, c.effectSize]).toEqual([1, 1, null]);
    expect(pairedComparison([1, 2], [1, 2]).pValue).toBe(1);
    expect(pairedComparison([1], [0]).pValue).toBeNull();
    expect(pairedComparison(Array(11).fill(3), Array(11).fill(1)).pValue).toBe(2 ** -10);
  });
  test("differences equal to the stored 10 digits are equal: no float-noise t-test", () => {
    // 0.2 - 0.1, 0.3 - 0.2, ... differ in the last bits: sd ~1e-17 gave p 1e-32 and d_z 3e15
    const base = [0.1, 0.2, 0.3, 0.4, 0.5];
    const c = pairedComparison(
      base.map((x) => x + 0.1),
      base,
    );
    expect(c).toEqual({
      nPairs: 5,
      meanDiff: 0.1,
      ciLow: 0.1,
      ciHigh: 0.1,
      pValue: 2 ** -4,
      effectSize: null,
    });
    // and a constant metric has sd 0, not the noise of summing it
    expect(summarize([0.1, 0.1, 0.1])).toMatchObject({ mean: 0.1, sd: 0, ciLow: 0.1, ciHigh: 0.1 });
    // a real spread is still tested
    expect(pairedComparison([1.1, 2.3, 2.9], [1, 2, 3]).pValue).toBeGreaterThan(0.3);
    // small differences next to large values: the noise is relative to the values (the review's cases)
    expect(pairedComparison([100.0000001, 200.0000001, 300.0000001], [100, 200, 300]).effectSize).toBeNull();
    const close = pairedComparison(
      [0.1234567892, 0.5234567892, 0.9234567892],
      [0.1234567891, 0.5234567891, 0.9234567891],
    );
    expect([close.pValue, close.effectSize]).toEqual([0.25, null]);
    // but a difference in the stored 10th digit is a difference
    expect(
      pairedComparison([0.1234567892, 0.5234567893, 0.9234567892], [0.1234567891, 0.5234567891, 0.9234567891])
        .effectSize,
    ).not.toBeNull();
    // the sign test does not underflow to certainty
    expect(pairedComparison(Array(1100).fill(2), Array(1100).fill(1)).pValue).toBe(Number.MIN_VALUE);
  });
});

describe("proportions (the built-in recovered)", () => {
  test("Wilson score intervals, as scipy computes them", () => {
    // reference values: the Wilson formula with scipy.stats.norm.ppf(0.975) = 1.959963984540054
    const cases: Array<[number, number, number, number]> = [
      [20, 20, 0.8388748419471806, 1],
      [0, 20, 0, 0.16112515805281938],
      [17, 20, 0.6395811352592431, 0.9476312541037835],
      [1, 1, 0.20654931437723745, 1],
    ];
    for (const [k, n, lo, hi] of cases) {
      const [a, b] = wilsonInterval(k, n);
      expect(a).toBeCloseTo(lo, 12);
      expect(b).toBeCloseTo(hi, 12);
    }
  });
  test("summarize(values, true): 0/1 values get the Wilson interval, anything else the t interval", () => {
    const all = summarize(Array(20).fill(1), true);
    expect([all.mean, all.sd, all.ciHigh]).toEqual([1, 0, 1]);
    expect(all.ciLow).toBeCloseTo(0.8388748419471806, 12); // a t interval gave [1, 1]
    const some = summarize([...Array(17).fill(1), 0, 0, 0], true);
    expect(some.ciLow).toBeCloseTo(0.6395811352592431, 12);
    expect(some.ciHigh).toBeCloseTo(0.9476312541037835, 12); // t: 1.02, above 1
    expect(summarize([0.5, 1, 0], true)).toEqual(summarize([0.5, 1, 0]));
  });
});
