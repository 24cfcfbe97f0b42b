/**
 * Instrument specifications: price band, contract value, margin rates with size tiers.
 * Validation names the offending field (e.g. `instruments[1].margin.tiers[0].initial`).
 */
import { CascadeError, memberPath } from "@cascade/core";
import { MAX_PRICE_LEVELS } from "./orderbook.js";

/**
 * Binance-style position bracket: a position whose notional (cash units, at mark) exceeds
 * notionalAbove uses this tier's rates (the highest such tier) minus the tier's cumulative amount,
 * so the requirement is continuous in notional (see maintenanceMargin).
 */
export interface MarginTier {
  notionalAbove: number;
  initial: number;
  maintenance: number;
}
/**
 * Volatility-linked (procyclical) margin: the margin spiral of Brunnermeier & Pedersen (2009), where
 * margins rise with the volatility of the price. Every rate (initial, maintenance, each tier's) is
 * multiplied by m = clamp(sigma / reference, 1, maxMultiplier), capped at 1 (100% of notional), and
 * the tiers' cumulative amounts follow from the scaled rates (continuity kept). sigma is the
 * realised volatility per tick of the mark, sqrt(sum r^2 / windowTicks) over the last windowTicks
 * log-returns r = ln(mark_t / mark_{t-1}) (zero mean, as RiskMetrics and realised variance take it).
 * m is reviewed at the marks phase of mark update n (tick n of a run) when n >= windowTicks and n is
 * a multiple of everyTicks, and held in between (a margin change takes effect at the next review,
 * as an exchange announces it); see VolatilityMultiplier (volatility-margin.ts).
 */
export interface MarginVolatilitySpec {
  /** Look-back: the number of per-tick mark log-returns sigma is taken over (integer >= 1). */
  windowTicks: number;
  /** Review period in ticks: the multiplier is set again at every everyTicks-th marks phase (integer >= 1). */
  everyTicks: number;
  /** Volatility per tick (same unit as sigma) at or below which the base rates apply: m = sigma / reference above it. */
  reference: number;
  /** Cap of the multiplier (>= 1; 1 keeps the base rates: fixed margin). */
  maxMultiplier: number;
}
/** Rates in (0, 1]; maintenance <= initial. */
export interface MarginSpec {
  initial: number;
  maintenance: number;
  /** Size tiers, sorted ascending; at least one when given (leave out for flat rates). */
  tiers?: MarginTier[];
  /** Rates that rise with the mark's realised volatility (leave out for fixed rates). */
  volatility?: MarginVolatilitySpec;
}
export interface InstrumentSpec {
  symbol: string;
  /** Integer ticks. */
  initialPrice: number;
  /** Quote currency per tick, display only (default 0.01). */
  tickSize?: number;
  /** Base units per lot, display only (default 1). */
  lotSize?: number;
  /** Integer cash units per (tick x lot), default 1. */
  contractValue?: number;
  /** Price band in ticks, default 1. */
  minPrice?: number;
  /** Default 4 * initialPrice. */
  maxPrice?: number;
  /** Default { initial: 0.1, maintenance: 0.05 }. */
  margin?: MarginSpec;
}
export interface Instrument extends Required<Omit<InstrumentSpec, "margin">> {
  id: number;
  margin: MarginSpec;
}

const CTX = "invalid venue config";

function bad(field: string, value: unknown, allowed: string, code = "INVALID_CONFIG"): never {
  throw new CascadeError(code, field, value, allowed, CTX);
}

function rate(field: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > 1) bad(field, v, "a rate in (0, 1]");
  return v;
}

/** Largest look-back and review period, in ticks (the venue keeps windowTicks returns per instrument). */
export const MAX_VOLATILITY_WINDOW = 1_000_000;

function ticks(field: string, v: unknown, what: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > MAX_VOLATILITY_WINDOW)
    bad(field, v, `an integer number of ticks in [1, ${MAX_VOLATILITY_WINDOW}] (${what})`);
  return v as number;
}

function validateVolatility(path: string, v: unknown): MarginVolatilitySpec {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    bad(path, v, "undefined or an object { windowTicks, everyTicks, reference, maxMultiplier }");
  const o = v as MarginVolatilitySpec;
  const windowTicks = ticks(`${path}.windowTicks`, o.windowTicks, "the log-returns sigma is taken over");
  const everyTicks = ticks(`${path}.everyTicks`, o.everyTicks, "how often the multiplier is reviewed");
  const reference = o.reference;
  if (typeof reference !== "number" || !Number.isFinite(reference) || reference <= 0)
    bad(
      `${path}.reference`,
      reference,
      "a finite volatility per tick > 0 (the realised volatility of the mark's log-returns at which the base rates apply)",
    );
  const maxMultiplier = o.maxMultiplier;
  if (typeof maxMultiplier !== "number" || !Number.isFinite(maxMultiplier) || maxMultiplier < 1)
    bad(`${path}.maxMultiplier`, maxMultiplier, "a finite number >= 1 (1: the base rates, fixed margin)");
  return Object.freeze({ windowTicks, everyTicks, reference, maxMultiplier });
}

export function validateMargin(path: string, m: unknown): MarginSpec {
  if (m === null || typeof m !== "object")
    bad(path, m, "an object { initial, maintenance, tiers?, volatility? }");
  const o = m as MarginSpec;
  const initial = rate(`${path}.initial`, o.initial);
  const maintenance = rate(`${path}.maintenance`, o.maintenance);
  if (maintenance > initial) bad(`${path}.maintenance`, maintenance, `a rate in (0, initial = ${initial}]`);
  // the key only when given: a spec without it reads (and prints in a manifest) as before
  const volatility =
    o.volatility === undefined ? undefined : validateVolatility(`${path}.volatility`, o.volatility);
  const withVolatility = <T extends object>(spec: T): T =>
    Object.freeze(volatility === undefined ? spec : { ...spec, volatility });
  if (o.tiers === undefined) return withVolatility({ initial, maintenance });
  if (!Array.isArray(o.tiers))
    bad(`${path}.tiers`, o.tiers, "undefined or an array of { notionalAbove, initial, maintenance }");
  // An empty list would read as "this instrument has tiers" (tieredPartial accepted) while every
  // position sits in the flat bracket and is closed in full: refused, so the intent is explicit.
  if (o.tiers.length === 0)
    bad(
      `${path}.tiers`,
      o.tiers,
      "at least one tier { notionalAbove, initial, maintenance } (leave tiers out for flat rates initial / maintenance)",
    );
  const tiers: MarginTier[] = [];
  let prevAbove = -1;
  let prevI = initial;
  let prevM = maintenance;
  o.tiers.forEach((t, k) => {
    const p = memberPath(memberPath(path, "tiers"), String(k));
    if (t === null || typeof t !== "object") bad(p, t, "an object { notionalAbove, initial, maintenance }");
    const above = t.notionalAbove;
    if (typeof above !== "number" || !Number.isFinite(above) || above < 0 || above <= prevAbove) {
      bad(
        `${p}.notionalAbove`,
        above,
        k === 0
          ? "a finite number >= 0 (tier 0, the lowest: notionals above it use its rates, those up to it the flat initial / maintenance)"
          : `a finite number > the previous tier's (${prevAbove}); tiers sorted ascending`,
      );
    }
    const ti = rate(`${p}.initial`, t.initial);
    const tm = rate(`${p}.maintenance`, t.maintenance);
    if (ti < prevI) bad(`${p}.initial`, ti, `a rate in [${prevI}, 1] (rates non-decreasing across tiers)`);
    if (tm < prevM || tm > ti)
      bad(`${p}.maintenance`, tm, `a rate in [${prevM}, initial = ${ti}] (non-decreasing, <= initial)`);
    tiers.push(Object.freeze({ notionalAbove: above, initial: ti, maintenance: tm }));
    prevAbove = above;
    prevI = ti;
    prevM = tm;
  });
  return withVolatility({ initial, maintenance, tiers: Object.freeze(tiers) as MarginTier[] });
}

/**
 * The rates of `m` multiplied by `multiplier` (>= 1), each capped at 1: initial, maintenance and
 * every tier's (notionalAbove unchanged). Scaling keeps maintenance <= initial and the tiers' rates
 * non-decreasing, and the cumulative amounts are computed from the scaled rates (bracketAmount), so
 * the requirement stays continuous and convex in notional. `m` itself at multiplier 1 (no new
 * doubles); above 1 the result carries no volatility spec: it is the rates in force, not the rule.
 */
export function scaledMargin(m: MarginSpec, multiplier: number): MarginSpec {
  if (multiplier === 1) return m;
  const scale = (r: number) => Math.min(1, r * multiplier);
  const initial = scale(m.initial);
  const maintenance = scale(m.maintenance);
  if (m.tiers === undefined) return Object.freeze({ initial, maintenance });
  const tiers = m.tiers.map((t) =>
    Object.freeze({
      notionalAbove: t.notionalAbove,
      initial: scale(t.initial),
      maintenance: scale(t.maintenance),
    }),
  );
  return Object.freeze({ initial, maintenance, tiers: Object.freeze(tiers) as MarginTier[] });
}

/** An instrument's maxPrice when its spec gives none: 4 x initialPrice. */
export function defaultMaxPrice(initialPrice: number): number {
  return 4 * initialPrice;
}

/** Validates one instrument spec and fills the defaults. `taken` holds symbols already used. */
export function makeInstrument(id: number, spec: InstrumentSpec, taken: Set<string>): Instrument {
  const p = memberPath("instruments", String(id));
  if (spec === null || typeof spec !== "object") bad(p, spec, "an object { symbol, initialPrice, ... }");
  const { symbol, initialPrice } = spec;
  if (typeof symbol !== "string" || symbol.length === 0) bad(`${p}.symbol`, symbol, "a non-empty string");
  if (taken.has(symbol))
    bad(`${p}.symbol`, symbol, `a symbol not already used (${[...taken].join(", ")})`, "DUPLICATE_SYMBOL");
  if (!Number.isSafeInteger(initialPrice) || initialPrice < 1) {
    bad(`${p}.initialPrice`, initialPrice, "an integer number of ticks >= 1", "INVALID_PRICE");
  }
  const tickSize = spec.tickSize === undefined ? 0.01 : spec.tickSize;
  if (typeof tickSize !== "number" || !Number.isFinite(tickSize) || tickSize <= 0) {
    bad(`${p}.tickSize`, tickSize, "a finite number > 0");
  }
  const lotSize = spec.lotSize === undefined ? 1 : spec.lotSize;
  if (typeof lotSize !== "number" || !Number.isFinite(lotSize) || lotSize <= 0)
    bad(`${p}.lotSize`, lotSize, "a finite number > 0");
  const contractValue = spec.contractValue === undefined ? 1 : spec.contractValue;
  if (!Number.isSafeInteger(contractValue) || contractValue < 1) {
    bad(`${p}.contractValue`, contractValue, "an integer number of cash units >= 1");
  }
  const minPrice = spec.minPrice === undefined ? 1 : spec.minPrice;
  if (!Number.isSafeInteger(minPrice) || minPrice < 1 || minPrice > initialPrice) {
    bad(
      `${p}.minPrice`,
      minPrice,
      `an integer number of ticks in [1, initialPrice = ${initialPrice}]`,
      "INVALID_PRICE",
    );
  }
  const maxPrice = spec.maxPrice === undefined ? defaultMaxPrice(initialPrice) : spec.maxPrice;
  const hi = Math.min(minPrice + MAX_PRICE_LEVELS - 1, Math.floor(Number.MAX_SAFE_INTEGER / contractValue));
  if (!Number.isSafeInteger(maxPrice) || maxPrice < initialPrice || maxPrice > hi) {
    bad(
      `${p}.maxPrice`,
      maxPrice,
      `an integer number of ticks in [initialPrice = ${initialPrice}, ${hi}]`,
      "INVALID_PRICE",
    );
  }
  // undefined means the default; null is refused (validateMargin), as every field's null is
  const margin = validateMargin(
    `${p}.margin`,
    spec.margin === undefined ? { initial: 0.1, maintenance: 0.05 } : spec.margin,
  );
  taken.add(symbol);
  return Object.freeze({
    id,
    symbol,
    initialPrice,
    tickSize,
    lotSize,
    contractValue,
    minPrice,
    maxPrice,
    margin,
  });
}

type RateKey = "initial" | "maintenance";

/*
 * Each exported helper below reads the untiered case directly (m.maintenance, not m[key]): they
 * run for every position of every account checked, and the keyed read and two calls per position
 * cost ~2% of a study's run time.
 */

/** Rate of the bracket `notional` falls in: the highest tier whose notionalAbove it exceeds. */
function bracketRate(m: MarginSpec, key: RateKey, notional: number): number {
  const tiers = m.tiers;
  if (tiers !== undefined) {
    for (let k = tiers.length - 1; k >= 0; k--) if (notional > tiers[k].notionalAbove) return tiers[k][key];
  }
  return m[key];
}

/**
 * Binance's cumulative ("maintenance") amount of the bracket `notional` falls in:
 * amount_k = amount_{k-1} + notionalAbove_k x (rate_k - rate_{k-1}), amount_0 = 0.
 * Subtracting it from notional x rate_k makes the requirement continuous at every boundary.
 */
function bracketAmount(m: MarginSpec, key: RateKey, notional: number): number {
  const tiers = m.tiers;
  if (tiers === undefined) return 0;
  let amount = 0;
  let prev = m[key];
  for (const t of tiers) {
    if (!(notional > t.notionalAbove)) break;
    amount += t.notionalAbove * (t[key] - prev);
    prev = t[key];
  }
  return amount;
}

/** Initial rate of the bracket of a position of `notional` cash units (at mark): the marginal rate. */
export function initialRate(m: MarginSpec, notional: number): number {
  return m.tiers === undefined ? m.initial : bracketRate(m, "initial", notional);
}

/** Maintenance rate of the bracket of a position of `notional` cash units (at mark): the marginal rate. */
export function maintenanceRate(m: MarginSpec, notional: number): number {
  return m.tiers === undefined ? m.maintenance : bracketRate(m, "maintenance", notional);
}

/** Cumulative initial amount of that bracket (0 below the first tier and without tiers). */
export function initialAmount(m: MarginSpec, notional: number): number {
  return m.tiers === undefined ? 0 : bracketAmount(m, "initial", notional);
}

/** Binance's maintenance amount of that bracket (0 below the first tier and without tiers). */
export function maintenanceAmount(m: MarginSpec, notional: number): number {
  return m.tiers === undefined ? 0 : bracketAmount(m, "maintenance", notional);
}

/**
 * Initial margin of a position of `notional`: notional x rate_k - amount_k (k its bracket).
 * Continuous, piecewise linear and convex in notional, like maintenanceMargin.
 */
export function initialMargin(m: MarginSpec, notional: number): number {
  if (m.tiers === undefined) return notional * m.initial;
  return notional * bracketRate(m, "initial", notional) - bracketAmount(m, "initial", notional);
}

/**
 * Maintenance margin of a position of `notional` (Binance USD-M): notional x rate_k - amount_k.
 * Rates are non-decreasing across tiers, so this is continuous, piecewise linear and convex in
 * notional (the maximum over k of the lines notional x rate_k - amount_k), 0 at 0. Without tiers
 * it is exactly notional x rate (amount 0).
 */
export function maintenanceMargin(m: MarginSpec, notional: number): number {
  if (m.tiers === undefined) return notional * m.maintenance;
  return notional * bracketRate(m, "maintenance", notional) - bracketAmount(m, "maintenance", notional);
}
