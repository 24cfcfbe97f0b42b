/**
 * Population specs: PLAIN DATA (they go into an experiment's manifest.json and are validated up
 * front). Every numeric parameter is a constant or a `Dist` from @cascade/core, drawn once per
 * agent from that agent's own Rng stream, except the few documented as "per order" (order sizes
 * and price offsets), which are drawn afresh for every order.
 *
 * The schema below is the single source of the parameters, their ranges and their defaults: the
 * validator, the builders, `buildPopulation` and the README table all follow it.
 */
import {
  type Dist,
  deferredBody,
  distMax,
  distMin,
  formatValue,
  memberPath,
  suggestName,
  ValidationError,
  validateDist,
} from "@cascade/core";
import type { Agent } from "./archetypes.js";
import { type AgentView, MAX_AVERAGE_WINDOW } from "./tape.js";

/**
 * How an agent is woken (rates and periods are per tick and may be distributions drawn per agent):
 * - `{ every, offset? }`  every k ticks (first wake at 1 + offset mod k)
 * - `{ poissonRate }`     Poisson arrivals, at most one a tick (acts in a tick with probability 1 - e^-rate)
 * - `{ once }`            a single wake at the drawn tick (ABIDES noise agents)
 * - `"onEvent"`           only woken by market events: auctions (liquidators), trades in any of its
 *                         instruments (leveraged traders) or in the agent's instrument (every other
 *                         archetype); at most once per tick
 */
export type ActivationSpec =
  | { every: Dist; offset?: Dist }
  | { poissonRate: Dist }
  | { once: Dist }
  | "onEvent";

export type PopulationKind =
  | "noise"
  | "fundamentalist"
  | "momentum"
  | "leveraged"
  | "marketMaker"
  | "liquidator"
  | "custom";

interface Common {
  /**
   * What sweep paths (`"populations.<name>.leverage"`) and `cascade validate` call the population,
   * to tell two of one kind apart: letters only, not a shipped kind. Default: its kind. Account
   * labels and records keep the kind.
   */
  name?: string;
  count: number;
  activation?: ActivationSpec;
  /** Symbols the population trades. Single-instrument archetypes are assigned round-robin; leveraged traders hold all; liquidators take auctions and buy on the books of all. Default: every instrument of the venue. */
  instruments?: string[];
  /** Cash deposited per agent (integer cash units after rounding). */
  capital?: Dist;
}

export interface NoiseParams extends Common {
  /** Relative weights of the three actions taken at a wake (each is then a thinned Poisson stream). */
  limitWeight?: Dist;
  marketWeight?: Dist;
  cancelWeight?: Dist;
  /** Lots per order, drawn PER ORDER, rounded, >= 1. */
  orderSize?: Dist;
  /** Distance of a limit price from the mid in ticks, drawn PER ORDER (>= 0; small offsets land inside the spread). */
  priceOffset?: Dist;
  /** Slippage bound of market orders as a fraction of the mid. */
  maxSlippage?: Dist;
  /** Elasticity of the activity rate to recent/long-run volatility ((sigma_short/sigma_long)^e, clamped); 0 = constant rate. Poisson activation only. */
  activityFeedback?: Dist;
  /** Resting orders kept per agent; a new limit order beyond it cancels the oldest (bounds the book). */
  maxOpenOrders?: Dist;
}

export interface FundamentalistParams extends Common {
  /** Persistent relative bias of the agent's private estimate of the fundamental. */
  bias?: Dist;
  /** Relative sd of the fresh noise of each observation of the fundamental. */
  observationNoise?: Dist;
  /** Minimum relative mispricing |estimate/mid - 1| that makes the agent trade. */
  threshold?: Dist;
  /** Lots per order, drawn PER ORDER. */
  orderSize?: Dist;
  /** Probability of crossing the spread (IOC at the estimate-capped opposite best) instead of posting at the own side. */
  aggression?: Dist;
  /** Passive orders are posted this many ticks behind the own best, drawn PER ORDER. */
  priceOffset?: Dist;
  /** 1 = cancel own resting orders at every wake (ABIDES value agents), 0 = keep them. */
  cancelOnWake?: Dist;
  activityFeedback?: Dist;
}

export interface MomentumParams extends Common {
  /** Short and long moving-average windows, ticks (at most 8,190 and 8,191: the tape's longest average); every short draw must be below every long draw. */
  shortWindow?: Dist;
  longWindow?: Dist;
  /** Minimum relative gap between the averages to trade. */
  threshold?: Dist;
  orderSize?: Dist;
  /** Probability of a marketable (IOC) order instead of a passive one at the own best. */
  aggression?: Dist;
  maxSlippage?: Dist;
  activityFeedback?: Dist;
}

export interface LeveragedParams extends Common {
  /** Target gross leverage (gross notional / equity), e.g. { dist: "uniform", min: 2, max: 50 }; capped in practice by the venue's initial margin. */
  leverage: Dist;
  capital: Dist;
  /** Similarity of target weights in [0, 1]: 1 = every agent holds the same portfolio, 0 = independent random weights. */
  crowding?: number;
  /** 1 = weights may be negative (short legs), 0 = long only. Per agent probability that a leg is short. */
  shortProbability?: Dist;
  /** Trade a leg only when |position - target| > rebalanceThreshold * |target|. */
  rebalanceThreshold?: Dist;
  /** IOC slippage bound as a fraction of the mid. */
  maxSlippage?: Dist;
  /** Probability of adding to the portfolio when a price fell more than dipThreshold since the last wake. */
  dipBuying?: Dist;
  dipThreshold?: Dist;
  /** Extra exposure bought on a dip, as a fraction of the leg's target. */
  dipSize?: Dist;
  /** Max lots per order (slices big rebalances over wakes). */
  maxOrderLots?: Dist;
  /** Adds cash from an off-venue reserve when the margin ratio falls below a threshold (off when absent). */
  marginTopUp?: MarginTopUpSpec;
}

/**
 * A leveraged trader's margin top-up: at a wake, if its margin ratio (equity / maintenance
 * requirement) is below `below`, it deposits the least whole cash that brings the ratio to `to`,
 * from a finite reserve held off the venue (what is left of it when that is less). The reserve is
 * `reserve` cash units or `reserveOfCapital` times the agent's capital (exactly one of them). Each
 * field is a number or a Dist drawn once per agent.
 */
export interface MarginTopUpSpec {
  /** Margin ratio under which the trader tops up (> 0; 1 = at maintenance). */
  below: Dist;
  /** Margin ratio a top-up restores (every draw above every draw of `below`). */
  to: Dist;
  /** Reserve in cash units (rounded to whole units). */
  reserve?: Dist;
  /** Reserve as a multiple of the agent's capital (0.5 = half of it; rounded to whole units). */
  reserveOfCapital?: Dist;
}

export interface MarketMakerParams extends Common {
  levels?: Dist;
  /** Ticks between quoted levels. */
  levelSpacing?: Dist;
  /** Lots per level. */
  levelSize?: Dist;
  /** Avellaneda-Stoikov risk aversion gamma (per lot): reservation = mid - q * gamma * sigma_p^2 * horizon, the skew capped at the half-spread. */
  gamma?: Dist;
  /** Order-arrival decay kappa (1/ticks): half-spread includes ln(1 + gamma/kappa)/gamma. */
  kappa?: Dist;
  /** Horizon in ticks of the AS formulas (default: about the requote period). */
  horizon?: Dist;
  /** Minimum half-spread, ticks. */
  minHalfSpread?: Dist;
  /** Extra half-spread per unit of sigma_p * sqrt(horizon) (spread widening with recent volatility). */
  volatilityWidening?: Dist;
  /** Max |inventory| in lots: beyond it the side that would grow it is not quoted. */
  maxInventory?: Dist;
  /** Pull all quotes when short-run volatility exceeds this multiple of long-run volatility (a huge value, e.g. 1e9 = never). */
  withdrawVolatility?: Dist;
  /** Pull all quotes when the mid moved more than this fraction within the last `horizon` ticks (a huge value, e.g. 1e9 = never). */
  withdrawMove?: Dist;
  /** Ticks to stay out after a withdrawal. */
  withdrawTicks?: Dist;
}

export interface LiquidatorParams extends Common {
  capital: Dist;
  /** Minimum discount of an auction price to the reference (SELL auctions; premium for BUY auctions). */
  discount?: Dist;
  /** Risk limit: max gross notional / equity after a take (also bounded by the venue's initial margin). */
  maxLeverage?: Dist;
  /** Buy (sell) on the book when the mid is below (above) the reference by this fraction, after crashes; a huge value (1e9) = never. */
  bookDiscount?: Dist;
  /** Fraction of inventory offered back (reduce-only, at the reference) at each periodic wake. */
  unwindFraction?: Dist;
  /** Reference price: "oracle" (the venue's oracle/fundamental) or "mark". */
  reference?: "oracle" | "mark";
}

/** What a custom population's `create` receives besides the agent's view. */
export interface CustomAgentContext {
  /** Instrument id the agent trades (instruments[k % n]; default every instrument of the venue). */
  instrument: number;
  /** The agent's parameters, drawn from its "params" stream in key order. */
  params: Record<string, number>;
  /** Index k of the agent in its population. */
  index: number;
  /** Index p of the population. */
  population: number;
}

export interface CustomAgentsParams {
  /** Kind name in account labels ("<name>[p].k"): letters only, not a shipped kind (nor "custom"). */
  name: string;
  count: number;
  /** Cash deposited per agent (integer cash units after rounding). Required. */
  capital: Dist;
  /** Required: how the agents are woken ("onEvent": trades in the agent's instrument). */
  activation: ActivationSpec;
  instruments?: string[];
  /** Parameters drawn once per agent (each a number or a Dist), in key order. */
  params?: Record<string, Dist>;
  /** Makes agent k: `view` is its AgentView (view.rng is its own stream); must return { act(tick) }. */
  create: (view: AgentView, ctx: CustomAgentContext) => Agent;
}

export type PopulationSpec =
  | ({ kind: "noise" } & NoiseParams)
  | ({ kind: "fundamentalist" } & FundamentalistParams)
  | ({ kind: "momentum" } & MomentumParams)
  | ({ kind: "leveraged" } & LeveragedParams)
  | ({ kind: "marketMaker" } & MarketMakerParams)
  | ({ kind: "liquidator" } & LiquidatorParams)
  | ({ kind: "custom" } & CustomAgentsParams);

export const noiseTraders = (p: NoiseParams): PopulationSpec => ({ kind: "noise", ...p });
export const fundamentalists = (p: FundamentalistParams): PopulationSpec => ({
  kind: "fundamentalist",
  ...p,
});
export const momentumTraders = (p: MomentumParams): PopulationSpec => ({ kind: "momentum", ...p });
export const leveragedTraders = (p: LeveragedParams): PopulationSpec => ({ kind: "leveraged", ...p });
export const marketMakers = (p: MarketMakerParams): PopulationSpec => ({ kind: "marketMaker", ...p });
export const liquidators = (p: LiquidatorParams): PopulationSpec => ({ kind: "liquidator", ...p });
/** A population of user-written agents (see CustomAgentsParams). */
export const customAgents = (p: CustomAgentsParams): PopulationSpec => ({ kind: "custom", ...p });

/** What a population is called in account labels and records: its kind, or a custom population's name. */
export const populationName = (spec: PopulationSpec): string =>
  spec.kind === "custom" ? spec.name : spec.kind;

/**
 * What sweep paths (`"populations.<label>.<field>"`) and `cascade validate` ("population 4:
 * leveraged") call a population: its name (a custom population's, or a built-in's when given),
 * else its kind. Account labels keep populationName: the metrics read a built-in's kind back
 * from them (labelKind).
 */
export const populationLabel = (spec: PopulationSpec): string => spec.name ?? spec.kind;

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

interface DistRule {
  min: number;
  max: number;
  def?: Dist;
  /** Drawn per order rather than per agent. */
  perOrder?: boolean;
  integer?: boolean;
}
type Rules = Record<string, DistRule>;

const BIG = 1e15;
const capital = (def: number): DistRule => ({ min: 1, max: BIG, def });

/** Parameters of each archetype with their ranges and defaults. */
export const SCHEMA: Record<
  PopulationKind,
  { activation: ActivationSpec; dists: Rules; required?: string[] }
> = {
  noise: {
    activation: { poissonRate: 0.002 },
    dists: {
      capital: capital(1e10),
      limitWeight: { min: 0, max: BIG, def: 0.6 },
      marketWeight: { min: 0, max: BIG, def: 0.15 },
      cancelWeight: { min: 0, max: BIG, def: 0.25 },
      orderSize: {
        min: 1,
        max: BIG,
        def: { dist: "lognormal", mu: 1, sigma: 0.8, min: 1, max: 200 },
        perOrder: true,
      },
      priceOffset: { min: 0, max: BIG, def: { dist: "exponential", rate: 0.1 }, perOrder: true },
      maxSlippage: { min: 0, max: 1, def: 0.01 },
      activityFeedback: { min: 0, max: 10, def: 0 },
      maxOpenOrders: { min: 1, max: 1e6, def: 4, integer: true },
    },
  },
  fundamentalist: {
    activation: { poissonRate: 1 / 175 },
    dists: {
      capital: capital(1e10),
      bias: { min: -1, max: 1, def: 0 },
      observationNoise: { min: 0, max: 1, def: 0.001 },
      threshold: { min: 0, max: 1, def: 0.0002 },
      orderSize: { min: 1, max: BIG, def: { dist: "uniformInt", min: 1, max: 20 }, perOrder: true },
      aggression: { min: 0, max: 1, def: 0.5 },
      priceOffset: { min: 0, max: BIG, def: { dist: "uniformInt", min: 0, max: 5 }, perOrder: true },
      cancelOnWake: { min: 0, max: 1, def: 1 },
      activityFeedback: { min: 0, max: 10, def: 0 },
    },
  },
  momentum: {
    activation: { poissonRate: 1 / 37 },
    dists: {
      capital: capital(1e10),
      // At most the tape's longest average: it caps longer windows, so both of a pair past it were
      // the same 8,191-tick average and the trader never saw a trend.
      shortWindow: {
        min: 1,
        max: MAX_AVERAGE_WINDOW - 1,
        def: { dist: "uniformInt", min: 10, max: 60 },
        integer: true,
      },
      longWindow: {
        min: 2,
        max: MAX_AVERAGE_WINDOW,
        def: { dist: "uniformInt", min: 100, max: 400 },
        integer: true,
      },
      threshold: { min: 0, max: 1, def: 0.0002 },
      orderSize: { min: 1, max: BIG, def: { dist: "uniformInt", min: 1, max: 10 }, perOrder: true },
      aggression: { min: 0, max: 1, def: 0.7 },
      maxSlippage: { min: 0, max: 1, def: 0.005 },
      activityFeedback: { min: 0, max: 10, def: 0 },
    },
  },
  leveraged: {
    activation: { poissonRate: 1 / 300 },
    required: ["leverage", "capital"],
    dists: {
      leverage: { min: 0, max: 1000 },
      capital: { min: 1, max: BIG },
      shortProbability: { min: 0, max: 1, def: 0 },
      rebalanceThreshold: { min: 0, max: BIG, def: 0.1 },
      maxSlippage: { min: 0, max: 1, def: 0.01 },
      dipBuying: { min: 0, max: 1, def: 0.3 },
      dipThreshold: { min: 0, max: 1, def: 0.02 },
      dipSize: { min: 0, max: BIG, def: 0.1 },
      maxOrderLots: { min: 1, max: BIG, def: BIG },
    },
  },
  marketMaker: {
    activation: { every: 60 },
    dists: {
      capital: capital(1e12),
      levels: { min: 1, max: 1000, def: 10, integer: true },
      levelSpacing: { min: 1, max: BIG, def: 5, integer: true },
      levelSize: { min: 1, max: BIG, def: 10, integer: true },
      gamma: { min: 1e-12, max: BIG, def: 1e-5 },
      kappa: { min: 1e-12, max: BIG, def: 0.5 },
      horizon: { min: 1, max: BIG, def: 60 },
      minHalfSpread: { min: 0.5, max: BIG, def: 1 },
      volatilityWidening: { min: 0, max: BIG, def: 0.5 },
      maxInventory: { min: 0, max: BIG, def: 1000 },
      withdrawVolatility: { min: 1, max: BIG, def: 4 },
      withdrawMove: { min: 0, max: BIG, def: 0.05 },
      withdrawTicks: { min: 0, max: BIG, def: 120 },
    },
  },
  liquidator: {
    activation: { every: 30 },
    required: ["capital"],
    dists: {
      capital: { min: 1, max: BIG },
      discount: { min: 0, max: 1, def: { dist: "uniform", min: 0.02, max: 0.08 } },
      maxLeverage: { min: 0, max: 1000, def: 3 },
      bookDiscount: { min: 0, max: BIG, def: 0.1 },
      unwindFraction: { min: 0, max: 1, def: 0.2 },
    },
  },
  // User-written agents: capital and activation are required (this activation is never used); their
  // own `params` are drawn after capital.
  custom: {
    activation: "onEvent",
    required: ["capital"],
    dists: {
      capital: { min: 1, max: BIG },
    },
  },
};

const KINDS = Object.keys(SCHEMA) as PopulationKind[];
const CTX = "invalid experiment";
const COMMON_KEYS = ["kind", "count", "activation", "instruments", "name"];

function fail(code: string, path: string, value: unknown, allowed: string): never {
  throw new ValidationError(code, path, value, allowed, CTX);
}

/** Refuses a key of `o` that is not in `allowed`, naming the nearest allowed one. */
function refuseUnknownKeys(path: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k))
      fail(
        "UNKNOWN_KEY",
        memberPath(path, k),
        o[k],
        `one of ${allowed.join(", ")}${suggestName(k, allowed)}`,
      );
  }
}

const CUSTOM_NAME_RE = /^[A-Za-z]+$/;
const PARAM_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A population's name: a custom population's (required) is its kind name in account labels; a
 * built-in's (optional) is what sweep paths call it (populationLabel).
 */
function validatePopulationName(path: string, o: Record<string, unknown>): void {
  const reserved = [...KINDS, "shock"];
  if (typeof o.name !== "string" || !CUSTOM_NAME_RE.test(o.name)) {
    fail(
      "INVALID_VALUE",
      `${path}.name`,
      o.name,
      o.kind === "custom"
        ? "a kind name of letters only (A-Z, a-z), used in account labels <name>[p].k"
        : 'a name of letters only (A-Z, a-z), by which sweep paths name the population ("populations.<name>.<field>"); leave it out to name it by its kind',
    );
  }
  if (reserved.some((k) => k.toLowerCase() === (o.name as string).toLowerCase())) {
    fail(
      "INVALID_VALUE",
      `${path}.name`,
      o.name,
      `a name that is not a shipped kind or reserved label (not ${reserved.join(", ")}, in any case)`,
    );
  }
}

/** name, activation, params and create of a custom population (capital and the common fields are checked as for every kind). */
function validateCustomFields(path: string, o: Record<string, unknown>): void {
  validatePopulationName(path, o);
  if (o.activation === undefined) {
    fail(
      "MISSING_FIELD",
      `${path}.activation`,
      undefined,
      '"onEvent" or one of { every: Dist, offset?: Dist }, { poissonRate: Dist }, { once: Dist } (required for kind "custom")',
    );
  }
  if (o.params !== undefined) {
    const pr = o.params;
    if (
      pr === null ||
      typeof pr !== "object" ||
      Array.isArray(pr) ||
      Object.getPrototypeOf(pr) !== Object.prototype
    ) {
      fail("INVALID_VALUE", `${path}.params`, pr, "an object { name: number or Dist }");
    }
    for (const [k, v] of Object.entries(pr as Record<string, unknown>)) {
      // "__proto__" matches the pattern, but assigning it to the drawn params sets their prototype.
      if (!PARAM_NAME_RE.test(k) || k === "__proto__")
        fail(
          "INVALID_VALUE",
          memberPath(`${path}.params`, k),
          k,
          "a parameter name of letters, digits and _ (not starting with a digit; not __proto__)",
        );
      validateDist(memberPath(`${path}.params`, k), v);
    }
  }
  if (typeof o.create !== "function") {
    fail(
      "INVALID_VALUE",
      `${path}.create`,
      o.create,
      "a function (view, { instrument, params, index, population }) => Agent { act(tick) }",
    );
  }
  const deferred = deferredBody(o.create);
  if (deferred !== null) {
    fail(
      "INVALID_VALUE",
      `${path}.create`,
      o.create,
      `a synchronous function returning an Agent (not ${deferred}: ${deferred === "async" ? "a Promise" : "an iterator"} has no act)`,
    );
  }
}

/**
 * A constant period, phase or tick is a whole number of ticks, like the schema's integer
 * parameters (a distribution's draws are rounded per agent): `every: 2.5` was silently every 3.
 */
function integerTicks(path: string, v: unknown): void {
  if (typeof v === "number" && !Number.isInteger(v))
    fail("INVALID_VALUE", path, v, "an integer number of ticks");
}

function validateActivation(path: string, a: unknown): ActivationSpec {
  if (a === "onEvent") return a;
  const allowed = '"onEvent" or one of { every: Dist, offset?: Dist }, { poissonRate: Dist }, { once: Dist }';
  if (a === null || typeof a !== "object" || Array.isArray(a)) fail("INVALID_ACTIVATION", path, a, allowed);
  const o = a as Record<string, unknown>;
  const keys = Object.keys(o);
  if ("every" in o) {
    for (const k of keys)
      if (k !== "every" && k !== "offset") fail("UNKNOWN_KEY", memberPath(path, k), o[k], "every, offset");
    validateDist(`${path}.every`, o.every, 1, 1e9);
    integerTicks(`${path}.every`, o.every);
    if (o.offset !== undefined) {
      validateDist(`${path}.offset`, o.offset, 0, 1e9);
      integerTicks(`${path}.offset`, o.offset);
    }
  } else if ("poissonRate" in o) {
    for (const k of keys)
      if (k !== "poissonRate") fail("UNKNOWN_KEY", memberPath(path, k), o[k], "poissonRate");
    validateDist(`${path}.poissonRate`, o.poissonRate, 1e-12, 1000);
    if (typeof o.poissonRate === "number" && !(o.poissonRate > 0)) {
      fail("INVALID_VALUE", `${path}.poissonRate`, o.poissonRate, "a rate per tick > 0");
    }
  } else if ("once" in o) {
    for (const k of keys) if (k !== "once") fail("UNKNOWN_KEY", memberPath(path, k), o[k], "once");
    validateDist(`${path}.once`, o.once, 1, 1e12);
    integerTicks(`${path}.once`, o.once);
  } else {
    const near = keys.length === 1 ? suggestName(keys[0], ["every", "offset", "poissonRate", "once"]) : "";
    fail("INVALID_ACTIVATION", path, a, allowed + near);
  }
  return a as ActivationSpec;
}

/**
 * Validates a population spec; throws a ValidationError naming the path (e.g.
 * `populations.2.leverage.max`), the value and what is allowed. Returns the spec unchanged.
 */
export function validatePopulationSpec(path: string, value: unknown): PopulationSpec {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail("INVALID_POPULATION", path, value, `an object { kind: ${KINDS.join(" | ")}, count, ... }`);
  }
  const o = value as Record<string, unknown>;
  if (typeof o.kind !== "string" || !(KINDS as string[]).includes(o.kind)) {
    fail("INVALID_KIND", `${path}.kind`, o.kind, `one of ${KINDS.join(", ")}${suggestName(o.kind, KINDS)}`);
  }
  const kind = o.kind as PopulationKind;
  const schema = SCHEMA[kind];
  const allowedKeys = [
    ...COMMON_KEYS,
    ...(kind === "custom" ? ["params", "create"] : []),
    ...Object.keys(schema.dists),
    ...(kind === "leveraged" ? ["crowding", "marginTopUp"] : []),
    ...(kind === "liquidator" ? ["reference"] : []),
  ];
  // Before the required fields: a misspelt `count` is named as such, not as a missing count.
  refuseUnknownKeys(path, o, allowedKeys);
  if (typeof o.count !== "number" || !Number.isSafeInteger(o.count) || o.count < 0) {
    fail("INVALID_VALUE", `${path}.count`, o.count, "an integer >= 0");
  }
  if (kind === "custom") validateCustomFields(path, o);
  else if (o.name !== undefined) validatePopulationName(path, o);
  for (const r of schema.required ?? []) {
    if (o[r] === undefined)
      fail(
        "MISSING_FIELD",
        `${path}.${r}`,
        undefined,
        `a number or a distribution (required for kind "${kind}")`,
      );
  }
  if (o.activation !== undefined) validateActivation(`${path}.activation`, o.activation);
  if (o.instruments !== undefined) {
    if (!Array.isArray(o.instruments) || o.instruments.length === 0) {
      fail("INVALID_VALUE", `${path}.instruments`, o.instruments, "a non-empty array of instrument symbols");
    }
    o.instruments.forEach((s, i) => {
      if (typeof s !== "string" || s.length === 0)
        fail(
          "INVALID_VALUE",
          memberPath(`${path}.instruments`, String(i)),
          s,
          "an instrument symbol (string)",
        );
      // A leveraged trader weights each instrument of the list once: a repeated symbol drew its
      // weight twice and normalised by both, so the weights summed to less than 1.
      if (kind === "leveraged" && (o.instruments as unknown[]).indexOf(s) < i)
        fail(
          "INVALID_VALUE",
          memberPath(`${path}.instruments`, String(i)),
          s,
          "a symbol not already in the list (a leveraged trader holds a portfolio of distinct instruments)",
        );
    });
  }
  for (const [name, rule] of Object.entries(schema.dists)) {
    const v = o[name];
    if (v === undefined) continue;
    validateDist(`${path}.${name}`, v, rule.min, rule.max);
    if (rule.integer && typeof v === "number" && !Number.isInteger(v))
      fail("INVALID_VALUE", `${path}.${name}`, v, "an integer");
  }
  if (kind === "momentum") {
    // Each trader draws both windows (rounded to whole ticks): a short draw at or above the long
    // one was swapped into (long - 1, short), so the windows were not the distributions asked for.
    const d = schema.dists;
    const short = (o.shortWindow ?? d.shortWindow.def) as Dist;
    const long = (o.longWindow ?? d.longWindow.def) as Dist;
    const shortMax = Math.round(distMax(short));
    const longMin = Math.round(distMin(long));
    if (shortMax >= longMin) {
      // A window left unset is its default: say so, the file does not hold the value shown.
      const longName = o.longWindow === undefined ? "longWindow's default" : "longWindow";
      const allowed =
        typeof short === "number" && typeof long === "number"
          ? `a window shorter than ${longName} = ${formatValue(long)}`
          : `a window that is always shorter than the shortest draw of ${longName} (${formatValue(longMin)} ticks; this one reaches ${formatValue(shortMax)})`;
      fail(
        "INVALID_VALUE",
        `${path}.shortWindow`,
        short,
        o.shortWindow === undefined
          ? `${allowed}; the value shown is shortWindow's default (not set): set shortWindow below ${formatValue(longMin)}`
          : allowed,
      );
    }
  }
  if (kind === "noise") {
    // Weights that can only be 0 left a noise trader nothing but cancels: it never traded.
    const w = (name: string, def: Dist) => distMax((o[name] ?? def) as Dist);
    const d = schema.dists;
    if (w("limitWeight", d.limitWeight.def ?? 0) + w("marketWeight", d.marketWeight.def ?? 0) === 0)
      fail(
        "INVALID_VALUE",
        `${path}.limitWeight`,
        o.limitWeight ?? d.limitWeight.def,
        "a weight above 0 for limit or market orders (with limitWeight and marketWeight both 0 a noise trader only cancels: it never trades)",
      );
  }
  if (kind === "leveraged" && o.marginTopUp !== undefined)
    validateMarginTopUp(`${path}.marginTopUp`, o.marginTopUp);
  if (kind === "leveraged" && o.crowding !== undefined) {
    if (typeof o.crowding !== "number" || !(o.crowding >= 0 && o.crowding <= 1)) {
      fail("INVALID_VALUE", `${path}.crowding`, o.crowding, "a number in [0, 1]");
    }
  }
  if (
    kind === "liquidator" &&
    o.reference !== undefined &&
    o.reference !== "oracle" &&
    o.reference !== "mark"
  ) {
    fail("INVALID_VALUE", `${path}.reference`, o.reference, '"oracle" or "mark"');
  }
  return value as PopulationSpec;
}

const TOP_UP_KEYS = ["below", "to", "reserve", "reserveOfCapital"];
/** The largest margin ratio `below` or `to` may be (a bound, as every schema parameter has). */
const MAX_TOP_UP_RATIO = 1e6;

/** A leveraged population's `marginTopUp` (see MarginTopUpSpec). */
function validateMarginTopUp(path: string, t: unknown): void {
  const shape = "an object { below, to, reserve or reserveOfCapital } (margin ratios and the reserve)";
  if (
    t === null ||
    typeof t !== "object" ||
    Array.isArray(t) ||
    Object.getPrototypeOf(t) !== Object.prototype
  )
    fail("INVALID_VALUE", path, t, shape);
  const o = t as Record<string, unknown>;
  refuseUnknownKeys(path, o, TOP_UP_KEYS);
  for (const k of ["below", "to"]) {
    if (o[k] === undefined)
      fail(
        "MISSING_FIELD",
        `${path}.${k}`,
        undefined,
        "a margin ratio (equity / maintenance requirement), a number or a distribution",
      );
  }
  validateDist(`${path}.below`, o.below, 1e-9, MAX_TOP_UP_RATIO);
  validateDist(`${path}.to`, o.to, 1e-9, MAX_TOP_UP_RATIO);
  const belowMax = distMax(o.below as Dist);
  const toMin = distMin(o.to as Dist);
  if (!(toMin > belowMax))
    fail(
      "INVALID_VALUE",
      `${path}.to`,
      o.to,
      typeof o.below === "number" && typeof o.to === "number"
        ? `a margin ratio above below = ${formatValue(o.below)} (a top-up restores more than the level that triggers it)`
        : `a margin ratio whose every draw is above every draw of below (below reaches ${formatValue(belowMax)}, to starts at ${formatValue(toMin)})`,
    );
  if (o.reserve === undefined && o.reserveOfCapital === undefined)
    fail(
      "MISSING_FIELD",
      `${path}.reserve`,
      undefined,
      "the off-venue reserve: reserve (cash units) or reserveOfCapital (a multiple of the agent's capital)",
    );
  if (o.reserve !== undefined && o.reserveOfCapital !== undefined)
    fail(
      "INVALID_VALUE",
      `${path}.reserveOfCapital`,
      o.reserveOfCapital,
      "undefined when reserve is given (one of reserve or reserveOfCapital)",
    );
  if (o.reserve !== undefined) validateDist(`${path}.reserve`, o.reserve, 0, BIG);
  if (o.reserveOfCapital !== undefined) validateDist(`${path}.reserveOfCapital`, o.reserveOfCapital, 0, 1e6);
}
