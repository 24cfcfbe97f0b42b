/**
 * Named policies modelling real mechanisms (sources in README.md and the project's shared REFERENCES.md):
 * every preset returns a fresh plain-data PolicySpec; any part can be overridden.
 */
import { memberPath, suggestName, ValidationError } from "@cascade/core";
import type {
  AmountSpec,
  BackstopSpec,
  ExecutionSpec,
  LossSpec,
  OrderingSpec,
  PenaltySpec,
  PolicySpec,
  TriggerSpec,
  WhileLiquidating,
} from "./types.js";
import { POLICY_PARTS } from "./validate.js";

/** Overrides accepted by every preset (whole parts replace the preset's). */
export interface PresetOverrides {
  name?: string;
  trigger?: TriggerSpec;
  amount?: AmountSpec;
  ordering?: OrderingSpec;
  execution?: ExecutionSpec;
  /** null: no backstop (stepwise without its vault). */
  backstop?: BackstopSpec | null;
  penalty?: PenaltySpec;
  loss?: LossSpec;
  /** "frozen": an account in liquidation cannot trade; "free": it can (each preset's default in README.md). */
  whileLiquidating?: WhileLiquidating;
  /** Shorthands for the commonest knobs. */
  maxSlippage?: number;
  penaltyRate?: number;
  insuranceFund?: number;
  whenFundEmpty?: LossSpec["whenFundEmpty"];
}

/** A preset's own option and the whole parts it is written into (given those, the option is lost). */
type OwnOptions = Record<string, ReadonlyArray<keyof PresetOverrides>>;

/** The options of every preset, in the order an error lists them. */
const COMMON_OPTIONS: ReadonlyArray<keyof PresetOverrides> = [
  ...POLICY_PARTS,
  "maxSlippage",
  "penaltyRate",
  "insuranceFund",
  "whenFundEmpty",
];

/**
 * An option the preset does not know (a typo such as `cooldown` for `cooldownTicks`) would be
 * dropped silently, and the default used: refused. Experiment files are bundled without a type
 * check, so TypeScript does not catch it there.
 */
function checkKnown(base: PolicySpec, o: PresetOverrides, own: OwnOptions): void {
  const known = [...COMMON_OPTIONS, ...Object.keys(own)];
  for (const [key, value] of Object.entries(o)) {
    if (!known.includes(key)) {
      throw new ValidationError(
        "UNKNOWN_KEY",
        memberPath(base.name, key),
        value,
        `one of the options ${known.join(", ")}${suggestName(key, known)}`,
        "invalid liquidation policy",
      );
    }
  }
}

/** A shorthand or preset option next to the whole part it belongs to (or to a part without it) would be ignored: refused. */
function checkShorthands(base: PolicySpec, o: PresetOverrides, own: OwnOptions): void {
  const given = o as Record<string, unknown>;
  const clash = (short: string, part: keyof PresetOverrides) => {
    if (given[short] !== undefined && o[part] !== undefined) {
      throw new ValidationError(
        "CONFLICTING_OVERRIDES",
        `${base.name}.${short}`,
        given[short],
        o[part] === null
          ? `undefined when ${part} is null (${part}: null drops it, so ${short} would be ignored)`
          : `undefined when ${part} is given (${part === "penaltyRate" ? "give one of them" : `set it inside ${part}`})`,
        "invalid liquidation policy",
      );
    }
  };
  clash("penaltyRate", "penalty");
  clash("maxSlippage", "execution");
  clash("insuranceFund", "loss");
  clash("whenFundEmpty", "loss");
  for (const [option, parts] of Object.entries(own)) for (const part of parts) clash(option, part);
  if (o.maxSlippage !== undefined && o.execution === undefined && !("maxSlippage" in base.execution)) {
    throw new ValidationError(
      "CONFLICTING_OVERRIDES",
      `${base.name}.maxSlippage`,
      o.maxSlippage,
      `undefined: the ${base.execution.kind} execution of this preset has no slippage bound`,
      "invalid liquidation policy",
    );
  }
}

function build(base: PolicySpec, o: PresetOverrides = {}, own: OwnOptions = {}): PolicySpec {
  checkKnown(base, o, own);
  checkShorthands(base, o, own);
  const spec: PolicySpec = {
    name: o.name ?? base.name,
    trigger: o.trigger ?? base.trigger,
    amount: o.amount ?? base.amount,
    ordering: o.ordering ?? base.ordering,
    execution: o.execution ?? base.execution,
    penalty: o.penalty ?? {
      ...base.penalty,
      ...(o.penaltyRate !== undefined ? { rate: o.penaltyRate } : {}),
    },
    loss: o.loss ?? {
      insuranceFund: o.insuranceFund ?? base.loss.insuranceFund,
      whenFundEmpty: o.whenFundEmpty ?? base.loss.whenFundEmpty,
    },
    whileLiquidating: o.whileLiquidating ?? base.whileLiquidating,
  };
  if (o.maxSlippage !== undefined && o.execution === undefined && "maxSlippage" in spec.execution) {
    spec.execution = { ...spec.execution, maxSlippage: o.maxSlippage };
  }
  if (o.backstop === null && spec.execution.kind === "backstop") {
    // the vault is this policy's execution: without its spec it would still be opened, capital lost
    throw new ValidationError(
      "CONFLICTING_OVERRIDES",
      `${base.name}.backstop`,
      null,
      "a backstop spec or undefined (this policy's execution is the backstop vault)",
      "invalid liquidation policy",
    );
  }
  const backstop = o.backstop === null ? undefined : (o.backstop ?? base.backstop);
  if (backstop !== undefined) spec.backstop = backstop;
  return spec;
}

/** A backstop spec: without a capital the vault is unbounded (takes every account due). */
function vault(
  belowMaintenanceFraction: number,
  price: BackstopSpec["price"],
  capital?: number,
): BackstopSpec {
  return capital === undefined
    ? { belowMaintenanceFraction, price }
    : { belowMaintenanceFraction, price, capital };
}

export const presets = {
  /**
   * Full close: the whole portfolio is sold on the book as soon as equity < maintenance, with
   * reduce-only market orders bounded at 5% slippage; 1% clearance fee to the insurance fund
   * (the classic exchange liquidation, e.g. Binance USD-M before partial liquidation).
   */
  fullClose(o?: PresetOverrides): PolicySpec {
    return build(
      {
        name: "fullClose",
        trigger: { kind: "maintenance" },
        amount: { kind: "full" },
        ordering: "largestNotional",
        execution: { kind: "marketSweep", maxSlippage: 0.05 },
        penalty: { rate: 0.01, to: "insuranceFund" },
        loss: { insuranceFund: 0, whenFundEmpty: "badDebt" },
        whileLiquidating: "frozen",
      },
      o,
    );
  },

  /**
   * Aave v3: liquidatable when the health factor < 1; a liquidator repays up to the close factor
   * (50%), 100% when HF <= 0.95 (`healthFactor > 0.95e18 ? 50% : 100%` in LiquidationLogic), and
   * receives a 5% liquidation bonus (Aave v3 technical paper / docs "Liquidations"). Here the 50%
   * is of the portfolio's gross notional (Aave: of the debt), spent along the ordering: a step can
   * close most of one position and none of another. Uncovered deficits stay as bad debt.
   */
  closeFactor(
    o?: PresetOverrides & { fraction?: number; fullBelowHealthFactor?: number; bonus?: number },
  ): PolicySpec {
    return build(
      {
        name: "closeFactor",
        trigger: { kind: "healthFactor", below: 1 },
        amount: {
          kind: "closeFactor",
          fraction: o?.fraction ?? 0.5,
          fullBelowHealthFactor: o?.fullBelowHealthFactor ?? 0.95,
        },
        ordering: "largestNotional",
        execution: { kind: "marketSweep", maxSlippage: 0.05 },
        penalty: { rate: o?.bonus ?? 0.05, to: "liquidator" },
        loss: { insuranceFund: 0, whenFundEmpty: "badDebt" },
        whileLiquidating: "free",
      },
      o,
      { fraction: ["amount"], fullBelowHealthFactor: ["amount"], bonus: ["penalty", "penaltyRate"] },
    );
  },

  /**
   * Restore to target: close just enough that equity / maintenance >= 1.25 at current marks, the
   * estimated slippage, penalty and taker fees of the close counted (the "liquidate to a safe
   * buffer" partial liquidation of several exchanges).
   */
  restoreToTarget(o?: PresetOverrides & { targetMarginRatio?: number }): PolicySpec {
    return build(
      {
        name: "restoreToTarget",
        trigger: { kind: "maintenance" },
        amount: { kind: "restoreToTarget", targetMarginRatio: o?.targetMarginRatio ?? 1.25 },
        ordering: "mostLiquid",
        execution: { kind: "marketSweep", maxSlippage: 0.05 },
        penalty: { rate: 0.01, to: "insuranceFund" },
        loss: { insuranceFund: 0, whenFundEmpty: "badDebt" },
        whileLiquidating: "frozen",
      },
      o,
      { targetMarginRatio: ["amount"] },
    );
  },

  /**
   * Hyperliquid (docs: Trading > Liquidations): market orders to the book; positions above
   * 100,000 (cash units here) are liquidated 20% at a time with a cool-down (30 s there; 30 ticks
   * here); when equity < 2/3 of maintenance the backstop vault takes over all positions and the
   * margin (equity to zero); auto-deleveraging is the last resort. `backstopCapital` bounds the
   * vault (it then takes an account only if it still covers its maintenance after); omitted, it is
   * unbounded.
   */
  stepwise(
    o?: PresetOverrides & {
      fraction?: number;
      cooldownTicks?: number;
      minNotional?: number;
      backstopCapital?: number;
    },
  ): PolicySpec {
    return build(
      {
        name: "stepwise",
        trigger: { kind: "maintenance" },
        amount: {
          kind: "stepwise",
          fraction: o?.fraction ?? 0.2,
          cooldownTicks: o?.cooldownTicks ?? 30,
          minNotional: o?.minNotional ?? 100_000,
        },
        ordering: "largestNotional",
        execution: { kind: "marketSweep", maxSlippage: 0.05 },
        backstop: vault(2 / 3, "bankruptcy", o?.backstopCapital),
        penalty: { rate: 0, to: "insuranceFund" },
        loss: { insuranceFund: 0, whenFundEmpty: "adl" },
        whileLiquidating: "frozen",
      },
      o,
      {
        fraction: ["amount"],
        cooldownTicks: ["amount"],
        minNotional: ["amount"],
        backstopCapital: ["backstop"],
      },
    );
  },

  /**
   * Centralised exchange tiers (Binance USD-M and peers): maintenance rates rise by position-size
   * tier; each step reduces a position to the top of the next lower tier; a clearance fee goes to
   * the insurance fund, which absorbs bankrupt positions; ADL when it is short.
   */
  tieredPartial(o?: PresetOverrides): PolicySpec {
    return build(
      {
        name: "tieredPartial",
        trigger: { kind: "maintenance" },
        amount: { kind: "tiered" },
        ordering: "largestNotional",
        execution: { kind: "marketSweep", maxSlippage: 0.05 },
        penalty: { rate: 0.005, to: "insuranceFund" },
        loss: { insuranceFund: 0, whenFundEmpty: "adl" },
        whileLiquidating: "frozen",
      },
      o,
    );
  },

  /**
   * MakerDAO Liquidations 2.0 (Clipper): collateral sold in Dutch auctions starting above the
   * oracle price (buf = 1.2; here the venue's mark by default, `reference: "oracle"` for the
   * oracle as in Maker) and decaying each tick; keepers take partial lots; the liquidation
   * penalty (chop, 13%) goes to the surplus buffer (here: the insurance fund). Unsold remainder at
   * expiry falls back to a market sweep.
   */
  dutchAuction(
    o?: PresetOverrides & {
      startPremium?: number;
      decayPerTick?: number;
      durationTicks?: number;
      floorDiscount?: number;
      reference?: "mark" | "oracle";
    },
  ): PolicySpec {
    return build(
      {
        name: "dutchAuction",
        trigger: { kind: "maintenance" },
        amount: { kind: "full" },
        ordering: "largestNotional",
        execution: {
          kind: "dutchAuction",
          startPremium: o?.startPremium ?? 0.2,
          decayPerTick: o?.decayPerTick ?? 0.01,
          durationTicks: o?.durationTicks ?? 100,
          floorDiscount: o?.floorDiscount ?? 0.5,
          reference: o?.reference ?? "mark",
        },
        penalty: { rate: 0.13, to: "insuranceFund" },
        loss: { insuranceFund: 0, whenFundEmpty: "badDebt" },
        whileLiquidating: "frozen",
      },
      o,
      {
        startPremium: ["execution"],
        decayPerTick: ["execution"],
        durationTicks: ["execution"],
        floorDiscount: ["execution"],
        reference: ["execution"],
      },
    );
  },

  /**
   * Backstop vault: the vault takes the whole portfolio directly, off-book (Hyperliquid's
   * liquidator vault; Compound v3 `absorb`, which moves collateral and debt to the protocol).
   * At "bankruptcy" price the account's remaining equity goes to the vault (zero equity after), as
   * the takeover's penalty: with no `capital` a penalty rate above 0 is refused (validatePolicySpec),
   * as no account would pay it. `capital` bounds the vault: an account it declines is sold on the
   * book without a slippage bound (and is charged the rate); omitted, the vault is unbounded and takes
   * every account.
   */
  backstopVault(o?: PresetOverrides & { price?: "mark" | "bankruptcy"; capital?: number }): PolicySpec {
    const price = o?.price ?? "bankruptcy";
    return build(
      {
        name: "backstopVault",
        trigger: { kind: "maintenance" },
        amount: { kind: "full" },
        ordering: "largestNotional",
        execution: { kind: "backstop", price },
        backstop: vault(1, price, o?.capital),
        penalty: { rate: 0, to: "insuranceFund" },
        loss: { insuranceFund: 0, whenFundEmpty: "badDebt" },
        whileLiquidating: "frozen",
      },
      o,
      { price: ["execution", "backstop"], capital: ["backstop"] },
    );
  },
};
