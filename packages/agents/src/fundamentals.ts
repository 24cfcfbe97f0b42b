/**
 * Exogenous fundamental values, one per instrument, stepped in the `exogenous` phase and published
 * as the venue's oracle price.
 *
 * Log values follow, per tick,
 *   x_i <- x_i + k (x0_i - x_i) + sigma_i * (L z)_i,   z ~ N(0, I)
 * with k = meanReversion (0 for a random walk) and L a factor of the correlation matrix C
 * (L L^T = C). L is computed once: the Cholesky factor when C is positive definite (a few lines
 * here, because mathjs has none), else, for a semi-definite C, from mathjs' eigen-decomposition
 * C = V diag(l) V^T as L = V diag(sqrt(max(l, 0))). The per-tick product is a plain loop over a
 * Float64Array.
 *
 * Stepped every m ticks (`every`), a step is the exact m-tick transition of that per-tick process:
 * the pull is 1 - (1 - k)^m and the sd sigma_i sqrt((1 - (1 - k)^2m) / (1 - (1 - k)^2)) (sigma_i sqrt(m)
 * for a random walk). k m alone overshot the anchor once k m > 1 and diverged to the price band
 * past k m = 2.
 */

import { createRequire } from "node:module";
import { memberPath, type Rng, type RunLoop, suggestName, ValidationError } from "@cascade/core";
import type { Venue } from "@cascade/market";

// mathjs takes about a second to load in every thread; only semi-definite correlation matrices
// need it, so it is loaded on first use (through require, because a constructor cannot await an import).
interface Eigen {
  values: unknown;
  eigenvectors: Array<{ value: unknown; vector: unknown }>;
}
let eigsFn: ((m: number[][]) => Eigen) | undefined;
function eigs(m: number[][]): Eigen {
  eigsFn ??= (createRequire(import.meta.url)("mathjs") as { eigs: (m: number[][]) => Eigen }).eigs;
  return eigsFn(m);
}

export interface FundamentalSpec {
  kind: "meanReverting" | "randomWalk";
  /** Per-tick sd of the log value (one number, or one per instrument). */
  volatility: number | number[];
  /** Per-tick pull of the log value toward its initial value (meanReverting only; default 1e-4). */
  meanReversion?: number;
  /** Instruments x instruments correlation matrix of the shocks (default identity). */
  correlation?: number[][];
  /** Step the process every m ticks (each step the exact m-tick transition of the per-tick process); default 1. */
  every?: number;
}

const CTX = "invalid experiment";

/** Validates a FundamentalSpec for `n` instruments; errors name `${path}.field`. */
export function validateFundamentalSpec(path: string, spec: unknown, n: number): FundamentalSpec {
  return checkSpec(path, spec, n).spec;
}

/**
 * validateFundamentalSpec, also returning the factor of the correlation matrix (undefined without
 * one): validating it already factors it, and the eigen-decomposition of a semi-definite matrix
 * is the slow part of building a Fundamentals.
 */
function checkSpec(
  path: string,
  spec: unknown,
  n: number,
): { spec: FundamentalSpec; factor: Float64Array | undefined } {
  // A field's path: spec keys and array indices as dotted segments (fundamentals.correlation.0.1).
  const at = (...keys: Array<string | number>): string =>
    keys.reduce<string>((p, k) => memberPath(p, String(k)), path);
  const bad = (field: string, value: unknown, allowed: string): never => {
    throw new ValidationError("INVALID_VALUE", field, value, allowed, CTX);
  };
  if (spec === null || typeof spec !== "object") bad(path, spec, "an object { kind, volatility, ... }");
  const s = spec as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (!["kind", "volatility", "meanReversion", "correlation", "every"].includes(k)) {
      throw new ValidationError(
        "UNKNOWN_KEY",
        memberPath(path, k),
        s[k],
        `one of kind, volatility, meanReversion, correlation, every${suggestName(k, ["kind", "volatility", "meanReversion", "correlation", "every"])}`,
        CTX,
      );
    }
  }
  if (s.kind !== "meanReverting" && s.kind !== "randomWalk")
    bad(at("kind"), s.kind, '"meanReverting" or "randomWalk"');
  const vols = Array.isArray(s.volatility) ? s.volatility : [s.volatility];
  if (Array.isArray(s.volatility) && s.volatility.length !== n)
    bad(at("volatility"), s.volatility, `a number or an array of ${n} numbers`);
  vols.forEach((v, i) => {
    if (typeof v !== "number" || !(v >= 0 && v < 1))
      bad(Array.isArray(s.volatility) ? at("volatility", i) : at("volatility"), v, "a per-tick sd in [0, 1)");
  });
  if (
    s.meanReversion !== undefined &&
    (typeof s.meanReversion !== "number" || !(s.meanReversion >= 0 && s.meanReversion <= 1))
  ) {
    bad(at("meanReversion"), s.meanReversion, "a number in [0, 1]");
  }
  // Written under a random walk, a pull would be ignored: refused, as a misspelt key is.
  if (s.meanReversion !== undefined && s.kind === "randomWalk")
    bad(
      at("meanReversion"),
      s.meanReversion,
      'undefined with kind "randomWalk" (meanReversion is read by kind "meanReverting" alone: a random walk is the mean-reverting process with meanReversion 0, so a variant or a sweep compares the two by meanReversion, not by kind)',
    );
  if (s.every !== undefined && (typeof s.every !== "number" || !Number.isInteger(s.every) || s.every < 1))
    bad(at("every"), s.every, "an integer >= 1");
  let factor: Float64Array | undefined;
  if (s.correlation !== undefined) {
    const c = s.correlation;
    if (!Array.isArray(c) || c.length !== n)
      bad(
        at("correlation"),
        c,
        `a ${n} x ${n} correlation matrix (a row and a column per instrument of the market, in its order)`,
      );
    const m = c as unknown[];
    for (let i = 0; i < n; i++) {
      const row = m[i];
      if (!Array.isArray(row) || row.length !== n) bad(at("correlation", i), row, `a row of ${n} numbers`);
      for (let j = 0; j < n; j++) {
        const v = (row as unknown[])[j];
        if (typeof v !== "number" || !(v >= -1 && v <= 1))
          bad(at("correlation", i, j), v, "a number in [-1, 1]");
        if (i === j && v !== 1) bad(at("correlation", i, j), v, "1 on the diagonal");
        if (j < i && v !== (m[j] as number[])[i])
          bad(
            at("correlation", i, j),
            v,
            `a symmetric matrix (= ${at("correlation", j, i)} = ${(m[j] as number[])[i]})`,
          );
      }
    }
    factor = cholesky(c as number[][]);
    if (factor === undefined) {
      const e = eigs(c as number[][]);
      const minEig = Math.min(...(e.values as unknown as number[]));
      if (minEig < -1e-9)
        bad(
          at("correlation"),
          "(matrix)",
          `a positive semi-definite matrix (smallest eigenvalue is ${minEig})`,
        );
      factor = eigenFactor(n, e);
    }
  }
  return { spec: spec as FundamentalSpec, factor };
}

/**
 * Lower-triangular L (row-major, n x n) with L L^T = C when C is positive definite, else undefined
 * (a pivot at or below 1e-12: singular, semi-definite or indefinite).
 */
function cholesky(c: number[][]): Float64Array | undefined {
  const n = c.length;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = c[i][j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 1e-12)) return undefined;
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  return l;
}

/**
 * Factor L (row-major, n x n) with L L^T = C: Cholesky for a positive definite C (the identity
 * gives the identity), else from mathjs' eigen-decomposition.
 */
export function correlationFactor(c: number[][]): Float64Array {
  return cholesky(c) ?? eigenFactor(c.length, eigs(c));
}

/** L = V diag(sqrt(max(l, 0))) from the eigen-decomposition C = V diag(l) V^T. */
function eigenFactor(n: number, { eigenvectors }: Eigen): Float64Array {
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const ev = eigenvectors[k] as { value: number; vector: number[] | { toArray(): number[] } };
    const vec = Array.isArray(ev.vector) ? ev.vector : ev.vector.toArray();
    const s = Math.sqrt(Math.max(ev.value, 0));
    for (let i = 0; i < n; i++) out[i * n + k] = vec[i] * s;
  }
  return out;
}

export class Fundamentals {
  private readonly n: number;
  private readonly logValue: Float64Array;
  private readonly anchor: Float64Array;
  private readonly sigma: Float64Array;
  private readonly factor: Float64Array;
  private readonly z: Float64Array;
  private readonly k: number;
  private readonly every: number;
  private readonly venue: Venue;
  private readonly rng: Rng;
  private readonly minPrice: Float64Array;
  private readonly maxPrice: Float64Array;

  constructor(options: { venue: Venue; loop: RunLoop; spec: FundamentalSpec; rng: Rng }) {
    const { venue, loop, rng } = options;
    const n = venue.instruments.length;
    const { spec, factor } = checkSpec("fundamentals", options.spec, n);
    this.n = n;
    this.venue = venue;
    this.rng = rng;
    this.every = spec.every ?? 1;
    const mr = spec.kind === "meanReverting" ? (spec.meanReversion ?? 1e-4) : 0;
    // m ticks of x <- x + mr (x0 - x) + s z: the deviation from x0 times (1 - mr)^m, and
    // sum_{j<m} (1 - mr)^j s z_j, of variance s^2 (1 - (1 - mr)^2m) / (1 - (1 - mr)^2).
    const m = this.every;
    const logDecay = Math.log1p(-mr); // -Infinity at mr = 1
    this.k = m === 1 ? mr : mr === 0 ? 0 : mr === 1 ? 1 : -Math.expm1(m * logDecay);
    const sq =
      m === 1
        ? 1
        : mr === 0
          ? Math.sqrt(m)
          : mr === 1
            ? 1
            : Math.sqrt(Math.expm1(2 * m * logDecay) / Math.expm1(2 * logDecay));
    this.logValue = new Float64Array(n);
    this.anchor = new Float64Array(n);
    this.sigma = new Float64Array(n);
    this.minPrice = new Float64Array(n);
    this.maxPrice = new Float64Array(n);
    this.z = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ins = venue.instruments[i];
      this.logValue[i] = this.anchor[i] = Math.log(ins.initialPrice);
      this.sigma[i] = (Array.isArray(spec.volatility) ? spec.volatility[i] : spec.volatility) * sq;
      this.minPrice[i] = ins.minPrice;
      this.maxPrice[i] = ins.maxPrice;
    }
    this.factor = factor ?? identityFactor(n);
    for (let i = 0; i < n; i++) venue.setOraclePrice(i, this.value(i));
    loop.on("exogenous", (tick) => {
      if (tick % this.every === 0) this.step();
    });
  }

  /** Current fundamental value of `instrument`, in ticks (float, clamped to the price band). */
  value(instrument: number): number {
    const v = Math.exp(this.logValue[instrument]);
    return v < this.minPrice[instrument] ? this.minPrice[instrument] : Math.min(v, this.maxPrice[instrument]);
  }

  /**
   * Multiplies the value by (1 + fraction) now and republishes the oracle price. With
   * `permanent` the mean-reversion anchor moves too (a level shift); otherwise the value reverts.
   */
  shock(instrument: number, fraction: number, permanent = false): void {
    if (!(fraction > -1) || !Number.isFinite(fraction)) {
      throw new ValidationError(
        "INVALID_VALUE",
        "shock.fraction",
        fraction,
        "a finite number > -1",
        "invalid shock",
      );
    }
    const d = Math.log1p(fraction);
    this.logValue[instrument] += d;
    if (permanent) this.anchor[instrument] += d;
    this.venue.setOraclePrice(instrument, this.value(instrument));
  }

  private step(): void {
    const n = this.n;
    const z = this.z;
    for (let i = 0; i < n; i++) z[i] = this.rng.normal();
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let j = 0; j < n; j++) e += this.factor[i * n + j] * z[j];
      const x = this.logValue[i];
      this.logValue[i] = x + this.k * (this.anchor[i] - x) + this.sigma[i] * e;
      this.venue.setOraclePrice(i, this.value(i));
    }
  }
}

/** The factor of the identity (what cholesky returns for it). */
function identityFactor(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}
