/**
 * validatePolicySpec: structural validation of a PolicySpec, so an experiment file with a typo
 * fails up front with a ValidationError naming the full path (e.g.
 * `variants.partial.policy.amount.fraction`), the value and what is allowed.
 */
import { memberPath, suggestName, ValidationError } from "@cascade/core";
import type { PolicySpec } from "./types.js";

const CTX = "invalid liquidation policy";

type Obj = Record<string, unknown>;

function fail(path: string, value: unknown, allowed: string, code = "INVALID_VALUE"): never {
  throw new ValidationError(code, path, value, allowed, CTX);
}

function object(path: string, v: unknown, keys: readonly string[]): Obj {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    fail(path, v, `an object with keys ${keys.join(", ")}`);
  const o = v as Obj;
  for (const k of Object.keys(o)) {
    if (!keys.includes(k))
      fail(
        memberPath(path, k),
        o[k],
        `one of the keys ${keys.join(", ")}${suggestName(k, keys)}`,
        "UNKNOWN_KEY",
      );
  }
  return o;
}

function oneOf<T extends string>(path: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    fail(path, v, `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}${suggestName(v, allowed)}`);
  }
  return v as T;
}

function num(
  path: string,
  v: unknown,
  lo: number,
  hi: number,
  loOpen: boolean,
  hiOpen: boolean,
  what = "a number",
): number {
  const ok =
    typeof v === "number" &&
    !Number.isNaN(v) &&
    (loOpen ? v > lo : v >= lo) &&
    (hiOpen ? v < hi : v <= hi) &&
    (Number.isFinite(v) || hi === Number.POSITIVE_INFINITY);
  if (!ok || !Number.isFinite(v as number)) {
    fail(path, v, `${what} in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`);
  }
  return v as number;
}

/** (0, 1] */
const fraction = (p: string, v: unknown) => num(p, v, 0, 1, true, false, "a fraction");
const positive = (p: string, v: unknown) =>
  num(p, v, 0, Number.POSITIVE_INFINITY, true, true, "a finite number");
const nonNegative = (p: string, v: unknown) =>
  num(p, v, 0, Number.POSITIVE_INFINITY, false, true, "a finite number");

const SAFE_MAX = `2^53 - 1 = ${Number.MAX_SAFE_INTEGER}`;

/** A safe integer >= lo: 1e300 is an integer but not an exact one, so the upper bound is stated. */
function integer(
  path: string,
  v: unknown,
  lo: number,
  allowed = `an integer in [${lo}, ${SAFE_MAX}]`,
): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < lo) fail(path, v, allowed);
  return v;
}

/** An amount of money (insurance fund, vault capital): cash units, exact only as a safe integer. */
function money(path: string, v: unknown, or = ""): number {
  return integer(
    path,
    v,
    0,
    `an integer number of cash units in [0, ${SAFE_MAX}], where money stays exact${or}`,
  );
}

const TRIGGERS = ["maintenance", "healthFactor", "custom"] as const;
const AMOUNTS = ["full", "closeFactor", "restoreToTarget", "stepwise", "tiered"] as const;
const ORDERINGS = ["largestNotional", "mostLiquid", "worstPnl", "proRata"] as const;
const EXECUTIONS = ["marketSweep", "sliced", "dutchAuction", "backstop"] as const;
const PRICES = ["mark", "bankruptcy"] as const;

function kindOf<T extends string>(path: string, v: unknown, kinds: readonly T[]): T {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    fail(path, v, `an object { kind: ${kinds.map((k) => JSON.stringify(k)).join(" | ")}, ... }`);
  }
  return oneOf(`${path}.kind`, (v as Obj).kind, kinds);
}

/** The keys of a PolicySpec (the parts a preset's override replaces whole). */
export const POLICY_PARTS = [
  "name",
  "trigger",
  "amount",
  "ordering",
  "execution",
  "backstop",
  "penalty",
  "loss",
  "whileLiquidating",
] as const satisfies ReadonlyArray<keyof PolicySpec>;

/**
 * Validates `value` as a PolicySpec and returns it (the same object). Throws ValidationError:
 * unknown keys (UNKNOWN_KEY), wrong types or values out of range (INVALID_VALUE). Fractions
 * (close factor, step fraction, slippage bound, floor discount, backstop fraction) must lie in
 * (0, 1]; the auction decay in (0, 1); rates and premiums in [0, 1]. A health-factor trigger above 1
 * is refused with restoreToTarget (it would margin-call accounts already at target, closing nothing).
 */
export function validatePolicySpec(path: string, value: unknown): PolicySpec {
  if (typeof value === "string")
    fail(
      path,
      value,
      "a policy object (a preset's name alone is not one: call the preset, e.g. presets.fullClose() or presets.closeFactor({ fraction: 0.5 }) from @cascade/liquidation)",
    );
  const o = object(path, value, POLICY_PARTS);
  if (typeof o.name !== "string" || o.name.length === 0) fail(`${path}.name`, o.name, "a non-empty string");

  const tp = `${path}.trigger`;
  switch (kindOf(tp, o.trigger, TRIGGERS)) {
    case "maintenance":
      object(tp, o.trigger, ["kind"]);
      break;
    case "healthFactor": {
      const t = object(tp, o.trigger, ["kind", "below"]);
      positive(`${tp}.below`, t.below);
      break;
    }
    case "custom": {
      const t = object(tp, o.trigger, ["kind", "test"]);
      if (typeof t.test !== "function") fail(`${tp}.test`, t.test, "a function (venue, account) => boolean");
      break;
    }
  }

  const ap = `${path}.amount`;
  switch (kindOf(ap, o.amount, AMOUNTS)) {
    case "full":
    case "tiered":
      object(ap, o.amount, ["kind"]);
      break;
    case "closeFactor": {
      const a = object(ap, o.amount, ["kind", "fraction", "fullBelowHealthFactor"]);
      fraction(`${ap}.fraction`, a.fraction);
      if (a.fullBelowHealthFactor !== undefined)
        positive(`${ap}.fullBelowHealthFactor`, a.fullBelowHealthFactor);
      break;
    }
    case "restoreToTarget": {
      const a = object(ap, o.amount, ["kind", "targetMarginRatio"]);
      num(
        `${ap}.targetMarginRatio`,
        a.targetMarginRatio,
        1,
        1000,
        false,
        false,
        "a margin ratio (equity / maintenance)",
      );
      break;
    }
    case "stepwise": {
      const a = object(ap, o.amount, ["kind", "fraction", "cooldownTicks", "minNotional"]);
      fraction(`${ap}.fraction`, a.fraction);
      integer(`${ap}.cooldownTicks`, a.cooldownTicks, 0);
      nonNegative(`${ap}.minNotional`, a.minNotional);
      break;
    }
  }

  oneOf(`${path}.ordering`, o.ordering, ORDERINGS);

  // restoreToTarget stops once equity >= target x maintenance; HF < 1 is equity < maintenance, but
  // an account under a trigger above 1 can already be at its target: an empty plan, a margin call
  // every tick and nothing closed.
  const trig = o.trigger as Obj;
  const amt = o.amount as Obj;
  if (trig.kind === "healthFactor" && amt.kind === "restoreToTarget" && (trig.below as number) > 1) {
    fail(
      `${tp}.below`,
      trig.below,
      "a health factor in (0, 1] with amount restoreToTarget (its target is on equity / maintenance: above 1 an account can trigger while already at its target and nothing would be closed); use another amount rule for an early trigger",
    );
  }

  const ep = `${path}.execution`;
  switch (kindOf(ep, o.execution, EXECUTIONS)) {
    case "marketSweep": {
      const e = object(ep, o.execution, ["kind", "maxSlippage"]);
      fraction(`${ep}.maxSlippage`, e.maxSlippage);
      break;
    }
    case "sliced": {
      const e = object(ep, o.execution, ["kind", "slices", "maxSlippage"]);
      integer(`${ep}.slices`, e.slices, 1);
      fraction(`${ep}.maxSlippage`, e.maxSlippage);
      break;
    }
    case "dutchAuction": {
      const e = object(ep, o.execution, [
        "kind",
        "startPremium",
        "decayPerTick",
        "durationTicks",
        "floorDiscount",
        "reference",
      ]);
      num(`${ep}.startPremium`, e.startPremium, 0, 1, false, false, "a fraction");
      num(`${ep}.decayPerTick`, e.decayPerTick, 0, 1, true, true, "a fraction");
      integer(`${ep}.durationTicks`, e.durationTicks, 1);
      fraction(`${ep}.floorDiscount`, e.floorDiscount);
      if (e.reference !== undefined) oneOf(`${ep}.reference`, e.reference, ["mark", "oracle"] as const);
      break;
    }
    case "backstop": {
      const e = object(ep, o.execution, ["kind", "price"]);
      oneOf(`${ep}.price`, e.price, PRICES);
      break;
    }
  }

  if (o.backstop !== undefined) {
    const bp = `${path}.backstop`;
    const b = object(bp, o.backstop, ["belowMaintenanceFraction", "price", "capital"]);
    fraction(`${bp}.belowMaintenanceFraction`, b.belowMaintenanceFraction);
    oneOf(`${bp}.price`, b.price, PRICES);
    if (b.capital !== undefined)
      money(`${bp}.capital`, b.capital, " (a bounded vault), or undefined (an unbounded vault, the default)");
  }

  const pp = `${path}.penalty`;
  const pen = object(pp, o.penalty, ["rate", "to"]);
  num(`${pp}.rate`, pen.rate, 0, 1, false, false, "a rate");
  oneOf(`${pp}.to`, pen.to, ["insuranceFund", "liquidator"] as const);

  const lp = `${path}.loss`;
  const loss = object(lp, o.loss, ["insuranceFund", "whenFundEmpty"]);
  money(`${lp}.insuranceFund`, loss.insuranceFund);
  oneOf(`${lp}.whenFundEmpty`, loss.whenFundEmpty, ["adl", "socialize", "badDebt"] as const);

  if (o.whileLiquidating !== "frozen" && o.whileLiquidating !== "free") {
    fail(
      `${path}.whileLiquidating`,
      o.whileLiquidating,
      'one of "frozen" (an account in liquidation cannot trade: centralised venues) or "free" (it keeps trading: DeFi lending)',
    );
  }

  return value as PolicySpec;
}
