/**
 * How often the 95% intervals summary.csv writes cover the mean they estimate, and how precise
 * the BCa interval's ends are: the figures the README's "Skewed metrics" quotes, recomputed from a
 * fixed seed.
 *
 * - From the default study: samples of 20, 40 and 60 drawn with replacement from its 60
 *   full-close runs of a metric; how often each sample's t interval (summary.csv's ci_low..ci_high)
 *   covers those 60 runs' mean, and how often it misses by sitting too low.
 * - From the same runs: how far each end of a metric's BCa interval moves with the resampling
 *   stream (bcaStreamSpread).
 * - Simulated: samples of 10, 20 and 40 from a known distribution (0 in 70% of runs and lognormal
 *   with sigma 1.5 otherwise; lognormal with sigma 1; standard normal); how often the BCa interval
 *   (boot_low..boot_high, the package's bootstrapInterval) and the t interval cover the
 *   distribution's mean. A blank BCa interval (every resampled mean on one side) counts as a miss,
 *   as a sample of equal values (an interval [x, x], e.g. all zeros) does.
 *
 * Every figure is a share of a fixed number of trials, drawn from its own seeded stream, so the same
 * code gives the same figures on every machine; their Monte Carlo error is about
 * sqrt(p (1 - p) / trials): 0.2-0.5 points for the study's 10,000 trials, 0.7-1.5 for the
 * simulations' 1,000. The README's figures are held to these functions: the study's by claims in
 * test/e2e/doc-numbers.claims.ts, the simulations' by interval-coverage.test.ts.
 *
 *   npx tsx test/experiment/interval-coverage.ts [results/partial-vs-full]
 *
 * (after `pnpm start`, which writes results/partial-vs-full/; any folder holding the default
 * study's runs.csv will do. 8-10 s of CPU, 7.7 s at load 9 on a shared 2-core host, most of it
 * the simulations' bootstrap.)
 */
import { join, resolve } from "node:path";
import { Rng } from "@cascade/core";
import { bootstrapInterval, readResultsCsv, tQuantile } from "@cascade/experiment";

const SEED = 20261127;
/** sample sizes drawn from the default study's 60 full-close runs */
export const STUDY_SIZES = [20, 40, 60] as const;
export const STUDY_TRIALS = 10_000;
/** the default study's metrics the README quotes */
const STUDY_METRICS = ["bad_debt", "peak_drawdown_SOL", "peak_drawdown_ETH", "liquidated_notional"];
/** sample sizes of the simulations */
export const SIMULATED_SIZES = [10, 20, 40] as const;
export const SIMULATED_TRIALS = 1_000;
/**
 * The simulated distributions: 0 with probability `zeros`, else lognormal (mu 0, `sigma`); the
 * normal one is standard normal.
 */
export const DISTRIBUTIONS = {
  zeroInflated: { zeros: 0.7, sigma: 1.5 },
  lognormal: { zeros: 0, sigma: 1 },
  normal: null,
} as const;
export type Distribution = keyof typeof DISTRIBUTIONS;

/** The mean each simulated distribution's intervals should cover. */
export function distributionMean(d: Distribution): number {
  const p = DISTRIBUTIONS[d];
  return p === null ? 0 : (1 - p.zeros) * Math.exp((p.sigma * p.sigma) / 2);
}

function draw(d: Distribution, rng: Rng): number {
  const p = DISTRIBUTIONS[d];
  if (p === null) return rng.normal();
  if (p.zeros > 0 && rng.uniform() < p.zeros) return 0;
  return rng.lognormal(0, p.sigma);
}

/** The 95% t interval's half-width of a sample, as summary.csv computes it (0 for equal values). */
function tHalfWidth(xs: readonly number[], mean: number, tq: number): number {
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return (tq * Math.sqrt(ss / (xs.length - 1))) / Math.sqrt(xs.length);
}

const sumOf = (xs: readonly number[]): number => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

export interface Coverage {
  /** share of the trials whose interval covered the mean */
  covered: number;
  /** share whose interval lay wholly below the mean */
  low: number;
}

/**
 * The t interval's coverage over `trials` samples of n drawn with replacement from `population`
 * (the study's runs of one metric), against the population's mean.
 */
export function resampledCoverage(
  population: readonly number[],
  n: number,
  trials = STUDY_TRIALS,
  seed = SEED,
): Coverage {
  if (population.length === 0) throw new Error("resampledCoverage: the population is empty");
  const rng = Rng.fromSeed(seed).split(`resample/${n}`);
  const target = sumOf(population) / population.length;
  const tq = tQuantile(0.975, n - 1);
  const sample = new Array<number>(n).fill(0);
  let covered = 0;
  let low = 0;
  for (let t = 0; t < trials; t++) {
    for (let i = 0; i < n; i++) sample[i] = population[rng.int(population.length)];
    const mean = sumOf(sample) / n;
    const half = tHalfWidth(sample, mean, tq);
    if (mean + half < target) low++;
    else if (mean - half <= target) covered++;
  }
  return { covered: covered / trials, low: low / trials };
}

/** The BCa and t intervals' coverage over `trials` samples of n from a distribution. */
export function simulatedCoverage(
  d: Distribution,
  n: number,
  trials = SIMULATED_TRIALS,
  seed = SEED,
): { bca: number; t: number } {
  const rng = Rng.fromSeed(seed).split(`${d}/${n}`);
  const target = distributionMean(d);
  const tq = tQuantile(0.975, n - 1);
  const sample = new Array<number>(n).fill(0);
  let bca = 0;
  let t = 0;
  for (let k = 0; k < trials; k++) {
    for (let i = 0; i < n; i++) sample[i] = draw(d, rng);
    const mean = sumOf(sample) / n;
    const half = tHalfWidth(sample, mean, tq);
    if (mean - half <= target && target <= mean + half) t++;
    const interval = bootstrapInterval(sample);
    if (interval !== null && interval[0] <= target && target <= interval[1]) bca++;
  }
  return { bca: bca / trials, t: t / trials };
}

/** orderings of a sample whose BCa intervals bcaStreamSpread compares */
export const STREAMS = 20;

/**
 * How far the BCa interval's ends move with the resampling stream: the sd of each end over
 * STREAMS orderings of the values, relative to the interval's mean width. bootstrapInterval seeds
 * its stream from the values in order, and a mean's bootstrap does not depend on their order, so
 * each ordering is the same interval drawn from another stream. Null without an interval
 * (fewer than 5 values, all equal, or every resampled mean on one side).
 */
export function bcaStreamSpread(
  xs: readonly number[],
  streams = STREAMS,
  seed = SEED,
): { low: number; high: number } | null {
  const rng = Rng.fromSeed(seed).split("orderings");
  const order = [...xs];
  const lows: number[] = [];
  const highs: number[] = [];
  for (let k = 0; k < streams; k++) {
    rng.shuffle(order);
    const interval = bootstrapInterval(order);
    if (interval === null || interval[0] === interval[1]) return null;
    lows.push(interval[0]);
    highs.push(interval[1]);
  }
  const width = (sumOf(highs) - sumOf(lows)) / streams;
  const sd = (ys: number[]) => {
    const m = sumOf(ys) / ys.length;
    let ss = 0;
    for (const y of ys) ss += (y - m) * (y - m);
    return Math.sqrt(ss / (ys.length - 1));
  };
  return { low: sd(lows) / width, high: sd(highs) / width };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** a column's numbers, blanks left out */
const values = (rows: ReadonlyArray<Record<string, string>>, column: string) =>
  rows.filter((r) => r[column] !== "").map((r) => Number(r[column]));

async function main(dir: string): Promise<void> {
  const file = join(dir, "runs.csv");
  const rows = await readResultsCsv(file).catch((e: Error) => {
    throw new Error(`${e.message} (run the default study first: pnpm start writes results/partial-vs-full/)`);
  });
  const full = rows.filter((r) => r.variant === "full");
  if (full.length === 0) throw new Error(`${file}: no run of variant full; is it the default study's?`);
  console.log(
    `t interval coverage, samples drawn from ${full.length} full-close runs (${STUDY_TRIALS} trials):`,
  );
  console.log("metric                 n   covered  too low");
  for (const metric of STUDY_METRICS) {
    const xs = full.map((r) => Number(r[metric]));
    if (xs.some((x) => !Number.isFinite(x)))
      throw new Error(`${file}: ${metric} has a blank or non-number cell`);
    for (const n of STUDY_SIZES) {
      const c = resampledCoverage(xs, n);
      console.log(
        `${metric.padEnd(22)} ${String(n).padStart(2)}  ${pct(c.covered).padStart(7)}  ${pct(c.low).padStart(7)}`,
      );
    }
  }
  console.log(`\nBCa interval's ends over ${STREAMS} resampling streams, full-close runs (sd / width):`);
  for (const metric of Object.keys(full[0]).slice(4)) {
    const s = bcaStreamSpread(values(full, metric));
    if (s !== null)
      console.log(`${metric.padEnd(26)} low ${pct(s.low).padStart(5)}  high ${pct(s.high).padStart(5)}`);
  }
  console.log(`\nBCa and t interval coverage, simulated (${SIMULATED_TRIALS} trials):`);
  console.log("distribution   n   BCa     t");
  for (const d of Object.keys(DISTRIBUTIONS) as Distribution[])
    for (const n of SIMULATED_SIZES) {
      const c = simulatedCoverage(d, n);
      console.log(
        `${d.padEnd(13)} ${String(n).padStart(2)}  ${pct(c.bca).padStart(6)}  ${pct(c.t).padStart(6)}`,
      );
    }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main(process.argv[2] ?? "results/partial-vs-full").catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
  });
}
