/**
 * validatePolicySpec: structural validation of a PolicySpec, so an experiment file with a typo
 * fails up front with a ValidationError naming the full path (e.g.
 * `variants.partial.policy.amount.fraction`), the value and what is allowed.
 */
import { deferredBody, memberPath, suggestName, ValidationError } from "@cascade/core";
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

/** One of the `allowed` words (`or`: what else is allowed, e.g. " or { kind: ... }"). */
function oneOf<T extends string>(path: string, v: unknown, allowed: readonly T[], or = ""): T {
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    fail(
      path,
      v,
      `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}${or}${suggestName(v, allowed)}`,
    );
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
const AMOUNTS = ["full", "closeFactor", "restoreToTarget", "stepwise", "tiered", "custom"] as const;
const ORDERINGS = ["largestNotional", "mostLiquid", "worstPnl", "proRata"] as const;
const EXECUTIONS = ["marketSweep", "sliced", "dutchAuction", "backstop"] as const;
const PRICES = ["mark", "bankruptcy"] as const;

/**
 * A researcher's function of a custom part: synchronous (an async one returns a Promise, a
 * generator an iterator, before any of its body runs: never the value the engine checks).
 */
function callback(path: string, v: unknown, allowed: string): void {
  const deferred = deferredBody(v);
  if (typeof v !== "function" || deferred !== null)
    fail(path, v, deferred === null ? allowed : `${allowed}, not ${deferred}`);
}

function kindOf<T extends string>(path: string, v: unknown, kinds: readonly T[]): T {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    fail(path, v, `an object { kind: ${kinds.map((k) => JSON.stringify(k)).join(" | ")}, ... }`);
  }
  return oneOf(`${path}.kind`, (v as Obj).kind, kinds);
}

const VAULT_TAKES_MARGIN =
  'an unbounded backstop vault at the bankruptcy price takes the account\'s whole remaining margin as its penalty, so no rate is ever charged: leave the rate at 0, take over at price "mark"';
const BOUNDED_VAULT_PAYS =
  "give the vault a capital (a bounded vault: the accounts it declines are sold on the book and pay the rate)";

/**
 * Why policy `o` (trigger, execution and backstop validated) never charges a penalty rate, or ""
 * when some run can. The rate is charged on book sweeps, slices, auction takes and takeovers at
 * the mark, never on a takeover at the bankruptcy price (the vault takes the account's remaining
 * margin instead: the engine's backstopTakeover). So it is never charged when an unbounded vault
 * (no capital: a bounded one declines accounts, sold on the book) at the bankruptcy price takes
 * every account the trigger finds: as the execution, or as a backstop due below the whole
 * maintenance requirement under a trigger that fires only below it. (A health factor below x < 1
 * may imply equity below a lower fraction of maintenance, but only through the instruments' margin
 * rates, which a policy does not know: such a policy is accepted.)
 */
function rateNeverCharged(o: Obj): string {
  const execution = o.execution as Obj;
  const backstop = o.backstop as Obj | undefined;
  if (backstop?.capital !== undefined) return "";
  // a backstop execution's price is the takeover's (the engine's vaultPrice)
  if (execution.kind === "backstop")
    return execution.price === "bankruptcy" ? `${VAULT_TAKES_MARGIN}, or ${BOUNDED_VAULT_PAYS}` : "";
  if (backstop === undefined || backstop.price !== "bankruptcy" || backstop.belowMaintenanceFraction !== 1)
    return "";
  const trigger = o.trigger as Obj;
  // a health factor below x <= 1 is equity below maintenance (Venue.healthFactor)
  const fires =
    trigger.kind === "maintenance"
      ? "a maintenance trigger"
      : trigger.kind === "healthFactor" && (trigger.below as number) <= 1
        ? `a health factor below ${trigger.below}`
        : "";
  if (fires === "") return "";
  return `its backstop vault is due for every account the trigger finds (belowMaintenanceFraction 1, and ${fires} fires only below maintenance), and ${VAULT_TAKES_MARGIN}, ${BOUNDED_VAULT_PAYS}, or a belowMaintenanceFraction under 1 (the accounts above it are sold on the book and pay the rate)`;
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
 * is refused with restoreToTarget (it would margin-call accounts already at target, closing nothing);
 * a penalty rate above 0 where no run can charge it (rateNeverCharged) is refused too.
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
      callback(`${tp}.test`, t.test, "a function (venue, account) => boolean");
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
    case "custom": {
      const a = object(ap, o.amount, ["kind", "lots"]);
      callback(
        `${ap}.lots`,
        a.lots,
        "a function (venue, account, holdings) => an array of lots to close, one integer in [0, |q|] per holding",
      );
      break;
    }
  }

  const op = `${path}.ordering`;
  if (o.ordering !== null && typeof o.ordering === "object" && !Array.isArray(o.ordering)) {
    const ord = o.ordering as Obj;
    if (ord.kind !== "custom")
      fail(
        `${op}.kind`,
        ord.kind,
        `"custom" (an ordering written as an object is your own, { kind: "custom", key }; the built-in ones are the words ${ORDERINGS.map((w) => JSON.stringify(w)).join(", ")})`,
      );
    object(op, ord, ["kind", "key"]);
    callback(
      `${op}.key`,
      ord.key,
      "a function (venue, account, holding) => a finite number (ascending: closed first)",
    );
  } else oneOf(op, o.ordering, ORDERINGS, ' or { kind: "custom", key: (venue, account, holding) => number }');

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
    // A backstop execution sends every account the trigger finds to the vault at its own price (the
    // engine's vaultDue and vaultPrice): a part that said otherwise was read nowhere, and a sweep of
    // its fraction or price moved nothing, unexplained.
    const execution = o.execution as Obj;
    if (execution.kind === "backstop") {
      if (b.belowMaintenanceFraction !== 1)
        fail(
          `${bp}.belowMaintenanceFraction`,
          b.belowMaintenanceFraction,
          "1 with a backstop execution, which sends every account the trigger finds to the vault (a vault only below a fraction of maintenance, the book above it: execute on the book, as presets.stepwise does)",
        );
      if (b.price !== execution.price)
        fail(
          `${bp}.price`,
          b.price,
          `${JSON.stringify(execution.price)}, the backstop execution's price, at which the vault takes over (set the price once: presets.backstopVault({ price }))`,
        );
    }
  }

  const pp = `${path}.penalty`;
  const pen = object(pp, o.penalty, ["rate", "to"]);
  const rate = num(`${pp}.rate`, pen.rate, 0, 1, false, false, "a rate");
  oneOf(`${pp}.to`, pen.to, ["insuranceFund", "liquidator"] as const);
  // A sweep of the rate over such a policy would give the same numbers at every point, unexplained.
  const uncharged = rate > 0 ? rateNeverCharged(o) : "";
  if (uncharged !== "") fail(`${pp}.rate`, rate, `0 under this policy: ${uncharged}`);

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
