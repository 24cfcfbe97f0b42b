/**
 * Plain-data policy specs (serializable into manifest.json; only the `custom` trigger, amount and
 * ordering hold functions), liquidation records, margin calls and statistics. See README.md for
 * the sources of each mechanism.
 */
import type { AccountId, Side, Venue } from "@cascade/market";
import type { Holding } from "./policy.js";

export type TriggerSpec =
  /** equity < maintenance requirement (exchange cross margin: Hyperliquid, Binance). */
  | { kind: "maintenance" }
  /** venue.healthFactor(a) < below (lending view; Aave v3 liquidates below 1). */
  | { kind: "healthFactor"; below: number }
  /** Any predicate. It cannot be bounded, so every account holding a position is tested every tick. */
  | { kind: "custom"; test: (venue: Venue, account: AccountId) => boolean };

export type AmountSpec =
  | { kind: "full" }
  /**
   * Aave v3: per step, a budget of `fraction` (50%) x the portfolio's gross notional at the marks,
   * spent along the ordering (so one position can lose more than `fraction` of itself, another
   * nothing; proRata: `fraction` of each); everything when HF <= fullBelowHealthFactor (0.95).
   */
  | { kind: "closeFactor"; fraction: number; fullBelowHealthFactor?: number }
  /**
   * Close the fewest lots after which equity / maintenance >= target at current marks, the
   * estimated book slippage, penalty and taker fees of the close counted against equity.
   */
  | { kind: "restoreToTarget"; targetMarginRatio: number }
  /** Hyperliquid: positions above minNotional are closed `fraction` at a time with a cool-down; smaller ones in full. */
  | { kind: "stepwise"; fraction: number; cooldownTicks: number; minNotional: number }
  /** Binance-style: reduce each position to the top of the next lower margin tier per step. */
  | { kind: "tiered" }
  /**
   * Your own rule: per step of a solvent account (a bankrupt one is closed in full), the lots to
   * close of each holding, in the policy's ordering: `lots(...)[k]` an integer in [0, |holdings[k].q|],
   * in an array or a typed array (an Int32Array...). Checked at each call (README.md, "Your own
   * amount and ordering").
   */
  | {
      kind: "custom";
      lots: (
        venue: Venue,
        account: AccountId,
        holdings: ReadonlyArray<Readonly<Holding>>,
      ) => ArrayLike<number>;
    };

/**
 * Ordering across a portfolio's assets. `custom`: ascending `key` (a finite number per holding,
 * checked at each call), ties by instrument id, as the built-in orderings sort.
 */
export type OrderingSpec =
  | "largestNotional"
  | "mostLiquid"
  | "worstPnl"
  | "proRata"
  | { kind: "custom"; key: (venue: Venue, account: AccountId, holding: Readonly<Holding>) => number };

export type ExecutionSpec =
  /** Reduce-only market orders with worstPrice = mark * (1 -/+ maxSlippage). */
  | { kind: "marketSweep"; maxSlippage: number }
  /** The amount is split over `slices` ticks (Almgren-Chriss style schedule, uniform). */
  | { kind: "sliced"; slices: number; maxSlippage: number }
  /**
   * MakerDAO Clipper: venue.openAuction; k ticks into its schedule (from the tick after it opens)
   * the price is start x (1 - decayPerTick)^k rounded to a tick, never below the floor (a buy
   * auction of a short: x (1 + decayPerTick)^k, never above its cap); unsold remainder at expiry
   * falls back to a market sweep.
   */
  | {
      kind: "dutchAuction";
      startPremium: number;
      decayPerTick: number;
      durationTicks: number;
      floorDiscount: number;
      /**
       * Price the auction starts above and floors below: the venue's mark (default) or its oracle
       * price (MakerDAO's Clipper starts from its oracle, `buf` x the OSM price).
       */
      reference?: "mark" | "oracle";
    }
  /** The backstop vault takes the positions directly (Hyperliquid vault, Compound v3 absorb). */
  | { kind: "backstop"; price: "mark" | "bankruptcy" };

/** Hyperliquid: the vault takes over all positions and margin when equity < 2/3 maintenance. */
export interface BackstopSpec {
  belowMaintenanceFraction: number;
  price: "mark" | "bankruptcy";
  /**
   * Cash units. Absent (the presets' default): an unbounded vault that takes every account due.
   * Given (0 included): a bounded vault, starting with this cash, that takes an account only if its
   * equity at the mark afterwards covers the maintenance requirement of all it then holds.
   */
  capital?: number;
}
/** Fee on closed notional, capped at the account's positive equity left once the step's closes are done. */
export interface PenaltySpec {
  rate: number;
  to: "insuranceFund" | "liquidator";
}
/** insuranceFund = initial capital (cash units). */
export interface LossSpec {
  insuranceFund: number;
  whenFundEmpty: "adl" | "socialize" | "badDebt";
}
/**
 * Whether an account in liquidation may trade. "frozen" (centralised venues: Binance, Bybit, OKX,
 * Hyperliquid): from the check that finds it below its trigger until the engine is done with it,
 * its own orders and auction takes are refused (ACCOUNT_IN_LIQUIDATION); "free" (DeFi lending, Aave
 * and Compound): its agent keeps trading while it is liquidated. README.md defines the span.
 */
export type WhileLiquidating = "frozen" | "free";

export interface PolicySpec {
  name: string;
  trigger: TriggerSpec;
  amount: AmountSpec;
  ordering: OrderingSpec;
  execution: ExecutionSpec;
  backstop?: BackstopSpec;
  penalty: PenaltySpec;
  loss: LossSpec;
  whileLiquidating: WhileLiquidating;
}

export type ExecutionKind = "marketSweep" | "sliced" | "dutchAuction" | "backstop" | "adl" | "socialized";

export interface LiquidationRecord {
  id: number;
  tick: number;
  account: AccountId;
  /** -1 for a "socialized" record (a loss spread over other accounts, no position moved). */
  instrument: number;
  /** Side of the liquidation trade (SELL closes a long). */
  side: Side;
  /** Lots. */
  quantity: number;
  /** Average execution price in ticks. */
  price: number;
  /** Integer cash units. */
  notional: number;
  /**
   * The venue's mark when the position moved: for an auction take, the mark the keeper took under
   * (set in the marks phase before the take), not the one of the liquidation phase that records it.
   * 0 on settlement records.
   */
  mark: number;
  /** Fraction vs mark, positive = worse for the liquidated account. */
  slippage: number;
  /** Integer cash units. */
  penalty: number;
  /**
   * Integer cash units: the negative equity (deficit) the account was left with once its positions
   * were closed, carried on the last record of that liquidation step (0 on the others). For a
   * "socialized" record: the part of the deficit spread over other accounts (then not repeated on
   * the closing record), so the records' badDebt always sums to the total deficit.
   */
  badDebt: number;
  execution: ExecutionKind;
  /** Id of the liquidation whose trades moved the price that pushed this account under; -1 if none. */
  cause: number;
  /**
   * Id of the cascade's first record; -1 on the settlement records of an account never in
   * liquidation that closed its own positions into debt (bad debt, not a cascade).
   */
  cascadeId: number;
  /** 1 for a first liquidation; 0 on those settlement records. */
  generation: number;
}

export interface MarginCall {
  tick: number;
  account: AccountId;
  equity: number;
  maintenance: number;
}

export interface LiquidationStats {
  /** Records that moved a position (socialized records not counted). */
  liquidations: number;
  accountsLiquidated: number;
  liquidatedNotional: number;
  penalties: number;
  /** Total deficit (negative equity) absorbed = insuranceDraw + backstopAbsorbed + adlCovered + socializedLoss + unrecoveredDebt. */
  badDebt: number;
  insuranceDraw: number;
  /** Notional of positions closed by ADL trades; a deficit levied in cash (no position moved) is in adlCovered only. */
  adlVolume: number;
  socializedLoss: number;
  backstopNotional: number;
  maxGeneration: number;
  /** Max over cascades of (tick of its last liquidation - tick of its first). */
  longestCascadeTicks: number;
  /** Extra: deficit paid by the backstop vault. */
  backstopAbsorbed: number;
  /** Extra: deficit charged to ADL counterparties. */
  adlCovered: number;
  /** Extra: deficit nobody covered; it stays as the account's negative cash. */
  unrecoveredDebt: number;
  /** Extra: number of margin calls emitted. */
  marginCalls: number;
  /** Extra: number of distinct cascades (records with cascadeId -1 are in none). */
  cascades: number;
  /**
   * Extra: liquidation steps a bounded vault (backstop capital given) was due to take over but
   * declined, as its equity would not have covered its maintenance; the step went on without it.
   */
  backstopDeclined: number;
}
