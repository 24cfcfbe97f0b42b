import { finiteIn, memberPath, ValidationError } from "./errors.js";
import { suggestName } from "./names.js";
import type { Rng } from "./rng.js";

/**
 * A parameter that is either a constant or a distribution drawn per agent.
 * Plain data, so it can live in an experiment file and be validated.
 */
export type Dist =
  | number
  | { dist: "uniform"; min: number; max: number }
  | { dist: "uniformInt"; min: number; max: number }
  | { dist: "normal"; mean: number; sd: number; min?: number; max?: number }
  | { dist: "lognormal"; mu: number; sigma: number; min?: number; max?: number }
  | { dist: "exponential"; rate: number; max?: number }
  | { dist: "choice"; values: readonly number[]; weights?: readonly number[] };

/** Draws one value of `d` from `rng` (a constant returns itself, drawing nothing). */
export function sample(d: Dist, rng: Rng): number {
  if (typeof d === "number") return d;
  switch (d.dist) {
    case "uniform":
      return rng.between(d.min, d.max);
    case "uniformInt":
      return rng.intBetween(d.min, d.max);
    case "normal":
      return clamp(rng.normal(d.mean, d.sd), d.min, d.max);
    case "lognormal":
      return clamp(rng.lognormal(d.mu, d.sigma), d.min, d.max);
    case "exponential":
      return clamp(rng.exponential(d.rate), undefined, d.max);
    case "choice": {
      if (!d.weights) return rng.pick(d.values);
      let total = 0;
      for (const w of d.weights) total += w;
      let u = rng.uniform() * total;
      for (let i = 0; i < d.values.length; i++) {
        u -= d.weights[i];
        if (u < 0) return d.values[i];
      }
      return d.values[d.values.length - 1];
    }
  }
}

function clamp(x: number, lo: number | undefined, hi: number | undefined): number {
  if (lo !== undefined && x < lo) return lo;
  if (hi !== undefined && x > hi) return hi;
  return x;
}

/** The largest value a distribution can produce (after clamping; Infinity if it has no upper clamp). */
export function distMax(d: Dist): number {
  if (typeof d === "number") return d;
  switch (d.dist) {
    case "uniform":
    case "uniformInt":
      return d.max;
    case "normal":
    case "lognormal":
    case "exponential":
      return d.max ?? Number.POSITIVE_INFINITY;
    case "choice":
      return Math.max(...d.values);
  }
}

/** The smallest value a distribution can produce (after clamping; -Infinity if it has no lower clamp). */
export function distMin(d: Dist): number {
  if (typeof d === "number") return d;
  switch (d.dist) {
    case "uniform":
    case "uniformInt":
      return d.min;
    case "normal":
    case "lognormal":
      return d.min ?? (d.dist === "lognormal" ? 0 : Number.NEGATIVE_INFINITY);
    case "exponential":
      return 0;
    case "choice":
      return Math.min(...d.values);
  }
}

/** The mean of a distribution (before clamping). */
export function distMean(d: Dist): number {
  if (typeof d === "number") return d;
  switch (d.dist) {
    case "uniform":
    case "uniformInt":
      return (d.min + d.max) / 2;
    case "normal":
      return d.mean;
    case "lognormal":
      return Math.exp(d.mu + (d.sigma * d.sigma) / 2);
    case "exponential":
      return 1 / d.rate;
    case "choice": {
      // Weighted as sample() draws it (the unweighted mean was wrong for a choice with weights).
      if (!d.weights) return d.values.reduce((a, b) => a + b, 0) / d.values.length;
      let sum = 0;
      let total = 0;
      for (let i = 0; i < d.values.length; i++) {
        sum += d.values[i] * d.weights[i];
        total += d.weights[i];
      }
      return total > 0 ? sum / total : d.values[d.values.length - 1];
    }
  }
}

const DIST_FIELDS: Record<string, readonly string[]> = {
  uniform: ["min", "max"],
  uniformInt: ["min", "max"],
  normal: ["mean", "sd", "min", "max"],
  lognormal: ["mu", "sigma", "min", "max"],
  exponential: ["rate", "max"],
  choice: ["values", "weights"],
};

const CTX = "invalid experiment";

/**
 * Validates a Dist and that every value it can produce lies in [min, max].
 * Throws ValidationError naming `path` (e.g. "populations.noise.rate.max").
 */
export function validateDist(path: string, d: unknown, min = -Infinity, max = Infinity): Dist {
  const num = (p: string, v: unknown, lo = min, hi = max): number => {
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) {
      throw new ValidationError("INVALID_VALUE", p, v, finiteIn(lo, hi), CTX);
    }
    return v;
  };
  if (typeof d === "number") return num(path, d);
  if (d === null || typeof d !== "object" || Array.isArray(d)) {
    throw new ValidationError(
      "INVALID_DIST",
      path,
      d,
      `${finiteIn(min, max)} or a distribution { dist: ${Object.keys(DIST_FIELDS).join(" | ")}, ... }`,
      CTX,
    );
  }
  const o = d as Record<string, unknown>;
  const kind = o.dist;
  if (typeof kind !== "string" || !(kind in DIST_FIELDS)) {
    throw new ValidationError(
      "INVALID_DIST",
      `${path}.dist`,
      kind,
      `one of ${Object.keys(DIST_FIELDS).join(", ")}${suggestName(kind, Object.keys(DIST_FIELDS))}`,
      CTX,
    );
  }
  const missingClamp = (field: "min" | "max", allowed: string): never => {
    throw new ValidationError(
      "UNBOUNDED_DIST",
      `${path}.${field}`,
      undefined,
      `${allowed} (the ${kind} tail is unbounded)`,
      CTX,
    );
  };
  const allowedKeys = ["dist", ...DIST_FIELDS[kind]];
  for (const k of Object.keys(o)) {
    if (!allowedKeys.includes(k)) {
      throw new ValidationError(
        "UNKNOWN_KEY",
        memberPath(path, k),
        o[k],
        `one of ${allowedKeys.join(", ")} (the fields of a ${JSON.stringify(kind)} distribution)${suggestName(k, allowedKeys)}`,
        CTX,
      );
    }
  }
  // A max below the min would draw one value (a clamp) or fail: the message names the min that bounds it.
  const notBelowMin = (lo: number): void => {
    if (typeof o.max === "number" && Number.isFinite(o.max) && o.max < lo) {
      throw new ValidationError(
        "INVALID_VALUE",
        `${path}.max`,
        o.max,
        `${finiteIn(lo, max)} (at least min = ${lo}; are min and max swapped?)`,
        CTX,
      );
    }
  };
  if (kind === "uniform" || kind === "uniformInt") {
    const lo = num(`${path}.min`, o.min);
    notBelowMin(lo);
    num(`${path}.max`, o.max, lo, max);
    if (kind === "uniformInt" && !Number.isInteger(o.min)) {
      throw new ValidationError("INVALID_VALUE", `${path}.min`, o.min, "an integer", CTX);
    }
    if (kind === "uniformInt" && !Number.isInteger(o.max)) {
      throw new ValidationError("INVALID_VALUE", `${path}.max`, o.max, "an integer", CTX);
    }
    // Rng.int draws from at most 2^53 - 1 values (a parameter without bounds, e.g. a custom
    // population's params, could otherwise pass here and fail every run).
    if (kind === "uniformInt" && (o.max as number) - lo + 1 > Number.MAX_SAFE_INTEGER) {
      throw new ValidationError(
        "INVALID_VALUE",
        `${path}.max`,
        o.max,
        `an integer with max - min + 1 <= ${Number.MAX_SAFE_INTEGER} (min = ${lo})`,
        CTX,
      );
    }
  } else if (kind === "normal" || kind === "lognormal") {
    if (kind === "normal") {
      num(`${path}.mean`, o.mean, -Infinity, Infinity);
      num(`${path}.sd`, o.sd, 0, Infinity);
    } else {
      num(`${path}.mu`, o.mu, -Infinity, Infinity);
      num(`${path}.sigma`, o.sigma, 0, Infinity);
    }
    if (o.min !== undefined) notBelowMin(num(`${path}.min`, o.min));
    if (o.max !== undefined) num(`${path}.max`, o.max);
    // Unbounded tails must be clamped when the parameter itself is bounded.
    const lowerTail = kind === "normal" ? min > -Infinity : min > 0;
    if (lowerTail && o.min === undefined) missingClamp("min", `a lower clamp >= ${min}`);
    if (max < Infinity && o.max === undefined) missingClamp("max", `an upper clamp <= ${max}`);
  } else if (kind === "exponential") {
    num(`${path}.rate`, o.rate, Number.MIN_VALUE, Infinity);
    if (o.max !== undefined) num(`${path}.max`, o.max);
    if (typeof o.max === "number" && o.max <= 0) {
      throw new ValidationError(
        "INVALID_VALUE",
        `${path}.max`,
        o.max,
        "an upper clamp > 0 (an exponential starts at 0: below it every draw would be the clamp)",
        CTX,
      );
    }
    if (min > 0) {
      throw new ValidationError(
        "INVALID_DIST",
        path,
        d,
        `a distribution of values >= ${min} (an exponential starts at 0)`,
        CTX,
      );
    }
    if (max < Infinity && o.max === undefined) missingClamp("max", `an upper clamp <= ${max}`);
  } else {
    if (!Array.isArray(o.values) || o.values.length === 0) {
      throw new ValidationError(
        "INVALID_VALUE",
        `${path}.values`,
        o.values,
        "a non-empty array of numbers",
        CTX,
      );
    }
    o.values.forEach((v, i) => {
      num(memberPath(`${path}.values`, String(i)), v);
    });
    if (o.weights !== undefined) {
      if (!Array.isArray(o.weights) || o.weights.length !== o.values.length) {
        throw new ValidationError(
          "INVALID_VALUE",
          `${path}.weights`,
          o.weights,
          `an array of ${o.values.length} non-negative numbers`,
          CTX,
        );
      }
      o.weights.forEach((w, i) => {
        num(memberPath(`${path}.weights`, String(i)), w, 0, Infinity);
      });
    }
  }
  return d as Dist;
}
