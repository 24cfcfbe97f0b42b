/**
 * Up-front validation of an experiment definition. Every problem is a ValidationError (from
 * @cascade/core) naming the path (`variants.partial.liquidation.amount.fraction`,
 * `sweep["populations.2.leverage"].1`, `variants["cf 30"].ticks`), the value and what is allowed. Nothing runs and nothing
 * is written before this passes. Policies and populations are checked by their own packages'
 * validators (validatePolicySpec, validatePopulationSpec, validateFundamentalSpec).
 */
import {
  buildPopulation,
  POPULATION_SCHEMA,
  type PopulationSpec,
  populationLabel,
  validateFundamentalSpec,
  validatePopulationSpec,
} from "@cascade/agents";
import {
  CascadeError,
  type Dist,
  deferredBody,
  distMax,
  distMin,
  formatValue,
  memberPath,
  nearestName,
  Rng,
  suggestName,
  ValidationError,
  validateDist,
} from "@cascade/core";
import {
  checkedKey,
  checkedLots,
  holdingsOf,
  type PolicySpec,
  readOnlyHoldings,
  validatePolicySpec,
} from "@cascade/liquidation";
import {
  BUY,
  defaultMaxPrice,
  exactFeeBps,
  FEE_DECIMALS,
  type InstrumentSpec,
  makeInstrument,
  SELL,
  validateMarkSpec,
} from "@cascade/market";
import { MAX_REPLICATIONS } from "./limits.js";
import { metricColumns } from "./metrics.js";
import { checkOptionKeys } from "./option-checks.js";
import {
  clone,
  deepMerge,
  getPath,
  hasPath,
  isPlainObject,
  normalSweepKey,
  setPath,
  splitPath,
  sweepPaths,
  toJsonValue,
} from "./paths.js";
import {
  BUILTIN_METRICS,
  type BuiltInMetric,
  type CustomMetric,
  type ExperimentDefinition,
  type MetricInfo,
  type ShockSpec,
  type Simulator,
  type WorldConfig,
} from "./types.js";
import { openMarket } from "./world.js";

const CTX = "invalid experiment";

const TOP_KEYS = [
  "name",
  "description",
  "seed",
  "market",
  "fundamentals",
  "populations",
  "shocks",
  "liquidation",
  "variants",
  "baseline",
  "sweep",
  "sweepReference",
  "replications",
  "ticks",
  "sampleEvery",
  "recoveryThreshold",
  "depthBand",
  "metrics",
  "simulate",
] as const;
const WORLD_KEYS = [
  "market",
  "fundamentals",
  "populations",
  "shocks",
  "liquidation",
  "ticks",
  "sampleEvery",
  "recoveryThreshold",
  "depthBand",
] as const;
const VARIANT_KEYS = ["description", ...WORLD_KEYS];
const INSTRUMENT_KEYS = [
  "symbol",
  "initialPrice",
  "tickSize",
  "lotSize",
  "contractValue",
  "minPrice",
  "maxPrice",
  "margin",
];
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const VARIANT_RE = /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,99}$/;
const SYMBOL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
const METRIC_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
// a segment may be an instrument's symbol (letters, digits, _ -) or * (every instrument)
const PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z0-9_-]+|\*))*$/;

function fail(code: string, path: string, value: unknown, allowed: string): never {
  throw new ValidationError(code, path, value, allowed, CTX);
}

function join(prefix: string, key: string | number): string {
  return prefix === "" ? String(key) : `${prefix}.${key}`;
}

function object(path: string, v: unknown, keys: readonly string[], required: readonly string[] = []) {
  if (!isPlainObject(v)) fail("INVALID_TYPE", path, v, `an object with keys ${keys.join(", ")}`);
  for (const k of Object.keys(v)) {
    if (!keys.includes(k))
      fail(
        "UNKNOWN_KEY",
        memberPath(path, k),
        v[k],
        `one of the keys ${keys.join(", ")}${suggestName(k, keys)}`,
      );
  }
  for (const k of required) {
    if (v[k] === undefined) fail("MISSING", join(path, k), undefined, describeRequired(k));
  }
  return v;
}

/** What a required key takes, for the message when it is missing. */
const REQUIRED_WHAT: Record<string, string> = {
  name: "an identifier of letters, digits, . _ - (it also names the output folder results/<name>)",
  seed: "the root seed, an integer >= 0",
  market: "{ instruments: [{ symbol, initialPrice, margin }, ...] }",
  fundamentals: '{ kind: "meanReverting" or "randomWalk", volatility, ... }',
  populations: "a list of populations (marketMakers(...), noiseTraders(...), leveragedTraders(...), ...)",
  liquidation:
    "the base policy, e.g. presets.fullClose() (optional only when every variant is a policy or sets its own liquidation)",
  replications: `an integer in [1, ${MAX_REPLICATIONS}] (runs per variant and sweep point)`,
  ticks: "an integer >= 1 (the length of a run)",
};

function describeRequired(k: string): string {
  return `${REQUIRED_WHAT[k] ?? "a value"} (${k} is required)`;
}

function int(path: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    fail(typeof v === "number" ? "INVALID_VALUE" : "INVALID_TYPE", path, v, `an integer in [${min}, ${max}]`);
  }
  return v;
}

function num(path: string, v: unknown, lo: number, hi: number, loOpen = false, hiOpen = false): number {
  const ok =
    typeof v === "number" && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok) {
    fail(
      typeof v === "number" ? "INVALID_VALUE" : "INVALID_TYPE",
      path,
      v,
      `a number in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}${lo === 0 && hi === 1 ? percentHint(v) : ""}`,
    );
  }
  return v as number;
}

/** " (a fraction: 10% is 0.1)" for a value in (1, 100] where a fraction belongs: a percent, likely. */
function percentHint(v: unknown): string {
  return typeof v === "number" && v > 1 && v <= 100 ? ` (a fraction: ${v}% is ${v / 100})` : "";
}

function str(path: string, v: unknown, re?: RegExp, what = "a string"): string {
  if (typeof v !== "string" || (re && !re.test(v))) fail("INVALID_VALUE", path, v, what);
  return v as string;
}

function array(path: string, v: unknown, minLength = 0, what = "an array"): unknown[] {
  if (!Array.isArray(v) || v.length < minLength) {
    fail("INVALID_TYPE", path, v, minLength > 0 ? `an array of at least ${minLength} item(s)` : what);
  }
  return v as unknown[];
}

/** What a world's list holds, for a value that is no list; a variant's replaces the base's whole. */
function worldList(path: string, holds: string): string {
  return `a list of ${holds}${path.startsWith("variants") ? "; a variant's list replaces the base's whole: give every one" : ""}`;
}

const VOLATILITY_KEYS = ["windowTicks", "everyTicks", "reference", "maxMultiplier"];

/**
 * The margin's shape (keys); its rates and the volatility rule's values are the venue's rules,
 * checked by makeInstrument below. A volatility rule whose first review falls after the run (a
 * window longer than the run never fills; reviews on multiples of everyTicks may all come after
 * the last tick) would leave the margin fixed as written: refused.
 */
function validateMargin(path: string, v: unknown, ticks: number): void {
  const m = object(path, v, ["initial", "maintenance", "tiers", "volatility"], ["initial", "maintenance"]);
  if (m.volatility !== undefined) validateVolatilityReviews(`${path}.volatility`, m.volatility, ticks);
  if (m.tiers === undefined) return;
  array(`${path}.tiers`, m.tiers).forEach((t, i) => {
    object(
      `${path}.tiers.${i}`,
      t,
      ["notionalAbove", "initial", "maintenance"],
      ["notionalAbove", "initial", "maintenance"],
    );
  });
}

/**
 * The first review of a volatility-linked margin, at the first multiple of everyTicks from
 * windowTicks on (VolatilityMultiplier), must fall within the run. Non-integers are left to
 * makeInstrument's message.
 */
function validateVolatilityReviews(path: string, v: unknown, ticks: number): void {
  const vol = object(path, v, VOLATILITY_KEYS, VOLATILITY_KEYS);
  const window = vol.windowTicks as number;
  const every = vol.everyTicks as number;
  if (!Number.isSafeInteger(window) || window < 1) return;
  const fixed = "and the margin would stay at its base rates for the whole run";
  if (window > ticks)
    fail(
      "INVALID_VALUE",
      `${path}.windowTicks`,
      window,
      `an integer number of ticks in [1, ticks = ${ticks}]: a longer window never fills, ${fixed}`,
    );
  if (!Number.isSafeInteger(every) || every < 1) return;
  const firstReview = Math.ceil(window / every) * every;
  if (firstReview > ticks)
    fail(
      "INVALID_VALUE",
      `${path}.everyTicks`,
      every,
      `an integer number of ticks whose first review falls within the run, ticks = ${ticks}: at everyTicks = ${every} the first review, the first multiple of everyTicks from windowTicks = ${window} on, would be at tick ${firstReview}, ${fixed} (every everyTicks up to ticks - windowTicks + 1 = ${ticks - window + 1} has one)`,
    );
}

function validateMarket(path: string, v: unknown, ticks: number): WorldConfig["market"] {
  const m = object(path, v, ["instruments", "fees", "mark"], ["instruments"]);
  const instruments = array(`${path}.instruments`, m.instruments, 1);
  const seen = new Set<string>();
  instruments.forEach((raw, i) => {
    const p = `${path}.instruments.${i}`;
    const o = object(p, raw, INSTRUMENT_KEYS, ["symbol", "initialPrice"]);
    const sym = str(
      `${p}.symbol`,
      o.symbol,
      SYMBOL_RE,
      "a symbol of letters, digits, . _ - (starting with a letter or digit, max 32)",
    );
    if (seen.has(sym))
      fail("DUPLICATE_SYMBOL", `${p}.symbol`, sym, "a symbol not used by another instrument");
    seen.add(sym);
    const minPrice = o.minPrice === undefined ? 1 : int(`${p}.minPrice`, o.minPrice, 1);
    const initial = int(`${p}.initialPrice`, o.initialPrice, minPrice, 1e9);
    if (o.maxPrice !== undefined) int(`${p}.maxPrice`, o.maxPrice, initial + 1, 1e9);
    if (o.tickSize !== undefined) num(`${p}.tickSize`, o.tickSize, 0, Number.MAX_SAFE_INTEGER, true);
    if (o.lotSize !== undefined) num(`${p}.lotSize`, o.lotSize, 0, Number.MAX_SAFE_INTEGER, true);
    if (o.contractValue !== undefined) int(`${p}.contractValue`, o.contractValue, 1, 1e9);
    if (o.margin !== undefined) validateMargin(`${p}.margin`, o.margin, ticks);
    // The venue's own rules (price band of 2^25 levels, notional exact in 2^53, non-decreasing
    // margin tiers...) are the final word: an instrument it would refuse is refused here, with the
    // experiment's path, not midway through a run.
    try {
      makeInstrument(i, o as unknown as InstrumentSpec, new Set());
    } catch (e) {
      if (!(e instanceof CascadeError)) throw e;
      const field = e.field.replace(/^instruments\.\d+/, p);
      const note =
        field.endsWith(".maxPrice") && o.maxPrice === undefined
          ? " (maxPrice defaults to 4 x initialPrice)"
          : "";
      fail(e.code, field, e.value, `${e.allowed}${note}`);
    }
  });
  if (m.fees !== undefined) {
    const f = object(`${path}.fees`, m.fees, ["makerBps", "takerBps"], ["makerBps", "takerBps"]);
    for (const [k, lo] of [
      ["makerBps", -100],
      ["takerBps", 0],
    ] as const) {
      const bps = num(`${path}.fees.${k}`, f[k], lo, 1000);
      if (!exactFeeBps(bps))
        fail(
          "INVALID_VALUE",
          `${path}.fees.${k}`,
          bps,
          `a number of basis points in [${lo}, 1000] with at most ${FEE_DECIMALS} decimals`,
        );
    }
    // A maker rebate is paid out of the taker's fee: both sides paid would drain the fee account.
    const [maker, taker] = [f.makerBps as number, f.takerBps as number];
    if (maker + taker < 0)
      fail(
        "INVALID_VALUE",
        `${path}.fees.makerBps`,
        maker,
        `a rebate no larger than the taker fee: makerBps >= -takerBps = ${0 - taker} (takerBps + makerBps >= 0; no venue pays both sides of a trade, and its fee account would go below zero)`,
      );
  }
  if (m.mark !== undefined) {
    const mk = object(`${path}.mark`, m.mark, ["kind", "emaAlpha"], ["kind"]);
    str(`${path}.mark.kind`, mk.kind, /^(mid|last|ema|oracle)$/, 'one of "mid", "last", "ema", "oracle"');
    if (mk.emaAlpha !== undefined) num(`${path}.mark.emaAlpha`, mk.emaAlpha, 0, 1, true);
    // The venue's rule (emaAlpha with "ema" alone) is the final word, with the experiment's path. A
    // variant's mark is merged onto the base's, so a base emaAlpha reaches a variant of another kind.
    try {
      validateMarkSpec(mk);
    } catch (e) {
      if (!(e instanceof CascadeError)) throw e;
      const note = e.field.endsWith(".emaAlpha")
        ? '; to compare marks, sweep "market.mark" over whole marks, or write the mark in each variant and no emaAlpha in the base'
        : "";
      fail(e.code, e.field.replace(/^mark/, `${path}.mark`), e.value, `${e.allowed}${note}`);
    }
  }
  return m as unknown as WorldConfig["market"];
}

const SHOCK_KINDS = ["fundamentalDrop", "marketSell", "correlatedCrash"];

/** What an instrument field allows, in one wording for populations and shocks alike. */
function instrumentAllowed(symbols: readonly string[]): string {
  return `one of the instruments ${symbols.map((s) => JSON.stringify(s)).join(", ")}`;
}

function validateShocks(path: string, v: unknown, symbols: readonly string[], ticks: number): ShockSpec[] {
  const list = array(
    path,
    v,
    0,
    worldList(path, 'shocks ([{ kind: "fundamentalDrop", instrument, atTick, fraction }, ...])'),
  );
  const symAllowed = instrumentAllowed(symbols);
  list.forEach((raw, i) => {
    const p = `${path}.${i}`;
    if (!isPlainObject(raw)) fail("INVALID_TYPE", p, raw, "a shock object { kind, atTick, ... }");
    const kind = raw.kind;
    if (kind === "fundamentalDrop") {
      object(
        p,
        raw,
        ["kind", "instrument", "atTick", "fraction", "permanent", "overTicks"],
        ["instrument", "atTick", "fraction"],
      );
      if (!symbols.includes(raw.instrument as string))
        fail(
          "UNKNOWN_INSTRUMENT",
          `${p}.instrument`,
          raw.instrument,
          symAllowed + suggestName(raw.instrument, symbols),
        );
      shockFraction(`${p}.fraction`, raw.fraction, true);
    } else if (kind === "marketSell") {
      object(
        p,
        raw,
        ["kind", "instrument", "atTick", "quantity", "overTicks"],
        ["instrument", "atTick", "quantity"],
      );
      if (!symbols.includes(raw.instrument as string))
        fail(
          "UNKNOWN_INSTRUMENT",
          `${p}.instrument`,
          raw.instrument,
          symAllowed + suggestName(raw.instrument, symbols),
        );
      shockQuantity(`${p}.quantity`, raw.quantity);
    } else if (kind === "correlatedCrash") {
      object(p, raw, ["kind", "atTick", "fractions", "permanent", "overTicks"], ["atTick", "fractions"]);
      const fr = raw.fractions;
      if (!isPlainObject(fr) || Object.keys(fr).length === 0) {
        fail("INVALID_TYPE", `${p}.fractions`, fr, "an object { symbol: drop fraction in (0, 1) }");
      }
      for (const [s, f] of Object.entries(fr)) {
        if (!symbols.includes(s))
          fail("UNKNOWN_INSTRUMENT", `${p}.fractions.${s}`, s, symAllowed + suggestName(s, symbols));
        shockFraction(`${p}.fractions.${s}`, f, false);
      }
    } else {
      fail(
        "INVALID_VALUE",
        `${p}.kind`,
        kind,
        `"fundamentalDrop", "marketSell" or "correlatedCrash"${suggestName(kind, SHOCK_KINDS)}`,
      );
    }
    if (raw.permanent !== undefined && typeof raw.permanent !== "boolean") {
      fail("INVALID_TYPE", `${p}.permanent`, raw.permanent, "true or false");
    }
    const atTick = int(`${p}.atTick`, raw.atTick, 1, ticks);
    if (raw.overTicks !== undefined) shockDuration(`${p}.overTicks`, raw.overTicks, atTick, ticks);
  });
  return list as ShockSpec[];
}

/**
 * A shock's duration: an integer number of ticks >= 1, or a uniformInt / choice of such integers
 * drawn per run, that ends within the run (atTick + overTicks - 1 <= ticks) at its longest.
 */
function shockDuration(path: string, v: unknown, atTick: number, ticks: number): void {
  const most = ticks - atTick + 1;
  const allowed = `an integer number of ticks in [1, ${most}], or a { dist: "uniformInt", min, max } or { dist: "choice", values } of such integers drawn per run (the shock must end within the run: atTick + overTicks - 1 <= ticks = ${ticks}, with atTick = ${atTick})`;
  if (typeof v === "number" || !isPlainObject(v)) {
    if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > most)
      fail(typeof v === "number" ? "INVALID_VALUE" : "INVALID_TYPE", path, v, allowed);
    return;
  }
  const d = validateDist(path, v);
  const whole =
    typeof d === "object" &&
    (d.dist === "uniformInt" || (d.dist === "choice" && d.values.every(Number.isSafeInteger)));
  if (!whole || !(distMin(d) >= 1) || !(distMax(d) <= most))
    fail("INVALID_VALUE", path, v, `${allowed}; this one reaches ${distMin(d)}..${distMax(d)}`);
}

/**
 * A shock's drop fraction: a number in (0, 1) ([0, 1) in a correlatedCrash, where a 0 leaves one
 * instrument alone), or a distribution drawn per run whose every value lies there.
 */
function shockFraction(path: string, v: unknown, open: boolean): void {
  if (typeof v === "number" || !isPlainObject(v)) {
    num(path, v, 0, 1, open, true);
    return;
  }
  const d = validateDist(path, v, 0, 1);
  const lo = distMin(d);
  const hi = distMax(d);
  if ((open ? !(lo > 0) : !(lo >= 0)) || !(hi < 1))
    fail(
      "INVALID_VALUE",
      path,
      v,
      `a number in ${open ? "(" : "["}0, 1) or a distribution drawn per run whose every value lies there (this one reaches ${lo}..${hi})`,
    );
}

/** A marketSell's lots: an integer in [1, 1e12], or a uniformInt / choice of such integers drawn per run. */
function shockQuantity(path: string, v: unknown): void {
  if (typeof v === "number" || !isPlainObject(v)) {
    int(path, v, 1, 1e12);
    return;
  }
  const d = validateDist(path, v, 1, 1e12);
  const whole =
    typeof d === "object" &&
    (d.dist === "uniformInt" || (d.dist === "choice" && d.values.every(Number.isSafeInteger)));
  if (!whole || !Number.isSafeInteger(distMin(d)) || !Number.isSafeInteger(distMax(d)))
    fail(
      "INVALID_VALUE",
      path,
      v,
      'an integer number of lots in [1, 1e12], or a { dist: "uniformInt", min, max } or { dist: "choice", values } of such integers, drawn per run',
    );
}

/** Validates one run's world config; returns a copy with defaults filled in. */
function validateWorld(prefix: string, raw: Record<string, unknown>): WorldConfig {
  return checkWorld(prefix, raw, false) as WorldConfig;
}

/** validateWorld, for the base config too: without a policy when every variant brings its own. */
function checkWorld(prefix: string, raw: Record<string, unknown>, policyOptional: boolean): BaseConfig {
  const at = (k: string) => join(prefix, k);
  const optional = ["shocks", "sampleEvery", "recoveryThreshold", "depthBand"];
  if (policyOptional) optional.push("liquidation");
  for (const k of WORLD_KEYS) {
    if (raw[k] === undefined && !optional.includes(k)) {
      fail("MISSING", at(k), undefined, describeRequired(k));
    }
  }
  const ticks = int(at("ticks"), raw.ticks, 1, 1e9);
  const market = validateMarket(at("market"), raw.market, ticks);
  const symbols = market.instruments.map((i) => i.symbol);
  validateFundamentalSpec(at("fundamentals"), raw.fundamentals, symbols.length);
  const pops = array(
    at("populations"),
    raw.populations,
    0,
    worldList(at("populations"), "populations (marketMakers(...), noiseTraders(...), ...)"),
  );
  pops.forEach((p, i) => {
    const path = `${at("populations")}.${i}`;
    validatePopulationSpec(path, p);
    // A single wake after the run's end: the population never acts (a tick count lowered for a
    // quick look, say), which nothing else would show.
    const once = (p as { activation?: { once?: unknown } }).activation?.once;
    if (once !== undefined && distMin(once as Dist) > ticks)
      fail(
        "INVALID_VALUE",
        `${path}.activation.once`,
        once,
        `a tick the run reaches (at most ticks = ${ticks}): as written no agent of population ${i} ever acts`,
      );
    const ins = (p as { instruments?: unknown }).instruments;
    if (Array.isArray(ins)) {
      ins.forEach((s, j) => {
        if (!symbols.includes(s as string)) {
          fail(
            "UNKNOWN_INSTRUMENT",
            `${path}.instruments.${j}`,
            s,
            `${instrumentAllowed(symbols)}${suggestName(s, symbols)}`,
          );
        }
      });
    }
  });
  const shocks = raw.shocks === undefined ? [] : validateShocks(at("shocks"), raw.shocks, symbols, ticks);
  if (raw.liquidation !== undefined) validatePolicySpec(at("liquidation"), raw.liquidation);
  // Tiered liquidation reduces a position to the next lower margin tier; without tiers every
  // position is in the lowest bracket, closed in full: the policy would be fullClose by another name.
  const amount = (raw.liquidation as { amount?: { kind?: unknown } } | undefined)?.amount;
  if (amount?.kind === "tiered" && !market.instruments.some((i) => i.margin?.tiers !== undefined)) {
    fail(
      "INVALID_VALUE",
      `${at("liquidation")}.amount.kind`,
      "tiered",
      `a policy the market supports: tiered (tieredPartial) needs margin.tiers on some instrument of market.instruments (none has any, so every position would be closed in full; give them tiers, or use fullClose)`,
    );
  }
  const sampleEvery = raw.sampleEvery === undefined ? 1 : int(at("sampleEvery"), raw.sampleEvery, 1, ticks);
  const recoveryThreshold =
    raw.recoveryThreshold === undefined
      ? 0.05
      : num(at("recoveryThreshold"), raw.recoveryThreshold, 0, 1, true, true);
  const depthBand = raw.depthBand === undefined ? 0.01 : num(at("depthBand"), raw.depthBand, 0, 1);
  const out = clone(raw) as unknown as BaseConfig;
  checkDeposits(prefix, out);
  out.market.fees ??= { makerBps: 0, takerBps: 0 };
  out.market.mark ??= { kind: "mid" };
  for (const ins of out.market.instruments) {
    ins.tickSize ??= 0.01;
    ins.lotSize ??= 1;
    ins.contractValue ??= 1;
    ins.minPrice ??= 1;
    ins.margin ??= { initial: 0.1, maintenance: 0.05 };
  }
  out.shocks = shocks.length === 0 ? [] : out.shocks;
  out.sampleEvery = sampleEvery;
  out.recoveryThreshold = recoveryThreshold;
  out.depthBand = depthBand;
  return out;
}

function isPolicyShorthand(v: unknown): boolean {
  return isPlainObject(v) && ("trigger" in v || "amount" in v || "execution" in v);
}

/** The top-level world config: without a policy when every variant is one (or sets its own). */
export type BaseConfig = Omit<WorldConfig, "liquidation"> & { liquidation?: WorldConfig["liquidation"] };

export interface ValidatedVariant {
  name: string;
  description: string;
  /** The variant as written (JSON-safe), for the manifest. */
  overrides: unknown;
  config: WorldConfig;
}

export interface SweepPlan {
  params: string[];
  values: unknown[][];
  /** Grid points in row-major order (last parameter fastest). */
  points: unknown[][];
  /**
   * One variant: the swept parameter whose first value is each point's reference in comparison.csv
   * (the other parameters equal), or null: point 0.
   */
  reference: string | null;
}

export interface ValidatedExperiment {
  definition: ExperimentDefinition;
  name: string;
  description: string;
  seed: number;
  replications: number;
  base: BaseConfig;
  variants: ValidatedVariant[];
  baseline: number;
  sweep: SweepPlan;
  builtIn: BuiltInMetric[];
  custom: Array<[string, CustomMetric]>;
  /** The description and unit each custom metric declared (only those that declared one). */
  metricInfo: Record<string, MetricInfo>;
  /** Union of instrument symbols over the variants, in order of appearance. */
  symbols: string[];
  /** metrics.headline as given (null: the default table). */
  headline: string[] | null;
  simulate?: Simulator;
}

export interface ValidateOverrides {
  replications?: number;
  seed?: number;
}

const VALIDATE_OVERRIDES = ["replications", "seed"] as const satisfies ReadonlyArray<keyof ValidateOverrides>;

/**
 * Validates an experiment (the default export of an experiment file) and resolves every variant's
 * config. `overrides` are the CLI's --replications / --seed (validated under those flag names).
 */
export function validateExperiment(def: unknown, overrides: ValidateOverrides = {}): ValidatedExperiment {
  // A script without a type check must not lose a typo (replication) silently.
  checkOptionKeys(overrides, VALIDATE_OVERRIDES, "invalid experiment");
  if (!isPlainObject(def))
    fail(
      "INVALID_TYPE",
      "default export",
      def,
      `defineExperiment({...}): an object with keys ${TOP_KEYS.join(", ")}`,
    );
  const d = object("", def, TOP_KEYS, [
    "name",
    "seed",
    "market",
    "fundamentals",
    "populations",
    "replications",
    "ticks",
  ]);
  // The base policy may be left out only when no run would use it.
  if (d.liquidation === undefined) {
    const variantList = isPlainObject(d.variants) ? Object.entries(d.variants) : [];
    const without = variantList.find(
      ([, v]) => !isPolicyShorthand(v) && !(isPlainObject(v) && v.liquidation !== undefined),
    );
    // (a variants value that is no object, or an empty one, gets its own message below)
    // A misspelt key there (`liquidaton`) is the researcher's mistake: name it, not the base policy.
    if (without !== undefined && isPlainObject(without[1]))
      object(memberPath("variants", without[0]), without[1], VARIANT_KEYS);
    if (d.variants === undefined || without !== undefined)
      fail(
        "MISSING",
        "liquidation",
        undefined,
        `${describeRequired("liquidation")}${without !== undefined ? `: ${memberPath("variants", without[0])} sets none` : ""}`,
      );
  }
  const name = str(
    "name",
    d.name,
    NAME_RE,
    "an identifier of letters, digits, . _ - (starting with a letter or digit, max 100)",
  );
  const description = d.description === undefined ? "" : str("description", d.description);
  const seed = overrides.seed !== undefined ? int("options.seed", overrides.seed, 0) : int("seed", d.seed, 0);
  const replications =
    overrides.replications !== undefined
      ? int("options.replications", overrides.replications, 1, MAX_REPLICATIONS)
      : int("replications", d.replications, 1, MAX_REPLICATIONS);
  if (d.simulate !== undefined && (typeof d.simulate !== "function" || deferredBody(d.simulate) !== null)) {
    fail(
      "INVALID_TYPE",
      "simulate",
      d.simulate,
      "a function (config, rng, run) => RunRecords, not async or a generator",
    );
  }

  const baseRaw: Record<string, unknown> = {};
  for (const k of WORLD_KEYS) if (d[k] !== undefined) baseRaw[k] = d[k];
  const base = checkWorld("", baseRaw, d.liquidation === undefined);

  // Variants
  const variants: ValidatedVariant[] = [];
  // Where each policy was written, to try its trigger if custom (the base's first).
  const policies: Array<{ path: string; policy: unknown; config: WorldConfig }> = [];
  // With a base policy (always there without variants) the base is a whole world config.
  if (d.liquidation !== undefined)
    policies.push({ path: "liquidation", policy: d.liquidation, config: base as WorldConfig });
  if (d.variants === undefined) {
    variants.push({ name: "default", description: "", overrides: {}, config: base as WorldConfig });
  } else {
    if (!isPlainObject(d.variants) || Object.keys(d.variants).length === 0) {
      fail(
        "INVALID_TYPE",
        "variants",
        d.variants,
        "an object { name: policy or overrides } with at least one variant",
      );
    }
    for (const [vname, raw] of Object.entries(d.variants)) {
      const p = memberPath("variants", vname);
      str(
        p,
        vname,
        VARIANT_RE,
        "a variant name of letters, digits, space . _ + - (starting with a letter or digit, max 100)",
      );
      let over: Record<string, unknown>;
      // a preset's name ("fullClose") where its policy belongs: the policy check says to call it
      if (typeof raw === "string") validatePolicySpec(p, raw);
      if (isPolicyShorthand(raw)) {
        // { ...presets.x(), ticks: 500 } is a policy with a stray key: say how to write both
        const stray = Object.keys(raw as object).find((k) => VARIANT_KEYS.includes(k));
        if (stray !== undefined)
          fail(
            "UNKNOWN_KEY",
            `${p}.${stray}`,
            (raw as Record<string, unknown>)[stray],
            `a key of a policy, since this variant is written as one (it has trigger, amount or execution); to change ${stray} too, write the variant as overrides: { liquidation: policy, ${stray}: ... }`,
          );
        validatePolicySpec(p, raw);
        over = { liquidation: raw };
      } else {
        refuseDottedKey(p, raw);
        over = object(p, raw, VARIANT_KEYS);
        if (over.liquidation !== undefined) validatePolicySpec(`${p}.liquidation`, over.liquidation);
        if (over.description !== undefined) str(`${p}.description`, over.description);
      }
      const merged = deepMerge(baseRaw, withoutKeys(over, ["description", "liquidation"])) as Record<
        string,
        unknown
      >;
      if (over.liquidation !== undefined) merged.liquidation = clone(over.liquidation);
      const config = validateWorld(p, merged);
      if (over.liquidation !== undefined)
        policies.push({
          path: isPolicyShorthand(raw) ? p : `${p}.liquidation`,
          policy: over.liquidation,
          config,
        });
      variants.push({
        name: vname,
        description: typeof over.description === "string" ? over.description : "",
        overrides: toJsonValue(raw),
        config,
      });
    }
  }
  refuseRepeatedVariants(variants);
  // A custom population's create runs only when a run builds its world: try it here once per
  // variant, so `cascade validate` catches a create that throws or returns no act function.
  // Variants that differ only elsewhere (a policy) would build the same agents again: once is enough.
  // The error names where the population was written: the variant's populations when it sets
  // them, else the top-level ones (with the variant named when its market is what may break them).
  const tried = { keys: new Set<string>(), functions: new Map<unknown, number>() };
  if (d.simulate === undefined) {
    if (d.variants === undefined) tryCustomAgents("", base as WorldConfig, seed, tried);
    else
      for (const v of variants) {
        const over = isPlainObject(v.overrides) ? v.overrides : {};
        if (over.populations !== undefined)
          tryCustomAgents(memberPath("variants", v.name), v.config, seed, tried);
        else tryCustomAgents("", v.config, seed, tried, over.market !== undefined ? v.name : undefined);
      }
    const tests = new Set<unknown>();
    for (const { path, policy, config } of policies) tryCustomParts(path, policy, config, seed, tests);
  }
  let baseline = 0;
  if (d.baseline !== undefined) {
    baseline = variants.findIndex((v) => v.name === d.baseline);
    if (baseline < 0)
      fail(
        "UNKNOWN_VARIANT",
        "baseline",
        d.baseline,
        `one of the variants ${variants.map((v) => JSON.stringify(v.name)).join(", ")}${suggestName(
          d.baseline,
          variants.map((v) => v.name),
        )}`,
      );
  }

  // Each swept value is tried too (a count or a param may break create only there).
  const sweep = validateSweep(
    d.sweep,
    base,
    variants,
    d.simulate === undefined ? (cfg) => tryCustomAgents("", cfg, seed, tried) : undefined,
  );
  if (d.sweepReference !== undefined) {
    if (typeof d.sweepReference !== "string" || !sweep.params.includes(d.sweepReference)) {
      fail(
        "INVALID_VALUE",
        "sweepReference",
        d.sweepReference,
        sweep.params.length > 0
          ? `one of the swept parameters ${sweep.params.map((p) => JSON.stringify(p)).join(", ")}${suggestName(d.sweepReference, sweep.params)}`
          : "undefined: the experiment has no sweep",
      );
    }
    sweep.reference = d.sweepReference as string;
  }
  const { builtIn, custom, metricInfo, headline } = validateMetrics(d.metrics, sweep.params);
  const symbols: string[] = [];
  for (const v of variants)
    for (const i of v.config.market.instruments) if (!symbols.includes(i.symbol)) symbols.push(i.symbol);

  return {
    definition: d as unknown as ExperimentDefinition,
    name,
    description,
    seed,
    replications,
    base,
    variants,
    baseline,
    sweep,
    builtIn,
    custom,
    metricInfo,
    symbols,
    headline: validateHeadline(headline, metricColumns(builtIn, symbols, custom), symbols),
    simulate: d.simulate as Simulator | undefined,
  };
}

function validateHeadline(
  raw: unknown,
  columns: readonly string[],
  symbols: readonly string[],
): string[] | null {
  if (raw === undefined) return null;
  const list = array(
    "metrics.headline",
    raw,
    0,
    'a list of metric columns, e.g. ["liquidated_notional", "bad_debt"]',
  );
  if (columns.length === 0)
    fail(
      "INVALID_VALUE",
      "metrics.headline",
      raw,
      "none (this experiment has no metric columns: metrics.builtIn is [] and there are no custom metrics; leave metrics.headline out)",
    );
  const allowed = `metric columns of this experiment: ${columns.join(", ")}`;
  if (list.length === 0) fail("INVALID_VALUE", "metrics.headline", raw, `a non-empty list of ${allowed}`);
  list.forEach((x, i) => {
    if (typeof x !== "string" || !columns.includes(x)) {
      // A built-in metric that metrics.builtIn leaves out: say so, not only that it is unknown.
      const left = metricColumns(BUILTIN_METRICS, symbols, []).includes(x as string)
        ? ` (${x} is a built-in metric that metrics.builtIn leaves out)`
        : "";
      fail("UNKNOWN_METRIC", `metrics.headline.${i}`, x, allowed + left + suggestName(x, columns));
    }
    if (list.indexOf(x) !== i)
      fail("DUPLICATE_METRIC", `metrics.headline.${i}`, x, `each metric once (${allowed})`);
  });
  return list as string[];
}

/**
 * Builds the custom populations of a config in a scratch venue (nothing runs), so an error of
 * their `create` (it threw, or returned something without an act function) is a validation error
 * at `<prefix>.populations.<i>.create`, naming the agent and what create returned (and `variant`,
 * when given: the variant whose market the top-level populations were built in).
 */
function tryCustomAgents(
  prefix: string,
  config: WorldConfig,
  seed: number,
  tried: { keys: Set<string>; functions: Map<unknown, number> },
  variant?: string,
): void {
  if (!config.populations.some((p) => p.kind === "custom")) return;
  // What the scratch build reads: the market and the custom populations (each function by identity).
  const key = valueKey(
    [config.market, config.populations.map((p) => (p.kind === "custom" ? p : null))],
    tried.functions,
  );
  if (tried.keys.has(key)) return;
  tried.keys.add(key);
  const rng = Rng.fromSeed(seed);
  const { loop, venue } = openMarket(config, rng);
  try {
    config.populations.forEach((p, i) => {
      if (p.kind !== "custom") return;
      try {
        buildPopulation(p, { venue, loop, rng: rng.split("agents") }, i);
      } catch (e) {
        if (!(e instanceof ValidationError) || e.field !== `populations.${i}.create`) throw e;
        const err = new ValidationError(
          e.code,
          join(prefix, `populations.${i}.create`),
          e.value,
          variant === undefined ? e.allowed : `${e.allowed} in variant ${JSON.stringify(variant)}`,
          CTX,
        );
        (err as { cause?: unknown }).cause = (e as { cause?: unknown }).cause ?? e;
        throw err;
      }
    });
  } finally {
    loop.complete();
  }
}

/**
 * A policy's own code (custom trigger, amount rule, ordering) runs only in a run's liquidation
 * phase. Call each function here, once per function, on a one-lot long and a one-lot short of the
 * first instrument in a scratch market (as the engine does, on accounts holding a position), so
 * `cascade validate` catches one that throws (a misspelt venue method) or returns what the engine
 * refuses (a block body without `return`): the engine's own checks (checkedLots, checkedKey).
 */
function tryCustomParts(
  path: string,
  policy: unknown,
  config: WorldConfig,
  seed: number,
  tried: Set<unknown>,
): void {
  const { trigger, amount, ordering } = policy as PolicySpec;
  // each function once, also when several variants share it
  const fresh = (f: unknown): boolean => {
    if (typeof f !== "function" || tried.has(f)) return false;
    tried.add(f);
    return true;
  };
  const test = trigger.kind === "custom" && fresh(trigger.test) ? trigger.test : undefined;
  const lots = amount.kind === "custom" && fresh(amount.lots) ? amount.lots : undefined;
  const key = typeof ordering === "object" && fresh(ordering.key) ? ordering.key : undefined;
  if (test === undefined && lots === undefined && key === undefined) return;
  const { loop, venue } = openMarket(config, Rng.fromSeed(seed));
  try {
    const price = config.market.instruments[0].initialPrice;
    const long = venue.openAccount("trigger-check-long");
    const short = venue.openAccount("trigger-check-short");
    for (const a of [long, short]) venue.deposit(a, 2 ** 50);
    venue.submit({ account: short, instrument: 0, side: SELL, quantity: 1, type: "limit", price });
    venue.submit({ account: long, instrument: 0, side: BUY, quantity: 1, type: "limit", price, tif: "IOC" });
    for (const [side, a] of [
      ["long", long],
      ["short", short],
    ] as const) {
      const on = `a one-lot ${side} in a scratch market`;
      const holdings = readOnlyHoldings(holdingsOf(venue, a));
      if (test !== undefined) {
        const field = `${path}.trigger.test`;
        const allowed = "a function (venue, account) => true or false";
        const hit = callTried(field, allowed, on, "TRIGGER_FAILED", () => test(venue, a));
        if (typeof hit !== "boolean")
          fail("INVALID_TRIGGER_RESULT", field, hit, `${allowed} (it returned the value shown for ${on})`);
      }
      if (lots !== undefined) {
        const field = `${path}.amount.lots`;
        const allowed = "a function (venue, account, holdings) => lots to close per holding";
        const out = callTried(field, allowed, on, "AMOUNT_FAILED", () => lots(venue, a, holdings));
        checkedTried(path, on, () => checkedLots(out, holdings));
      }
      if (key !== undefined) {
        const field = `${path}.ordering.key`;
        const allowed = "a function (venue, account, holding) => a finite number";
        const out = callTried(field, allowed, on, "ORDERING_FAILED", () => key(venue, a, holdings[0]));
        checkedTried(path, on, () => checkedKey(out, holdings[0]));
      }
    }
  } finally {
    loop.complete();
  }
}

/** Calls a policy's function on the scratch market; what it throws is a ValidationError at `field`. */
function callTried(field: string, allowed: string, on: string, code: string, call: () => unknown): unknown {
  try {
    return call();
  } catch (e) {
    const err = new ValidationError(
      code,
      field,
      e instanceof Error ? `${e.name}: ${e.message}` : e,
      `${allowed} (it threw, tried on ${on})`,
      CTX,
    );
    (err as { cause?: unknown }).cause = e;
    throw err;
  }
}

/** Runs the engine's check of what a policy's function returned; its refusal, at `path` and said where. */
function checkedTried(path: string, on: string, check: () => unknown): void {
  try {
    check();
  } catch (e) {
    if (!(e instanceof CascadeError)) throw e;
    fail(e.code, `${path}.${e.field}`, e.value, `${e.allowed} (it returned the value shown for ${on})`);
  }
}

function withoutKeys(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) if (!keys.includes(k)) out[k] = o[k];
  return out;
}

/**
 * Whether a sweep can set `path` in `config`: it exists, or it is an instrument's maxPrice, whose
 * default (4 x initialPrice) is left to the venue so that it follows a swept initialPrice, or a
 * shock's overTicks, whose default (1) is left unwritten so that configs without it stay as they
 * were, or a parameter with a default of a built-in population's kind that it leaves unset
 * (`populations.0.levels` of `marketMakers({ count: 2 })`: the builders write only what is given).
 */
export function sweepable(config: unknown, written: string): boolean {
  return indexPaths(config, written).some((path) => {
    if (hasPath(config, path)) return true;
    const m = /^(market\.instruments\.\d+)\.maxPrice$|^(shocks\.\d+)\.overTicks$/.exec(path);
    if (m !== null) return hasPath(config, m[1] ?? m[2]);
    return populationDefault(config, path) !== undefined;
  });
}

/** A list whose items a sweep path may name by name instead of by index. */
interface NamedList {
  /** the list's path: its items are `<list>.<index or name>` */
  list: string;
  /** one item, with its article: "a population" */
  one: string;
  /** what names an item, as a refusal says it */
  by: string;
  nameOf: (item: Record<string, unknown>) => string | undefined;
}

/**
 * Populations by label (their name if given, else their kind: populationLabel, as validate prints
 * it), instruments by symbol (unique in a config: the market refuses a repeated one).
 */
const INSTRUMENTS: NamedList = {
  list: "market.instruments",
  one: "an instrument",
  by: "symbol",
  nameOf: (i) => (typeof i.symbol === "string" ? i.symbol : undefined),
};
const NAMED_LISTS: readonly NamedList[] = [
  {
    list: "populations",
    one: "a population",
    by: "label (its name if given, else its kind)",
    nameOf: (p) => populationLabel(p as unknown as PopulationSpec),
  },
  INSTRUMENTS,
];

/** The segment of every instrument at once: `market.instruments.*.<field>`. */
const EVERY_INSTRUMENT = "market.instruments.*";
const INDEX_RE = /^(0|[1-9]\d*)$/;

/** The named list `path` goes into, with the number of its list's segments (undefined: none). */
function namedListOf(path: string): { list: NamedList; n: number } | undefined {
  const list = NAMED_LISTS.find((l) => path.startsWith(`${l.list}.`));
  return list === undefined ? undefined : { list, n: splitPath(list.list).length };
}

/**
 * A sweep path's list item named by its name (`populations.leveraged...`,
 * `market.instruments.BTC...`), with the indices of the items of `config` so named; undefined for
 * a path that names none by name (an index, `*`, or not a path into a named list).
 */
function namedItem(
  config: unknown,
  path: string,
): { list: NamedList; name: string; at: number[] } | undefined {
  const into = namedListOf(path);
  const name = splitPath(path)[into?.n ?? 0];
  if (into === undefined || INDEX_RE.test(name) || name === "*") return undefined;
  const at = itemNames(config, into.list).flatMap(([i, n]) => (n === name ? [i] : []));
  return { list: into.list, name, at };
}

/** [index, name] of each item of `config`'s `list` ([] without that list). */
function itemNames(config: unknown, list: NamedList): Array<[number, string]> {
  const items = getPath(config, list.list);
  return (Array.isArray(items) ? items : []).flatMap((x, i): Array<[number, string]> => {
    const name = isPlainObject(x) ? list.nameOf(x) : undefined;
    return name === undefined ? [] : [[i, name]];
  });
}

/**
 * The paths `path` sets in `config`, by index: an item named by its name
 * (`populations.leveraged.leverage`, `market.instruments.BTC.margin.maintenance`) replaced by its
 * index there, so a name reaches the same item in every variant whatever its place in the
 * variant's list; `market.instruments.*` by every instrument's index. A name that no item or
 * several have is left as written: a path `config` lacks (validation refuses one that several have).
 */
function indexPaths(config: unknown, path: string): string[] {
  const segs = splitPath(path);
  if (path.startsWith(`${EVERY_INSTRUMENT}.`)) {
    const instruments = getPath(config, "market.instruments");
    if (!Array.isArray(instruments)) return [path];
    return instruments.map((_, i) => ["market", "instruments", String(i), ...segs.slice(3)].join("."));
  }
  const named = namedItem(config, path);
  if (named === undefined || named.at.length !== 1) return [path];
  const n = splitPath(named.list.list).length;
  return [[...segs.slice(0, n), String(named.at[0]), ...segs.slice(n + 1)].join(".")];
}

/**
 * The config paths the sweep parameters `params` set in `config`, by index (indexPaths of each):
 * what a field of that config must be compared with to tell whether it is swept.
 * @lazy `cascade validate` (cli.ts) also reaches it through heavy(), which knip cannot follow.
 */
export function sweptIndexPaths(config: unknown, params: readonly string[]): string[] {
  return params.flatMap(sweepPaths).flatMap((p) => indexPaths(config, p));
}

/** The default of a built-in population's parameter `populations.<i>.<key>` (undefined if none). */
function populationDefault(config: unknown, path: string): Dist | undefined {
  const m = /^populations\.(0|[1-9]\d*)\.([A-Za-z]+)$/.exec(path);
  const pops = m === null ? undefined : (config as { populations?: unknown })?.populations;
  if (m === null || !Array.isArray(pops)) return undefined;
  const dists = schemaDists(pops[Number(m[1])]);
  return dists !== undefined && Object.hasOwn(dists, m[2]) ? dists[m[2]].def : undefined;
}

/** The parameters with a default of a built-in population's kind ([] for another value). */
function defaultedParams(pop: unknown): string[] {
  const dists = schemaDists(pop);
  return dists === undefined ? [] : Object.keys(dists).filter((k) => dists[k].def !== undefined);
}

function schemaDists(pop: unknown): (typeof POPULATION_SCHEMA)["noise"]["dists"] | undefined {
  const kind = (pop as { kind?: unknown } | undefined)?.kind;
  if (typeof kind !== "string" || !Object.hasOwn(POPULATION_SCHEMA, kind)) return undefined;
  return POPULATION_SCHEMA[kind as keyof typeof POPULATION_SCHEMA].dists;
}

/**
 * The populations a parameter's `populations.<i>` paths reach in `config`, as "population 3:
 * leveraged" ("" without any): a path names a population by its index, which may be another
 * population in another variant (a path naming it by its label, `populations.leveraged`, reaches
 * that one in each: nothing to point out).
 */
export function sweptPopulations(config: WorldConfig, param: string): string {
  const out: string[] = [];
  for (const path of sweepPaths(param)) {
    const m = /^populations\.(\d+)(\.|$)/.exec(path);
    if (m === null || !sweepable(config, path)) continue;
    const label = `population ${m[1]}: ${populationLabel(config.populations[Number(m[1])])}`;
    if (!out.includes(label)) out.push(label);
  }
  return out.join(", ");
}

/** Whether a sweep parameter changes `config`: one of its paths is sweepable there. */
export function sweepReaches(config: unknown, param: string): boolean {
  return sweepPaths(param).some((path) => sweepable(config, path));
}

/**
 * Whether `path` is in `config` at some grid point once the earlier parameters are applied: an
 * earlier parameter that sets a path containing it (a nested grid: "liquidation.amount", then
 * "liquidation.amount.fraction") may create it with some of its values only.
 * @lazy `cascade validate` (cli.ts) also reaches it through heavy(), which knip cannot follow.
 */
export function sweptPathAtSomePoint(
  config: unknown,
  path: string,
  earlier: readonly string[],
  earlierValues: readonly unknown[][],
): boolean {
  if (sweepable(config, path)) return true;
  return outerPoints(config, path, earlier, earlierValues).configs.some((c) => sweepable(c, path));
}

/**
 * `config` at each combination of the values of the earlier parameters that set a path containing
 * `path` (a nested grid's outer ones: pathInside, however each is written), with those
 * parameters; no configs without any.
 */
function outerPoints(
  config: unknown,
  path: string,
  earlier: readonly string[],
  earlierValues: readonly unknown[][],
): { params: string[]; configs: WorldConfig[] } {
  const outer = earlier.flatMap((p, i) =>
    sweepPaths(p).some((done) => pathInside(path, done, [config])) ? [i] : [],
  );
  let combos: unknown[][] = outer.length === 0 ? [] : [[]];
  for (const i of outer) combos = combos.flatMap((c) => earlierValues[i].map((x) => [...c, x]));
  const params = outer.map((i) => earlier[i]);
  return { params, configs: combos.map((c) => applyPoint(config as WorldConfig, params, c)) };
}

/**
 * Whether sweep parameter k changes `config` at some point (sweptPathAtSomePoint, for any of its paths).
 * @lazy only `cascade validate` (cli.ts) uses it, through heavy(), which knip cannot follow.
 */
export function sweepReachesAtSomePoint(
  config: unknown,
  params: readonly string[],
  values: readonly unknown[][],
  k: number,
): boolean {
  return sweepPaths(params[k]).some((path) => sweptPathAtSomePoint(config, path, params.slice(0, k), values));
}

/** Applies a sweep point to a variant's config (only the paths it can take: sweepable). */
export function applyPoint<C extends BaseConfig>(
  config: C,
  params: readonly string[],
  values: readonly unknown[],
): C {
  return applyPointReached(config, params, values).config;
}

/**
 * applyPoint, also saying which parameters reached the config (set a path of it, once the earlier
 * ones are set): the parameters whose runs.csv cell holds the point's value, not a blank.
 */
export function applyPointReached<C extends BaseConfig>(
  config: C,
  params: readonly string[],
  values: readonly unknown[],
): { config: C; reached: boolean[] } {
  if (params.length === 0) return { config, reached: [] };
  const out = clone(config);
  const reached = params.map((param, i) => {
    let set = false;
    for (const path of sweepPaths(param)) {
      // an earlier parameter's value (a whole populations list) may give two populations one label
      const several = severalLabelled(out, path);
      if (several !== "") fail("AMBIGUOUS_PATH", path, values[i], `a point whose config has ${several}`);
      for (const at of indexPaths(out, path)) {
        if (!sweepable(out, at)) continue;
        setPath(out, at, values[i]);
        set = true;
      }
    }
    return set;
  });
  return { config: out, reached };
}

/**
 * Paths below `prefix` (in any of `roots`) whose last step is `key`: where a key of the swept
 * path's name really is, e.g. a preset's shorthand `liquidation.insuranceFund` resolved to
 * `liquidation.loss.insuranceFund`. Sorted by depth, then path.
 */
function pathsEndingIn(roots: readonly unknown[], prefix: string, key: string): string[] {
  const found = new Set<string>();
  const walk = (node: unknown, at: string, depth: number) => {
    if (depth > 8) return;
    const entries: Array<[string, unknown]> = Array.isArray(node)
      ? node.map((x, i) => [String(i), x])
      : isPlainObject(node)
        ? Object.entries(node)
        : [];
    for (const [k, x] of entries) {
      const p = at === "" ? k : `${at}.${k}`;
      if (k === key && x !== undefined && typeof x !== "function") found.add(p);
      walk(x, p, depth + 1);
    }
  };
  for (const root of roots) {
    if (prefix === "") {
      if (!isPlainObject(root)) continue;
      for (const k of WORLD_KEYS) if (k in root) walk(root[k], k, 1);
    } else if (hasPath(root, prefix)) {
      walk(getPath(root, prefix), prefix, 1);
    }
  }
  return [...found].sort((a, b) => splitPath(a).length - splitPath(b).length || (a < b ? -1 : 1));
}

/**
 * "; did you mean "a.b.c"?" (at most three guesses), or "" without any: a key of the path's last
 * name anywhere under the prefix, else the key nearest the first missing step
 * (`shocks.0.fraction` of a correlatedCrash: `shocks.0.fractions`).
 */
function didYouMean(roots: readonly unknown[], prefix: string, path: string): string {
  const segs = splitPath(path);
  const found = pathsEndingIn(roots, prefix, segs[segs.length - 1]).filter((p) => p !== path);
  if (found.length === 0) {
    const step = segs[prefix === "" ? 0 : splitPath(prefix).length];
    const keys = new Set<string>();
    for (const root of roots) {
      const at = prefix === "" ? root : hasPath(root, prefix) ? getPath(root, prefix) : undefined;
      if (isPlainObject(at)) for (const k of Object.keys(at)) keys.add(k);
      // a population's parameters left at their defaults can be swept too (sweepable)
      if (/^populations\.\d+$/.test(prefix)) for (const k of defaultedParams(at)) keys.add(k);
    }
    const near = step === undefined ? undefined : nearestName(step, [...keys]);
    if (near === undefined && step !== undefined && /^populations\.\d+$/.test(prefix))
      return inOtherPopulations(roots, prefix, step);
    return near === undefined
      ? ""
      : `did you mean ${JSON.stringify(prefix === "" ? near : `${prefix}.${near}`)}?`;
  }
  const shown = found.slice(0, 3).map((p) => JSON.stringify(p));
  const more = found.length > 3 ? ` (or ${found.length - 3} more)` : "";
  return `did you mean ${shown.join(" or ")}${more}?`;
}

/**
 * A variant's key that is a sweep's dotted path ("market.fees.takerBps"): refused as any unknown
 * key is, saying how a variant writes that change (nested objects, merged; a list replaced whole).
 */
function refuseDottedKey(path: string, raw: unknown): void {
  if (!isPlainObject(raw)) return;
  const key = Object.keys(raw).find((k) => VARIANT_KEYS.includes(k.split(".")[0]) && k.includes("."));
  if (key === undefined) return;
  const segs = key.split(".");
  const item = segs.findIndex((s) => /^\d+$/.test(s));
  const how =
    item < 0
      ? `a variant writes the part it changes as nested objects, ${segs.reduceRight((inner, s) => `{ ${s}: ${inner} }`, formatValue(raw[key]))}, merged with the base key by key`
      : `a variant replaces a list such as ${segs.slice(0, item).join(".")} whole: give the whole list with item ${segs[item]} changed`;
  fail(
    "UNKNOWN_KEY",
    memberPath(path, key),
    raw[key],
    `one of the keys ${VARIANT_KEYS.join(", ")} (a dotted path is a sweep's key: ${how})`,
  );
}

/**
 * Two variants of one resolved config (defaults filled in; functions compared by identity) would
 * give the same numbers run for run, as a repeated sweep value would: refused, naming both.
 */
function refuseRepeatedVariants(variants: readonly ValidatedVariant[]): void {
  const functions = new Map<unknown, number>();
  const seen = new Map<string, string>();
  for (const v of variants) {
    const key = valueKey(v.config, functions);
    const first = seen.get(key);
    if (first !== undefined)
      fail(
        "DUPLICATE_VARIANT",
        memberPath("variants", v.name),
        v.overrides,
        `a variant whose config differs from every other variant's (it resolves to the same config as ${memberPath("variants", first)}, defaults filled in, so every run would repeat that variant's numbers: is an option set to its default?)`,
      );
    seen.set(key, v.name);
  }
}

/**
 * "did you mean "populations.4.leverage" (population 4: leveraged)?" for a field the population at
 * `prefix` lacks but another has (its index names the wrong population: the crowd is often not
 * the population a researcher counts it as), or "" when none has a field near `step`.
 */
function inOtherPopulations(roots: readonly unknown[], prefix: string, step: string): string {
  const guesses: string[] = [];
  for (const root of roots) {
    const pops =
      isPlainObject(root) && Array.isArray(root.populations) ? (root.populations as PopulationSpec[]) : [];
    pops.forEach((pop, i) => {
      if (!isPlainObject(pop) || `populations.${i}` === prefix) return;
      const near = nearestName(step, [...Object.keys(pop), ...defaultedParams(pop)]);
      const guess = `${JSON.stringify(`populations.${i}.${near}`)} (population ${i}: ${populationLabel(pop)})`;
      if (near !== undefined && !guesses.includes(guess)) guesses.push(guess);
    });
  }
  const more = guesses.length > 3 ? ` (or ${guesses.length - 3} more)` : "";
  return guesses.length === 0 ? "" : `did you mean ${guesses.slice(0, 3).join(" or ")}${more}?`;
}

/** "population 3: fundamentalist" when `prefix` is a population of the (validated) config, else "". */
function populationAt(config: BaseConfig, prefix: string): string {
  if (!/^populations\.\d+$/.test(prefix) || !hasPath(config, prefix)) return "";
  return `population ${splitPath(prefix)[1]}: ${populationLabel(getPath(config, prefix) as PopulationSpec)}`;
}

function nearestPrefix(root: unknown, path: string): string {
  const segs = splitPath(path);
  for (let n = segs.length - 1; n > 0; n--) {
    const p = segs.slice(0, n).join(".");
    if (hasPath(root, p)) return p;
  }
  return "";
}

/**
 * A value's identity as a string: its JSON, with the values JSON cannot tell apart or cannot write
 * (Infinity, -Infinity and NaN are all "null"; a bigint throws) spelled out, and functions, given
 * `functions`, numbered by identity (the map keeps the numbers across calls).
 */
export function valueKey(value: unknown, functions?: Map<unknown, number>): string {
  return JSON.stringify(value, (_k, x: unknown) => {
    if (typeof x === "bigint" || (typeof x === "number" && !Number.isFinite(x)))
      return `\u0000${typeof x}:${String(x)}`;
    if (typeof x === "function" && functions) {
      if (!functions.has(x)) functions.set(x, functions.size);
      return `\u0000function:${functions.get(x)}`;
    }
    return x;
  });
}

/**
 * `path` and `done` side by side as written and as each config holds them (indexPaths, each
 * with each): an item named by its name, by its index or by `*` is one item where they reach it.
 */
function pathPairs(path: string, done: string, configs: readonly unknown[]): Array<[string, string]> {
  return [
    [path, done],
    ...configs.flatMap((config) =>
      indexPaths(config, path).flatMap((p) => indexPaths(config, done).map((d): [string, string] => [p, d])),
    ),
  ];
}

/**
 * Whether `path` lies inside `done` (a nested grid's inner path inside its outer one), as written
 * or where one of `configs` resolves both to the same item ("market.instruments.BTC.margin.x"
 * inside "market.instruments.0.margin" where BTC is instrument 0).
 */
export function pathInside(path: string, done: string, configs: readonly unknown[]): boolean {
  return pathPairs(path, done, configs).some(([p, d]) => p.startsWith(`${d}.`));
}

/**
 * A population label that several populations of a variant have: the sweep could set any of them;
 * an instrument's index that is another instrument's symbol (symbols may be digits): the index is read.
 */
function refuseAmbiguousLabel(at: string, path: string, variants: readonly ValidatedVariant[]): void {
  const segs = splitPath(path);
  const index = path.startsWith("market.instruments.") && INDEX_RE.test(segs[2]) ? Number(segs[2]) : -1;
  for (const v of variants) {
    const symbols = itemNames(v.config, INSTRUMENTS);
    const other = symbols.find(([i, symbol]) => symbol === segs[2] && i !== index);
    if (index < 0 || other === undefined) continue;
    const atIndex =
      index < symbols.length ? `instrument ${index}, ${symbols[index][1]}` : `no instrument ${index}`;
    fail(
      "AMBIGUOUS_PATH",
      at,
      path,
      `an instrument index that is no other instrument's symbol (variant ${JSON.stringify(v.name)} has instrument ${other[0]} with symbol ${JSON.stringify(segs[2])} and ${atIndex}: a segment of digits is an index; rename that symbol to sweep it by symbol, or sweep it by its index, ${JSON.stringify(["market", "instruments", other[0], ...segs.slice(3)].join("."))})`,
    );
  }
  for (const v of variants) {
    const several = severalLabelled(v.config, path);
    if (several !== "")
      fail(
        "AMBIGUOUS_PATH",
        at,
        path,
        `a population label that at most one population of each variant has (variant ${JSON.stringify(v.name)} has ${several})`,
      );
  }
}

/**
 * `market.instruments.*.<field>` where some instruments of a variant have the field and others
 * not, in its own config or under a value of an outer parameter (a nested grid's, which may give
 * the field to some instruments only): the sweep would move some of them only, which "every
 * instrument" does not say.
 */
function refusePartlyHeld(
  at: string,
  path: string,
  variants: readonly ValidatedVariant[],
  earlier: { params: readonly string[]; values: readonly unknown[][] },
): void {
  if (!path.startsWith(`${EVERY_INSTRUMENT}.`)) return;
  const field = splitPath(path).slice(3).join(".");
  for (const v of variants) {
    const outer = outerPoints(v.config, path, earlier.params, earlier.values);
    const under = `, under a value of ${outer.params.map((p) => `sweep[${JSON.stringify(p)}]`).join(", ")}`;
    const points: Array<[unknown, string]> = [
      [v.config, ""],
      ...outer.configs.map((c): [unknown, string] => [c, under]),
    ];
    for (const [config, where] of points) {
      const symbols = itemNames(config, INSTRUMENTS).map(([, symbol]) => symbol);
      const has = indexPaths(config, path).map((p) => sweepable(config, p));
      const holding = symbols.filter((_, i) => has[i]);
      const lacking = symbols.filter((_, i) => !has[i]);
      if (holding.length === 0 || lacking.length === 0) continue;
      const key = holding.map((s) => `market.instruments.${s}.${field}`).join(", ");
      fail(
        "UNKNOWN_PATH",
        at,
        path,
        `a field that every instrument of a variant has, or none (variant ${JSON.stringify(v.name)}${where}: ${holding.join(", ")} ${holding.length > 1 ? "have" : "has"} ${field}, ${lacking.join(", ")} ${lacking.length > 1 ? "have" : "has"} not; name those to sweep by symbol, ${JSON.stringify(key)})`,
      );
    }
  }
}

/**
 * "populations 3 and 4 labelled leveraged: ..." when several populations of `config` have the
 * label `path` names a population by, else "".
 */
function severalLabelled(config: unknown, path: string): string {
  const named = namedItem(config, path);
  // instruments: a repeated symbol is refused by the market's own validation
  if (named === undefined || named.list.list !== "populations" || named.at.length < 2) return "";
  const rest = splitPath(path).slice(2);
  const byIndex = named.at.map((i) => JSON.stringify(["populations", String(i), ...rest].join(".")));
  return `populations ${named.at.slice(0, -1).join(", ")} and ${named.at[named.at.length - 1]} labelled ${named.name}: name the one to sweep by its index, ${byIndex.join(" or ")}, or give each its own name, e.g. leveragedTraders({ name: "longs", ... })`;
}

/**
 * For a population label or an instrument symbol that no item of any variant has, what is
 * allowed, with the names each variant has and their indices ("did you mean"); "" for any other path.
 */
function unknownLabel(path: string, variants: readonly ValidatedVariant[]): string {
  const named = variants.map((v) => namedItem(v.config, path));
  const first = named[0];
  if (first === undefined || named.some((n) => n === undefined || n.at.length > 0)) return "";
  const { list, name } = first;
  const lists = new Map<string, string[]>(); // the names with their indices -> the variants having them
  for (const v of variants) {
    const names =
      itemNames(v.config, list)
        .map(([i, label]) => `${i}: ${label}`)
        .join(", ") || `no ${list.one.split(" ")[1]}`;
    lists.set(names, [...(lists.get(names) ?? []), JSON.stringify(v.name)]);
  }
  const has = [...lists]
    .map(
      ([held, names]) =>
        `${names.length > 1 ? "variants" : "variant"} ${names.join(", ")} ${names.length > 1 ? "have" : "has"} ${held}`,
    )
    .join("; ");
  const labels = [...new Set(variants.flatMap((v) => itemNames(v.config, list).map(([, label]) => label)))];
  const near = nearestName(name, labels);
  const rest = splitPath(path).slice(splitPath(list.list).length + 1);
  const guess =
    near === undefined ? "" : `; did you mean ${JSON.stringify([list.list, near, ...rest].join("."))}?`;
  // a symbol may hold a "." (BTC.PERP), which a path's segment cannot: it is named by its index
  const dotted = labels.find((l) => l.includes(".") && path.startsWith(`${list.list}.${l}.`));
  const byIndex =
    dotted === undefined
      ? ""
      : `; a symbol holding a ".", ${dotted}, is named by its index, ${JSON.stringify(`${list.list}.<index>.${path.slice(list.list.length + dotted.length + 2)}`)}`;
  return `${list.one}'s index or ${list.by} that ${list.one} of a variant has (${has}${byIndex || guess})`;
}

/** One path of a sweep parameter: a world path that some variant has, swept by one parameter only. */
function checkSweepPath(
  at: string,
  param: string,
  path: string,
  base: BaseConfig,
  variants: ValidatedVariant[],
  sweptBy: Map<string, string>,
  earlier: { params: readonly string[]; values: readonly unknown[][] },
): void {
  if (!PATH_RE.test(path) || !(WORLD_KEYS as readonly string[]).includes(splitPath(path)[0])) {
    const guess = PATH_RE.test(path) ? didYouMean([base, ...variants.map((v) => v.config)], "", path) : "";
    fail(
      "UNKNOWN_PATH",
      at,
      path,
      `a dotted path into ${WORLD_KEYS.join(", ")} (e.g. "liquidation.amount.fraction", "populations.2.leverage"), or several separated by commas to sweep them together${guess ? `; ${guess}` : ""}`,
    );
  }
  if (splitPath(path).includes("*") && !path.startsWith(`${EVERY_INSTRUMENT}.`))
    fail(
      "UNKNOWN_PATH",
      at,
      path,
      `a path with * only for every instrument: * stands for every instrument, in a path "${EVERY_INSTRUMENT}.<field>"; name other list items by index (a population also by its label)`,
    );
  refuseAmbiguousLabel(at, path, variants);
  const configs = variants.map((v) => v.config);
  // Two settings for one path at a point: the later would silently win (a population named by its
  // label in one path and by its index in the other is one path where that index is that population).
  const other = [...sweptBy].find(([done]) => pathPairs(path, done, configs).some(([p, d]) => p === d))?.[1];
  if (other !== undefined)
    fail(
      "DUPLICATE_PATH",
      at,
      path,
      other === param
        ? "each path once in a parameter"
        : `a path no other parameter sweeps (sweep[${JSON.stringify(other)}] sets it already)`,
    );
  // Paths are set in the sweep's order: one containing a path set before it would replace that
  // value at every point (that parameter would do nothing). A path inside an earlier parameter's
  // is set within its value, a nested grid, except within one key (one value cannot be both).
  for (const [done, by] of sweptBy) {
    const inside = pathInside(path, done, configs);
    if (!pathInside(done, path, configs) && !(inside && by === param)) continue;
    fail(
      "OVERLAPPING_PATH",
      at,
      path,
      by === param
        ? "paths of one key that do not contain each other"
        : `a path that does not contain one an earlier parameter sets (sweep[${JSON.stringify(by)}] sets ${done}, which this one would replace at every point; list that parameter after this one to sweep it within these values)`,
    );
  }
  sweptBy.set(path, param);
  refusePartlyHeld(at, path, variants, earlier);
  const holders = variants.filter((v) => sweepable(v.config, path));
  // Inside a path an earlier parameter sets: its values may create this one (a nested grid).
  const creators = [...sweptBy].filter(([done, by]) => by !== param && pathInside(path, done, configs));
  if (holders.length === 0 && creators.length > 0) {
    if (variants.some((v) => sweptPathAtSomePoint(v.config, path, earlier.params, earlier.values))) return;
    const sets = creators.map(([done, by]) => `sweep[${JSON.stringify(by)}] sets ${done}`).join(", ");
    fail(
      "UNKNOWN_PATH",
      at,
      path,
      `a path that exists in the config of a variant, or that an earlier parameter's values create (${sets}, but no variant has ${path} under any of its values: add a value that has it, or set it in a variant)`,
    );
  }
  if (holders.length === 0 && sweepable(base, path)) {
    // No run would change (and its values would go unchecked): a variant replaced that part.
    fail(
      "UNKNOWN_PATH",
      at,
      path,
      "a path that exists in the config of a variant (the base config has it, but every variant replaces it with its own, so the sweep would change no run: set it in a variant)",
    );
  }
  const label = unknownLabel(path, variants);
  if (holders.length === 0 && label !== "") fail("UNKNOWN_PATH", at, path, label);
  if (holders.length === 0) {
    const resolved = nearestPrefix(base, indexPaths(base, path)[0]);
    // A path naming its item (populations.leveraged..., market.instruments.BTC..., or *): that
    // item's index paths in the researcher's spelling; other items' stay by index (other names).
    const into = namedListOf(path);
    const m =
      into === undefined
        ? null
        : new RegExp(`^${into.list.list.replace(".", "\\.")}\\.(\\d+)(?=\\.|$)`).exec(resolved);
    const name = splitPath(path)[into?.n ?? 0];
    const byName = into !== undefined && m !== null && !INDEX_RE.test(name);
    const near = byName ? resolved.replace(m[0], `${into.list.list}.${name}`) : resolved;
    const guesses = didYouMean([base, ...variants.map((v) => v.config)], resolved, path);
    const guess = byName ? guesses.replaceAll(`"${m[0]}.`, `"${into.list.list}.${name}.`) : guesses;
    // a vault without capital is unbounded, not a vault of capital 0: sweeping it must be asked for
    const vault =
      path === "liquidation.backstop.capital" &&
      [base, ...variants.map((v) => v.config)].some((c) => hasPath(c, "liquidation.backstop"))
        ? "a backstop vault without capital is unbounded: give the vaults to sweep a capital (presets.stepwise({ backstopCapital: 0 }), presets.backstopVault({ capital: 0 })); one without it stays unbounded at every point"
        : "";
    const named = byName ? "" : populationAt(base, near);
    const prefixNote = near ? `the longest existing prefix is "${near}"${named ? `, ${named}` : ""}` : "";
    const notes = [prefixNote, guess, vault].filter((x) => x !== "");
    fail(
      "UNKNOWN_PATH",
      at,
      path,
      `a path that exists in the config of the base experiment or of a variant${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`,
    );
  }
}

/**
 * A swept path that is the kind of a population, a shock or a policy's trigger, amount or
 * execution (SWEPT_KIND when that object has fields besides its kind in a variant the sweep
 * reaches), with the words of its refusal; undefined for any other path. A kind is
 * its object's type, its other fields that kind's parameters: swept, those written for one kind
 * would run as another's (a population's: count, capital, activation kept, the rest at the new
 * kind's defaults) or be refused as misspelt, and runs.csv would show only the kind. The kinds of
 * the fundamental process and of the mark are swept: their shared fields mean the same under every
 * kind; a field one kind alone reads (meanReversion, emaAlpha) is refused, point by point, under
 * the others (sweep meanReversion over [0, x], or the whole mark, instead).
 */
function sweptKind(
  path: string,
): { path: string; whose: string; swept: string; noun: string; variant: string; values: string } | undefined {
  if (/^populations\.[A-Za-z0-9_]+\.kind$/.test(path))
    return {
      path,
      whose: "a population's",
      swept:
        "the parameters written for one kind would be read as another's, the rest left at that kind's defaults",
      noun: "population",
      variant: "variants: { momentum: { populations: [...] } }",
      values: "noiseTraders({ ... }), momentumTraders({ ... })",
    };
  const other = (example: string) =>
    `the fields written for one kind would be taken as another's (refused as misspelt where it has no such field, read as its own where it has${example})`;
  if (/^shocks\.\d+\.kind$/.test(path))
    return {
      path,
      whose: "a shock's",
      swept: other(""),
      noun: "shock",
      variant: "variants: { sell: { shocks: [...] } }",
      values: '{ kind: "fundamentalDrop", ... }, { kind: "marketSell", ... }',
    };
  const part = /^liquidation\.(trigger|amount|execution)\.kind$/.exec(path)?.[1];
  if (part === undefined) return undefined;
  const examples: Record<string, [string, string]> = {
    trigger: [
      "closeFactor: presets.closeFactor()",
      '{ kind: "maintenance" }, { kind: "healthFactor", below: 1 }',
    ],
    amount: ["stepwise: presets.stepwise()", '{ kind: "full" }, { kind: "closeFactor", fraction: 0.5 }'],
    execution: [
      "auction: presets.dutchAuction()",
      '{ kind: "marketSweep", maxSlippage: 0.05 }, { kind: "sliced", slices: 5, maxSlippage: 0.05 }',
    ],
  };
  const [variant, values] = examples[part];
  return {
    path,
    whose: `a policy ${part}'s`,
    swept: other(part === "amount" ? ": a closeFactor's fraction as a stepwise one's" : ""),
    noun: `policy ${part}`,
    variant: `variants: { ${variant} }`,
    values,
  };
}

function validateSweep(
  raw: unknown,
  base: BaseConfig,
  variants: ValidatedVariant[],
  tryAgents?: (config: WorldConfig) => void,
): SweepPlan {
  if (raw === undefined) return { params: [], values: [], points: [[]], reference: null };
  if (!isPlainObject(raw)) fail("INVALID_TYPE", "sweep", raw, 'an object { "dotted.path": [values...] }');
  const params = Object.keys(raw);
  const values: unknown[][] = [];
  const sweptBy = new Map<string, string>(); // path -> the parameter that sets it
  for (const param of params) {
    const at = `sweep[${JSON.stringify(param)}]`;
    const paths = sweepPaths(param);
    const earlier = { params: params.slice(0, values.length), values };
    for (const path of paths) checkSweepPath(at, param, path, base, variants, sweptBy, earlier);
    // The key is the parameter's name wherever it is shown or stored (the runs.csv column, params,
    // sweepReference, manifest.json): one spelling of it, not one per spacing.
    const normal = normalSweepKey(param);
    if (param !== normal)
      fail(
        "INVALID_KEY",
        at,
        param,
        `the key written ${JSON.stringify(normal)}: its paths separated by ", " with no other spaces (the key is the parameter's name in runs.csv, params, sweepReference and manifest.json)`,
      );
    const vals = raw[param];
    if (!Array.isArray(vals) || vals.length === 0)
      fail("INVALID_TYPE", at, vals, "a non-empty array of values");
    // A kind that is all its object holds ({ kind: "full" }) leaves nothing to be read as another
    // kind's: that sweep runs as written, each point checked below.
    const kind = paths.map(sweptKind).find(
      (k) =>
        k !== undefined &&
        variants.some((v) => {
          const owner = getPath(v.config, indexPaths(v.config, k.path)[0].slice(0, -".kind".length));
          return (
            isPlainObject(owner) && Object.keys(owner).some((f) => f !== "kind" && owner[f] !== undefined)
          );
        }),
    );
    if (kind !== undefined) {
      fail(
        "SWEPT_KIND",
        at,
        vals,
        `a path other than ${kind.whose} kind (${kind.path}): swept, ${kind.swept}, and runs.csv would record only the kind; write each kind's ${kind.noun} in full instead, in a variant per kind (${kind.variant}) or as the values of the whole ${kind.noun} (sweep: { ${JSON.stringify(kind.path.slice(0, -".kind".length))}: [${kind.values}] })`,
      );
    }
    const holders = variants.filter((v) => sweepReaches(v.config, param));
    const seen = new Map<string, number>();
    vals.forEach((value, j) => {
      if (value === undefined || typeof value === "function")
        fail("INVALID_VALUE", `${at}.${j}`, value, "a plain data value");
      // A repeated value would run every one of its grid points twice, and compare them with
      // each other as if they were different settings.
      const key = valueKey(value);
      const first = seen.get(key);
      if (first !== undefined)
        fail("DUPLICATE_VALUE", `${at}.${j}`, value, `a value not already swept (it repeats item ${first})`);
      seen.set(key, j);
      for (const v of holders) {
        try {
          const cfg = applyPoint(v.config, [param], [value]);
          const checked = validateWorld("", cfg as unknown as Record<string, unknown>);
          if (tryAgents) tryAgents(checked);
        } catch (e) {
          if (e instanceof ValidationError) {
            fail(e.code, `${at}.${j}`, value, underSweep(e, [param], v));
          }
          throw e;
        }
      }
    });
    values.push(vals);
  }
  // Full grid, last parameter fastest.
  let points: unknown[][] = [[]];
  for (const vals of values) {
    const next: unknown[][] = [];
    for (const p of points) for (const v of vals) next.push([...p, v]);
    points = next;
  }
  if (points.length > 1_000_000)
    fail("INVALID_VALUE", "sweep", `${points.length} points`, "at most 1000000 grid points");
  // Each value was checked on its own above; values valid one by one may not be together (a
  // nested grid's inner value inside an outer one, a count and a param of one custom population):
  // every point's config is checked, its custom populations built, before any run.
  if (params.length > 1) {
    points.forEach((pt, i) => {
      for (const v of variants) {
        try {
          const checked = validateWorld(
            "",
            applyPoint(v.config, params, pt) as unknown as Record<string, unknown>,
          );
          if (tryAgents) tryAgents(checked);
        } catch (e) {
          if (e instanceof ValidationError) {
            const values = params.map((p, k) => `${p} = ${formatValue(pt[k])}`).join(", ");
            fail(
              e.code,
              `sweep (point ${i})`,
              Object.fromEntries(params.map((p, k) => [p, pt[k]])),
              `a grid point under which variant ${JSON.stringify(v.name)} is valid: at point ${i} (${values}), ${e.field} = ${formatValue(e.value)} is refused; allowed there: ${e.allowed}`,
            );
          }
          throw e;
        }
      }
    });
  }
  return { params, values, points, reference: null };
}

/** Fixed leading columns of runs.csv. */
export const RUN_COLUMNS = ["variant", "point", "replication", "seed"];

const CUSTOM_METRIC_KEYS = ["compute", "description", "unit"] as const;

function validateMetrics(
  raw: unknown,
  params: string[],
): {
  builtIn: BuiltInMetric[];
  custom: Array<[string, CustomMetric]>;
  metricInfo: Record<string, MetricInfo>;
  headline: unknown;
} {
  if (raw === undefined)
    return { builtIn: [...BUILTIN_METRICS], custom: [], metricInfo: {}, headline: undefined };
  const m = object("metrics", raw, ["builtIn", "custom", "headline"]);
  let builtIn: BuiltInMetric[] = [...BUILTIN_METRICS];
  if (m.builtIn !== undefined && m.builtIn !== "all") {
    // "none" or a single name would read as "allowed: an array": say what the list holds.
    if (!Array.isArray(m.builtIn))
      fail(
        "INVALID_TYPE",
        "metrics.builtIn",
        m.builtIn,
        `"all" (the default) or a list of built-in metrics ([] for none) of ${BUILTIN_METRICS.join(", ")}${typeof m.builtIn === "string" && (BUILTIN_METRICS as readonly string[]).includes(m.builtIn) ? `; for this one alone: [${JSON.stringify(m.builtIn)}]` : ""}`,
      );
    const list = m.builtIn as unknown[];
    builtIn = list.map((x, i) => {
      if (!(BUILTIN_METRICS as readonly unknown[]).includes(x)) {
        fail(
          "UNKNOWN_METRIC",
          `metrics.builtIn.${i}`,
          x,
          `"all" or a list of ${BUILTIN_METRICS.join(", ")}${suggestName(x, BUILTIN_METRICS)}`,
        );
      }
      // Refused, not dropped: as in metrics.headline, a repeat is a slip the researcher should see.
      if (list.indexOf(x) !== i)
        fail(
          "DUPLICATE_METRIC",
          `metrics.builtIn.${i}`,
          x,
          `each metric once (it repeats item ${list.indexOf(x)}; "all" or a list of ${BUILTIN_METRICS.join(", ")})`,
        );
      return x as BuiltInMetric;
    });
  }
  const custom: Array<[string, CustomMetric]> = [];
  const metricInfo: Record<string, MetricInfo> = {};
  if (m.custom !== undefined) {
    if (!isPlainObject(m.custom))
      fail("INVALID_TYPE", "metrics.custom", m.custom, "an object { name: (records, run) => number }");
    for (const [k, given] of Object.entries(m.custom)) {
      let f = given;
      if (isPlainObject(given)) {
        // { compute, description, unit }: the function and what it measures.
        const o = object(memberPath("metrics.custom", k), given, CUSTOM_METRIC_KEYS, ["compute"]);
        f = o.compute;
        const info: MetricInfo = {};
        for (const key of ["description", "unit"] as const) {
          const text = o[key];
          if (text === undefined) continue;
          if (typeof text !== "string" || text.trim() === "" || /[\r\n]/.test(text) || text.length > 300)
            fail(
              "INVALID_VALUE",
              `${memberPath("metrics.custom", k)}.${key}`,
              text,
              `a line of text (1 to 300 characters, no line break)${key === "unit" ? ', e.g. "cash units", "lots", "a fraction"' : ""}`,
            );
          info[key] = text;
        }
        if (info.description !== undefined || info.unit !== undefined) metricInfo[k] = info;
      }
      const at = memberPath("metrics.custom", k);
      const path = isPlainObject(given) ? `${at}.compute` : at;
      str(at, k, METRIC_RE, "a metric name of letters, digits and _ (not starting with a digit)");
      if (typeof f !== "function" || deferredBody(f) !== null)
        fail(
          "INVALID_TYPE",
          path,
          f,
          isPlainObject(given)
            ? "a function (records, run) => number, not async or a generator"
            : "a function (records, run) => number, not async or a generator, or { compute: that function, description, unit }",
        );
      if (
        (BUILTIN_METRICS as readonly string[]).includes(k) ||
        // the per-instrument columns of built-in metrics (metricColumns)
        /^(peak_drawdown|ticks_at_(min|max)_price_)/.test(k) ||
        RUN_COLUMNS.includes(k) ||
        params.includes(k)
      ) {
        fail("DUPLICATE_METRIC", at, k, "a name not used by a built-in metric or another column");
      }
      custom.push([k, f as CustomMetric]);
    }
  }
  return { builtIn, custom, metricInfo, headline: m.headline };
}

/**
 * What a swept value must satisfy, from the error it caused in a variant's config: the rule of the
 * swept field itself, or, when the value broke another field (a renamed instrument that a shock
 * still names), that field, its value and its rule, so the message does not contradict itself.
 */
function underSweep(e: ValidationError, params: readonly string[], v: ValidatedVariant): string {
  const paths = sweptIndexPaths(v.config, params);
  const variant = v.name;
  if (paths.some((p) => e.field === p || e.field.startsWith(`${p}.`)))
    return `${e.allowed} (at ${e.field} in variant "${variant}")`;
  return `a value under which variant "${variant}" is valid (it makes ${e.field} = ${formatValue(e.value)} invalid; allowed there: ${e.allowed})`;
}

/**
 * Every deposit of a run (agents' capital, the insurance fund and backstop vault, the shock
 * accounts) is exact only while the venue's total stays within 2^53 - 1: the venue refuses the
 * deposit that would pass it, which would stop the run midway. Here the largest total a run can
 * reach (each capital at its distribution's upper clamp) is checked up front, naming the largest part.
 */
function checkDeposits(prefix: string, w: BaseConfig): void {
  // [path, largest amount it can deposit, the value written there]
  const parts: Array<[string, number, unknown]> = [];
  w.populations.forEach((p: PopulationSpec, i) => {
    const capital = p.capital ?? POPULATION_SCHEMA[p.kind].dists.capital.def ?? 0;
    parts.push([join(prefix, `populations.${i}.capital`), p.count * distMax(capital), capital]);
  });
  const fund = w.liquidation?.loss?.insuranceFund ?? 0;
  parts.push([join(prefix, "liquidation.loss.insuranceFund"), fund, fund]);
  const vault = w.liquidation?.backstop?.capital ?? 0;
  parts.push([join(prefix, "liquidation.backstop.capital"), vault, vault]);
  (w.shocks ?? []).forEach((s, k) => {
    if (s.kind !== "marketSell") return;
    const ins = w.market.instruments.find((x) => x.symbol === s.instrument);
    if (!ins) return;
    const maxPrice = ins.maxPrice ?? defaultMaxPrice(ins.initialPrice);
    parts.push([
      join(prefix, `shocks.${k}.quantity`),
      distMax(s.quantity) * maxPrice * (ins.contractValue ?? 1),
      s.quantity,
    ]);
  });
  const total = parts.reduce((a, [, v]) => a + v, 0);
  if (total <= Number.MAX_SAFE_INTEGER) return;
  const [path, largest, value] = parts.reduce((a, b) => (b[1] > a[1] ? b : a));
  fail(
    "INVALID_VALUE",
    path,
    value,
    `deposits of one run totalling at most 2^53 - 1 = ${Number.MAX_SAFE_INTEGER} cash units, where money stays exact; as written they can reach ${total.toExponential(3)}, ${largest.toExponential(3)} of it here (count x the capital's upper bound; a marketSell shock deposits quantity x maxPrice x contractValue)`,
  );
}
