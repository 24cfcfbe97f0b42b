/**
 * `cascade validate`'s liquidation policy lines: each variant's policy as it will run, every part
 * with every parameter, the ones a preset filled in or the engine defaults included, so that
 * `presets.dutchAuction()` shows its decayPerTick as plainly as `presets.dutchAuction({
 * decayPerTick: 0.01 })`. Plain text from a plain PolicySpec: nothing here runs a policy.
 */
import { formatValue } from "@cascade/core";
import type {
  AmountSpec,
  BackstopSpec,
  ExecutionSpec,
  LossSpec,
  OrderingSpec,
  PenaltySpec,
  PolicySpec,
  TriggerSpec,
} from "@cascade/liquidation";

/**
 * The parameters of one part, in the order shown; an optional one maps to what its absence means
 * (the engine's default), a required one to null. The types make the lists complete: a parameter
 * added to a spec and not listed here fails the build instead of vanishing from the lines.
 */
type Params<T> = { readonly [K in Exclude<keyof T, "kind">]-?: undefined extends T[K] ? string : null };
type ParamsByKind<U extends { kind: string }> = {
  readonly [K in U["kind"]]: Params<Extract<U, { kind: K }>>;
};

const TRIGGER: ParamsByKind<TriggerSpec> = {
  maintenance: {},
  healthFactor: { below: null },
  custom: { test: null },
};
const AMOUNT: ParamsByKind<AmountSpec> = {
  full: {},
  // absent: the close factor applies whatever the health factor (never a full close)
  closeFactor: { fraction: null, fullBelowHealthFactor: "none" },
  restoreToTarget: { targetMarginRatio: null },
  stepwise: { fraction: null, cooldownTicks: null, minNotional: null },
  tiered: {},
  custom: { lots: null },
};
const EXECUTION: ParamsByKind<ExecutionSpec> = {
  marketSweep: { maxSlippage: null },
  sliced: { slices: null, maxSlippage: null },
  dutchAuction: {
    startPremium: null,
    decayPerTick: null,
    durationTicks: null,
    floorDiscount: null,
    reference: "mark",
  },
  backstop: { price: null },
};
const ORDERING_CUSTOM: Params<Extract<OrderingSpec, { kind: "custom" }>> = { key: null };
const BACKSTOP: Params<BackstopSpec> = { belowMaintenanceFraction: null, price: null, capital: "unbounded" };
const PENALTY: Params<PenaltySpec> = { rate: null, to: null };
const LOSS: Params<LossSpec> = { insuranceFund: null, whenFundEmpty: null };

/** Shown in place of a value a sweep sets: its values are on the validate's "sweep ..." lines. */
const SWEPT = "swept";

/** A parameter's value: numbers as valueAsWritten writes them (2/3, 1e+20), words bare, functions as such. */
function shown(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "function") return "a function";
  return valueAsWritten(value);
}

/** The largest denominator valueAsWritten tries: 1/252 (a trading day's share of a year) and 1/365 are in reach. */
const MAX_DENOMINATOR = 1000;

/**
 * A value for a reader of `cascade validate`, exact: as formatValue writes it, except a number
 * whose shortest decimal is a repeating one (15 or more significant digits) and that is exactly
 * the double of p / q for some q <= MAX_DENOMINATOR: "p/q" (a preset's 2 / 3 reads 2/3, not
 * 0.6666666666666666). JavaScript reads p / q as this very number, so nothing is hidden or
 * rounded; 0.1 + 0.2, no fraction's double, keeps its 17 digits. The display only: manifest.json
 * holds the value as JSON writes it.
 */
export function valueAsWritten(value: unknown): string {
  const text = formatValue(value);
  if (typeof value !== "number" || !Number.isFinite(value) || significantDigits(value) < 15) return text;
  for (let q = 2; q <= MAX_DENOMINATOR; q++) {
    const p = Math.round(value * q);
    // The first q that fits is in lowest terms: p / q is the correctly rounded double of the
    // fraction, the same for any of its forms.
    if (Number.isSafeInteger(p) && p / q === value) {
      const fraction = `${p}/${q}`;
      return fraction.length < text.length ? fraction : text;
    }
  }
  return text;
}

/** The significant digits of `x`'s shortest decimal (0.6666666666666666: 16; 1e-7: 1). */
function significantDigits(x: number): number {
  return String(Math.abs(x)).split("e")[0].replace(".", "").replace(/^0+/, "").length;
}

/**
 * One part: "<part> <kind> (<param> <value>, ...)", "<part> (<param> <value>, ...)" for a part
 * without kinds. `swept` holds paths inside the policy ("amount", "amount.fraction"): a swept part
 * reads "<part> swept", a swept parameter "<param> swept".
 */
function partText(
  part: string,
  spec: Record<string, unknown>,
  params: Record<string, string | null>,
  swept: ReadonlySet<string>,
): string {
  if (swept.has(part)) return `${part} ${SWEPT}`;
  const value = (key: string) =>
    swept.has(`${part}.${key}`)
      ? SWEPT
      : spec[key] === undefined
        ? (params[key] ?? "none")
        : shown(spec[key]);
  const kind = "kind" in spec ? ` ${value("kind")}` : "";
  const list = Object.keys(params).map((key) => `${key} ${value(key)}`);
  return `${part}${kind}${list.length > 0 ? ` (${list.join(", ")})` : ""}`;
}

/**
 * A policy's parts in three groups: when and how much (trigger, amount, ordering), how it is sold
 * (execution, whileLiquidating), who bears the cost (penalty, loss waterfall, backstop vault).
 */
export function policyParts(policy: PolicySpec, swept: readonly string[] = []): string[][] {
  const s = new Set(swept);
  const kinded = <U extends { kind: string }>(part: string, spec: U, by: ParamsByKind<U>) =>
    partText(part, spec as unknown as Record<string, unknown>, by[spec.kind as U["kind"]], s);
  const plain = (part: string, spec: object, params: Record<string, string | null>) =>
    partText(part, spec as Record<string, unknown>, params, s);
  const word = (part: string, value: string) => `${part} ${s.has(part) ? SWEPT : value}`;
  return [
    [
      kinded("trigger", policy.trigger, TRIGGER),
      kinded("amount", policy.amount, AMOUNT),
      typeof policy.ordering === "string"
        ? word("ordering", policy.ordering)
        : plain("ordering", policy.ordering, ORDERING_CUSTOM),
    ],
    [kinded("execution", policy.execution, EXECUTION), word("whileLiquidating", policy.whileLiquidating)],
    [
      plain("penalty", policy.penalty, PENALTY),
      plain("loss", policy.loss, LOSS),
      policy.backstop === undefined ? "backstop none" : plain("backstop", policy.backstop, BACKSTOP),
    ],
  ];
}

export interface VariantPolicy {
  variant: string;
  policy: PolicySpec;
  /** Paths inside the policy that a sweep sets in this variant ("" for the whole policy). */
  swept: readonly string[];
}

/** The researcher's functions of a policy (custom trigger, amount, ordering), in that order. */
function policyFunctions(policy: PolicySpec): unknown[] {
  const parts: unknown[] = [policy.trigger, policy.amount, policy.ordering];
  return parts.flatMap((part) =>
    part !== null && typeof part === "object"
      ? Object.values(part).filter((x) => typeof x === "function")
      : [],
  );
}

/** "a", "a and b", "a, b and c". */
function names(list: readonly string[]): string {
  return list.length === 1 ? list[0] : `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
}

/**
 * The lines `cascade validate` prints: a heading, then per variant (variants running the very same
 * policy share one entry, and say so) its name, the policy's name and its parts, indented. Policies
 * are the same when their text is and their functions (a custom trigger's test, amount's lots,
 * ordering's key) are the same ones.
 */
export function policyLines(variants: readonly VariantPolicy[]): string[] {
  const groups: Array<{ variants: string[]; text: string; functions: unknown[] }> = [];
  for (const v of variants) {
    const whole = v.swept.includes("");
    // the name is swept like any parameter ("name"); the whole policy has no parts to show
    const name = v.swept.includes("name") ? SWEPT : JSON.stringify(v.policy.name);
    const parts = policyParts(v.policy, v.swept).map((g) => g.join("; "));
    const text = whole ? "" : [name, ...parts].join("\n");
    const functions = whole ? [] : policyFunctions(v.policy);
    const same = groups.find(
      (g) =>
        g.text === text &&
        g.functions.length === functions.length &&
        g.functions.every((f, i) => f === functions[i]),
    );
    if (same) same.variants.push(v.variant);
    else groups.push({ variants: [v.variant], text, functions });
  }
  const anySwept = variants.some((v) => v.swept.length > 0);
  const out = [
    `  liquidation policy of each variant, as it runs (defaults included${anySwept ? `; ${SWEPT}: set by the sweep, its values on the sweep lines` : ""}):`,
  ];
  for (const g of groups) {
    const who = names(g.variants);
    if (g.text === "") {
      out.push(`    ${who}: the whole policy is ${SWEPT}`);
      continue;
    }
    const [name, first, ...rest] = g.text.split("\n");
    out.push(`    ${who} (${g.variants.length > 1 ? "the same policy, " : "policy "}${name}): ${first}`);
    for (const line of rest) out.push(`      ${line}`);
  }
  return out;
}
