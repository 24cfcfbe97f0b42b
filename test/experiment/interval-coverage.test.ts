/**
 * The README's simulated coverages of the BCa and t intervals ("Skewed metrics") are what
 * interval-coverage.ts computes from its seed, rounded as quoted; the figures it quotes from the
 * default study's runs are held by test/e2e/doc-numbers.claims.ts. Also what the coverage is:
 * a sample whose interval is blank or [x, x] misses, and the study's resampling is seeded.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "@cascade/core";
import { bootstrapInterval } from "@cascade/experiment";
import { beforeAll, describe, expect, it } from "vitest";
import {
  bcaStreamSpread,
  DISTRIBUTIONS,
  type Distribution,
  distributionMean,
  resampledCoverage,
  SIMULATED_SIZES,
  SIMULATED_TRIALS,
  simulatedCoverage,
} from "./interval-coverage.js";

const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
const lines = readme.split("\n");

/** x as a whole percent, half away from zero on the share as counted (k / trials) */
const percent = (x: number) => String(Math.round(Number((x * 100).toPrecision(12))));

describe("the README's simulated coverages", () => {
  const got = new Map<string, { bca: number; t: number }>();
  beforeAll(() => {
    for (const d of Object.keys(DISTRIBUTIONS) as Distribution[])
      for (const n of SIMULATED_SIZES) got.set(`${d}/${n}`, simulatedCoverage(d, n));
  }, 180_000);
  const series = (d: Distribution, which: "bca" | "t") =>
    SIMULATED_SIZES.map((n) => percent((got.get(`${d}/${n}`) as { bca: number; t: number })[which])).join(
      "/",
    );

  /** [words of one README line, the figure as quoted there, the figure computed] */
  const claims = (): Array<[string, string, string]> => [
    ["0 in 70% of runs and lognormal (sigma 1.5)", "70%", `${DISTRIBUTIONS.zeroInflated.zeros * 100}%`],
    ["0 in 70% of runs and lognormal (sigma 1.5)", "1.5", String(DISTRIBUTIONS.zeroInflated.sigma)],
    ["% of the time at 10/20/40 replications", "10/20/40", SIMULATED_SIZES.join("/")],
    ["mean 67/75/82% of the time", "67/75/82", series("zeroInflated", "bca")],
    ["against 61/67/74% for the t interval", "61/67/74", series("zeroInflated", "t")],
    ["lognormal values (sigma 1) 84/87/91%", "1", String(DISTRIBUTIONS.lognormal.sigma)],
    ["lognormal values (sigma 1) 84/87/91%", "84/87/91", series("lognormal", "bca")],
    ["(t: 86/87/90%)", "86/87/90", series("lognormal", "t")],
    ["  90/94/95% (t: 95/95/96%)", "90/94/95", series("normal", "bca")],
    ["  90/94/95% (t: 95/95/96%)", "95/95/96", series("normal", "t")],
    ["1,000 samples each", "1,000", SIMULATED_TRIALS.toLocaleString("en-US")],
  ];

  it("are interval-coverage.ts's, rounded as quoted", () => {
    const wrong: string[] = [];
    for (const [at, quoted, actual] of claims()) {
      const hits = lines.flatMap((l, i) => (l.includes(at) ? [i + 1] : []));
      if (hits.length !== 1) wrong.push(`README.md: "${at}" is on ${hits.length} lines, not one`);
      else if (!at.includes(quoted)) wrong.push(`"${quoted}" is not in "${at}"`);
      else if (actual !== quoted)
        wrong.push(`README.md:${hits[0]}: quotes ${quoted} ("${at}"); interval-coverage.ts gives ${actual}`);
    }
    expect(wrong).toEqual([]);
  });

  it("tell the README's reader how to rerun them", () => {
    expect(readme).toContain("`npx tsx test/experiment/interval-coverage.ts` recomputes all these coverages");
  });
});

describe("interval coverage", () => {
  it("of the study's resampling is seeded, and its misses are counted on their side", () => {
    const skewed = [...new Array<number>(57).fill(0), 100, 200, 9000];
    const a = resampledCoverage(skewed, 20, 2000);
    expect(resampledCoverage(skewed, 20, 2000)).toEqual(a);
    expect(resampledCoverage(skewed, 20, 2000, 1)).not.toEqual(a);
    // one value carries the mean: a sample without it sits wholly below (sd 0 or too small)
    expect(a.low).toBeGreaterThan(0.5);
    expect(a.covered + a.low).toBeLessThanOrEqual(1);
    // a population of one value: every sample is [x, x] around its own mean, which it covers
    expect(resampledCoverage([5, 5, 5], 10, 50)).toEqual({ covered: 1, low: 0 });
  });

  it("of the BCa interval's ends over streams: orderings of one sample, the same interval from other streams", () => {
    const rng = Rng.fromSeed(3);
    const xs = Array.from({ length: 40 }, () => rng.normal(10, 2));
    const reversed = [...xs].reverse();
    // another order is another stream: the ends move, a little
    const [a, b] = [bootstrapInterval(xs), bootstrapInterval(reversed)] as Array<[number, number]>;
    expect(a).not.toEqual(b);
    expect(Math.abs(a[0] - b[0]) / (a[1] - a[0])).toBeLessThan(0.1);
    const s = bcaStreamSpread(xs);
    expect(bcaStreamSpread(xs)).toEqual(s);
    for (const end of [s?.low, s?.high]) {
      expect(end).toBeGreaterThan(0.001);
      expect(end).toBeLessThan(0.05);
    }
    expect(bcaStreamSpread([1, 1, 1, 1, 1, 1])).toBeNull();
    expect(bcaStreamSpread([1, 2, 3])).toBeNull();
  });

  it("targets each distribution's mean", () => {
    expect(distributionMean("normal")).toBe(0);
    expect(distributionMean("lognormal")).toBeCloseTo(Math.exp(0.5), 12);
    expect(distributionMean("zeroInflated")).toBeCloseTo(0.3 * Math.exp(1.125), 12);
  });
});
