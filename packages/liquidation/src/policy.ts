/**
 * The policy parts as small pure-ish functions: trigger, ordering across assets, amount per
 * asset, penalty, and a book-walk estimate used by restore-to-target. The engine composes them.
 */
import { CascadeError, isTypedArray } from "@cascade/core";
import {
  BUY,
  maintenanceAmount,
  maintenanceMargin,
  maintenanceRate,
  type OrderBook,
  SELL,
  type Side,
  type Venue,
} from "@cascade/market";
import type { AmountSpec, OrderingSpec, TriggerSpec } from "./types.js";

/** The venue's margin model (one rule for both packages; re-exported for existing callers). */
export { maintenanceRate };

/** One non-zero position of an account, valued at mark. */
export interface Holding {
  instrument: number;
  /** Signed lots. */
  q: number;
  mark: number;
  cv: number;
  /** |q| * mark * cv. */
  notional: number;
  /** Maintenance rate of its current tier (the marginal rate). */
  rate: number;
  /** Maintenance amount of that tier (0 without tiers): its maintenance is notional x rate - amount. */
  amount: number;
}

export function holdingsOf(venue: Venue, account: number): Holding[] {
  const out: Holding[] = [];
  const inst = venue.instruments;
  for (let i = 0; i < inst.length; i++) {
    const q = venue.position(account, i);
    if (q === 0) continue;
    const mark = venue.mark(i);
    const cv = inst[i].contractValue;
    const notional = Math.abs(q) * mark * cv;
    const m = venue.marginOf(i);
    out.push({
      instrument: i,
      q,
      mark,
      cv,
      notional,
      rate: maintenanceRate(m, notional),
      amount: maintenanceAmount(m, notional),
    });
  }
  return out;
}

/** Side of the trade that closes a position of sign q. */
const closingSide = (q: number): Side => (q > 0 ? SELL : BUY);

// ---------------------------------------------------------------- trigger

/** Trigger: is the account liquidatable now? (`equity`/`maintenance` are the venue's values.) */
export function triggered(
  spec: TriggerSpec,
  venue: Venue,
  account: number,
  equity: number,
  maintenance: number,
): boolean {
  switch (spec.kind) {
    case "maintenance":
      return equity < maintenance;
    case "healthFactor":
      return venue.healthFactorBelow(account, spec.below);
    case "custom":
      return checkedTest(spec.test(venue, account));
  }
}

/**
 * What a custom trigger's test returned, checked: true or false, else a CascadeError naming it and
 * what is allowed. Experiment files are bundled without a type check: a test that forgets its
 * `return` would liquidate nobody, and one returning a string would liquidate everyone.
 */
export function checkedTest(hit: unknown): boolean {
  if (typeof hit !== "boolean") {
    throw new CascadeError(
      "INVALID_TRIGGER_RESULT",
      "trigger.test(venue, account)",
      hit,
      "true or false",
      "custom trigger failed",
    );
  }
  return hit;
}

// ---------------------------------------------------------------- ordering

/**
 * Ordering across a portfolio's assets (which position is closed first / gets the budget):
 * largestNotional (desc notional), mostLiquid (desc resting notional within 1% of the mid on the
 * side the close trades against, book.depthWithin), worstPnl (asc unrealized PnL), proRata
 * (instrument order; budgets are then split in proportion to notional), custom (asc key, checkedKey).
 * Ties by instrument id.
 */
export function orderHoldings(
  ordering: OrderingSpec,
  holdings: Holding[],
  venue: Venue,
  account: number,
): Holding[] {
  const out = holdings.slice();
  sortHoldings(ordering, out, venue, account, new Float64Array(out.length));
  return out;
}

/**
 * orderHoldings in place, without allocating (the engine's, once per margin call): `keys` is a
 * scratch of at least holdings.length. Ascending keys, ties by instrument.
 */
export function sortHoldings(
  ordering: OrderingSpec,
  holdings: Holding[],
  venue: Venue,
  account: number,
  keys: Float64Array,
): void {
  const n = holdings.length;
  for (let j = 0; j < n; j++) keys[j] = orderingKey(ordering, holdings[j], venue, account);
  // insertion sort of a handful of holdings, keys moved along
  for (let j = 1; j < n; j++) {
    const h = holdings[j];
    const k = keys[j];
    let i = j - 1;
    while (i >= 0 && (keys[i] - k || holdings[i].instrument - h.instrument) > 0) {
      holdings[i + 1] = holdings[i];
      keys[i + 1] = keys[i];
      i--;
    }
    holdings[i + 1] = h;
    keys[i + 1] = k;
  }
}

/** A holding's sort key under `ordering` (ascending). */
function orderingKey(ordering: OrderingSpec, h: Holding, venue: Venue, account: number): number {
  if (ordering === "largestNotional") return -h.notional;
  if (ordering === "mostLiquid") {
    const side = closingSide(h.q) === SELL ? BUY : SELL; // a sell hits the bids
    return -venue.book(h.instrument).depthWithin(side, 0.01) * h.mark * h.cv;
  }
  if (ordering === "worstPnl") return venue.unrealizedPnl(account, h.instrument);
  if (ordering === "proRata") return 0;
  return customKey(ordering, venue, account, h);
}

type CustomOrdering = Extract<OrderingSpec, { kind: "custom" }>;

/**
 * A custom ordering's key of `h`, checked: a finite number. Experiment files are bundled without a
 * type check, and a NaN (a missing `return`, a 0 / 0) would leave the order of the sort to chance.
 */
function customKey(ordering: CustomOrdering, venue: Venue, account: number, h: Holding): number {
  return checkedKey(ordering.key(venue, account, readOnlyHolding(h)), h);
}

/**
 * What a custom amount rule or ordering is given: a frozen copy of a holding (the engine reuses its
 * own). Experiment files are bundled without a type check, so `Readonly<Holding>` stops nothing: a
 * rule that set a holding's `q` or `instrument`, or sorted the array in place, would change the
 * step's plan behind checkedLots. An assignment to a copy throws (experiment files are strict ES
 * modules), naming the property.
 */
function readOnlyHolding(h: Readonly<Holding>): Readonly<Holding> {
  return Object.freeze({ ...h });
}

/** readOnlyHolding of each, in a frozen array (a sort or splice in place throws). */
export function readOnlyHoldings(hs: ReadonlyArray<Readonly<Holding>>): ReadonlyArray<Readonly<Holding>> {
  return Object.freeze(hs.map(readOnlyHolding));
}

/** What a custom ordering's key returned for `h`, or a CascadeError naming it and what is allowed. */
export function checkedKey(key: unknown, h: Readonly<Holding>): number {
  if (typeof key !== "number" || !Number.isFinite(key)) {
    throw new CascadeError(
      "INVALID_ORDERING_RESULT",
      "ordering.key(venue, account, holding)",
      key,
      `a finite number (for the holding of instrument ${h.instrument}, position ${h.q}; ascending keys are closed first, ties by instrument id)`,
      "custom ordering failed",
    );
  }
  return key;
}

/**
 * What a custom amount rule's lots returned for `holdings` (in the policy's ordering), checked
 * whole before any is used: an array with, for each holding k, an integer in [0, |holdings[k].q|];
 * else a CascadeError naming the entry, its value and what is allowed. A typed array (an Int32Array,
 * a Float64Array of whole numbers) is an array of lots too: its entries are checked as an array's.
 */
export function checkedLots(lots: unknown, holdings: ReadonlyArray<Readonly<Holding>>): ArrayLike<number> {
  const field = "amount.lots(venue, account, holdings)";
  const n = holdings.length;
  if (!(Array.isArray(lots) || isTypedArray(lots)) || lots.length !== n) {
    throw new CascadeError(
      "INVALID_AMOUNT_RESULT",
      field,
      lots,
      `an array of ${n} integer numbers of lots, one per holding in the policy's ordering`,
      "custom amount failed",
    );
  }
  for (let k = 0; k < n; k++) {
    const x: unknown = lots[k];
    const q = Math.abs(holdings[k].q);
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > q) {
      throw new CascadeError(
        "INVALID_AMOUNT_RESULT",
        `${field}[${k}]`,
        x,
        `an integer number of lots in [0, ${q}] (holdings[${k}]: instrument ${holdings[k].instrument}, position ${holdings[k].q})`,
        "custom amount failed",
      );
    }
  }
  return lots as ArrayLike<number>;
}

// ---------------------------------------------------------------- book walk

/** Result of walking a book: lots that would fill (up to `worstPrice`) and their notional. */
export interface SweepEstimate {
  filled: number;
  notional: number;
}
let levelPrices: number[] = new Array(256).fill(0);
let levelQty: number[] = new Array(256).fill(0);

/** What a market order of `qty` lots on `side` would fill on `book` without going past `worstPrice`. */
export function estimateSweep(
  book: OrderBook,
  side: Side,
  qty: number,
  worstPrice: number,
  cv: number,
): SweepEstimate {
  // a BUY takes asks, a SELL takes bids
  const from = side === BUY ? SELL : BUY;
  let n = book.depth(from, levelPrices.length, levelPrices, levelQty);
  let left = qty;
  let notional = 0;
  for (let k = 0; k < n && left > 0; k++) {
    const p = levelPrices[k];
    if (side === BUY ? p > worstPrice : p < worstPrice) break;
    const take = Math.min(left, levelQty[k]);
    notional += take * p * cv;
    left -= take;
    if (left > 0 && k === n - 1 && n === levelPrices.length) {
      // every scratch level was within the bound and more lots are wanted: read deeper levels
      levelPrices = new Array(2 * n).fill(0);
      levelQty = new Array(2 * n).fill(0);
      n = book.depth(from, levelPrices.length, levelPrices, levelQty);
    }
  }
  return { filled: qty - left, notional };
}

// ---------------------------------------------------------------- amount

/** Lots to close of one instrument (always > 0, <= |position|). */
export interface PlanItem {
  instrument: number;
  side: Side;
  quantity: number;
}

export interface AmountContext {
  venue: Venue;
  account: number;
  /** Ordered holdings. */
  holdings: Holding[];
  equity: number;
  maintenance: number;
  ordering: OrderingSpec;
  penaltyRate: number;
  /** Slippage bound of the execution (for restoreToTarget's book walk); 1 when unbounded. */
  maxSlippage: number;
  /** Fee the account pays per unit of closed notional: the taker rate when the execution trades on the book, else 0. */
  feeRate: number;
  /** The execution trades on the book (market sweep, slices), not with auction keepers or a vault. */
  onBook: boolean;
  /**
   * The account's health factor when the caller has read it with the holdings (the engine's
   * one-pass read: to the last bit venue.healthFactor(account)); absent, closeFactor asks the venue.
   */
  healthFactor?: number;
}

const item = (h: Holding, quantity: number): PlanItem => ({
  instrument: h.instrument,
  side: closingSide(h.q),
  quantity,
});

/**
 * A plan written into reusable items (the engine's, once per margin call): items[0..n) are the
 * plan, the items past n spares for later plans; `at` is closeFactor's scratch per holding.
 */
export interface PlanScratch {
  items: PlanItem[];
  n: number;
  /** closeFactor: per holding, 1 + the index of its item (0: none yet). */
  at: Int32Array;
}

export function planScratch(holdings: number): PlanScratch {
  return { items: [], n: 0, at: new Int32Array(holdings) };
}

/** Appends an item to the plan; returns its index. */
function put(out: PlanScratch, instrument: number, side: Side, quantity: number): number {
  let it = out.items[out.n];
  if (it === undefined) {
    it = { instrument: 0, side: SELL, quantity: 0 };
    out.items.push(it);
  }
  it.instrument = instrument;
  it.side = side;
  it.quantity = quantity;
  return out.n++;
}

/** Appends the close of `quantity` lots of h to the plan; returns the item's index. */
const add = (out: PlanScratch, h: Holding, quantity: number): number =>
  put(out, h.instrument, closingSide(h.q), quantity);

function fullPlanInto(holdings: Holding[], out: PlanScratch): void {
  for (let j = 0; j < holdings.length; j++) add(out, holdings[j], Math.abs(holdings[j].q));
}

/**
 * floor(x) of a lot count or cash amount computed in doubles from the integer it stands for (a
 * decimal fraction times lots, a budget over a lot's value): the result may land up to ~2 ulps
 * below it (0.7 x 45,672,200 = 31,970,539.999999996), which a fixed 1e-9 lifts back only below
 * ~1e7, hence the relative margin too.
 */
function floorExact(x: number): number {
  return Math.floor(x + Math.max(1e-9, 2 * Number.EPSILON * x));
}

/**
 * ceil(a x b / n) of safe integers a, b >= 0, n > 0, exactly: the double quotient of an exact
 * product is exact while a x b + n < 2^53; beyond that, BigInt.
 */
export function ceilMulDiv(a: number, b: number, n: number): number {
  const p = a * b;
  if (p + n <= Number.MAX_SAFE_INTEGER) return Math.ceil(p / n);
  return Number((BigInt(a) * BigInt(b) + BigInt(n) - 1n) / BigInt(n));
}

/**
 * Lots of h's close the book can take within the execution's slippage bound (its resting depth at or
 * better than the worst price), at most |q|; all of them off the book.
 */
function lotsWithinBound(h: Holding, ctx: AmountContext): number {
  const q = Math.abs(h.q);
  if (!ctx.onBook) return q;
  const side = closingSide(h.q);
  const worst = worstPrice(ctx.venue, h.instrument, side, h.mark, ctx.maxSlippage);
  return estimateSweep(ctx.venue.book(h.instrument), side, q, worst, h.cv).filled;
}

/** Worst acceptable price of a liquidation order: mark * (1 -/+ s), rounded inward, inside the band. */
export function worstPrice(venue: Venue, instrument: number, side: Side, mark: number, s: number): number {
  const inst = venue.instruments[instrument];
  if (side === SELL)
    return Math.max(inst.minPrice, Math.min(inst.maxPrice, Math.ceil(mark * (1 - s) - 1e-9)));
  return Math.min(inst.maxPrice, Math.max(inst.minPrice, Math.floor(mark * (1 + s) + 1e-9)));
}

/**
 * Amount: which lots of which positions to close in this step.
 * - full: everything.
 * - closeFactor (Aave v3): a budget of `fraction` x gross notional, spent along the ordering
 *   (proRata: floor(fraction x |q|) of every position); everything when HF <= fullBelowHealthFactor
 *   (Aave v3 LiquidationLogic: `healthFactor > CLOSE_FACTOR_HF_THRESHOLD ? 50% : 100%`).
 *   On the book, the budget first buys, along the ordering, only the lots the book can take within
 *   the slippage bound (depth to the worst price), then the rest of every position with what is left
 *   (a long with one bid there would otherwise take its whole share and sell one lot, step after step).
 *   Dust rule: if the budget buys no whole lot, one lot of the first such position is closed.
 * - restoreToTarget: greedily along the ordering, the fewest lots after which
 *   (equity - slippage - penalty - fees) / maintenance >= target at current marks, slippage read
 *   from the book, fees at the taker rate when the execution trades on the book; a position that
 *   cannot get there alone is closed in full. proRata: the same fraction of every position (the
 *   smallest j/N, N the largest |q|, closing ceil(j x |q| / N) lots of each), all if none suffices.
 * - stepwise (Hyperliquid): positions with notional > minNotional lose max(1, floor(fraction x |q|))
 *   lots; smaller ones are closed in full (the cool-down is applied by the engine).
 * - tiered (Binance-like): every position above its lowest margin tier is cut to the top of the next
 *   lower tier (floor(notionalAbove / (mark x cv)) lots kept); when none is above its lowest tier,
 *   everything is closed.
 * - custom: the lots its function returns for each holding (checkedLots), those above 0 in the
 *   ordering; all zero is an empty plan, as restoreToTarget's at its target.
 */
export function amountPlan(spec: AmountSpec, ctx: AmountContext): PlanItem[] {
  const out = planScratch(ctx.holdings.length);
  amountPlanInto(spec, ctx, out);
  return out.items;
}

/** amountPlan into `out` (its items reused; `out.at` at least holdings long), without allocating but for restoreToTarget. */
export function amountPlanInto(spec: AmountSpec, ctx: AmountContext, out: PlanScratch): void {
  const hs = ctx.holdings;
  out.n = 0;
  switch (spec.kind) {
    case "full":
      fullPlanInto(hs, out);
      return;
    case "closeFactor": {
      if (
        spec.fullBelowHealthFactor !== undefined &&
        (ctx.healthFactor ?? ctx.venue.healthFactor(ctx.account)) <= spec.fullBelowHealthFactor
      ) {
        fullPlanInto(hs, out);
        return;
      }
      if (ctx.ordering === "proRata") {
        for (let j = 0; j < hs.length; j++) {
          const h = hs[j];
          const k = floorExact(spec.fraction * Math.abs(h.q));
          if (k > 0) add(out, h, k);
        }
        if (out.n === 0 && hs.length > 0) add(out, hs[0], 1);
        return;
      }
      let notional = 0;
      for (let j = 0; j < hs.length; j++) notional += hs[j].notional;
      let budget = spec.fraction * notional;
      let dust: Holding | undefined;
      // Lots planned per holding (1 + its item's index in `at`, 0 for none). First the lots the book
      // can take within the bound, along the ordering; then, with what is left, the rest of every
      // position, so one lot within the bound does not draw a whole share of the budget.
      const at = out.at;
      at.fill(0, 0, hs.length);
      for (let pass = 0; pass < 2; pass++) {
        for (let j = 0; j < hs.length; j++) {
          const h = hs[j];
          const planned = at[j] === 0 ? 0 : out.items[at[j] - 1].quantity;
          const room = pass === 0 ? lotsWithinBound(h, ctx) : Math.abs(h.q) - planned;
          if (room <= 0) continue;
          dust ??= h;
          const k = Math.min(room, floorExact(budget / (h.mark * h.cv)));
          if (k <= 0) continue;
          budget -= k * h.mark * h.cv;
          if (at[j] === 0) at[j] = 1 + add(out, h, k);
          else out.items[at[j] - 1].quantity += k;
        }
      }
      if (out.n === 0 && dust !== undefined) add(out, dust, 1);
      return;
    }
    case "restoreToTarget": {
      const plan = restorePlan(spec.targetMarginRatio, ctx);
      for (let j = 0; j < plan.length; j++) put(out, plan[j].instrument, plan[j].side, plan[j].quantity);
      return;
    }
    case "stepwise":
      for (let j = 0; j < hs.length; j++) {
        const h = hs[j];
        add(
          out,
          h,
          h.notional > spec.minNotional
            ? Math.max(1, floorExact(spec.fraction * Math.abs(h.q)))
            : Math.abs(h.q),
        );
      }
      return;
    case "custom": {
      // all checked first: a bad entry fails the step before any lot is planned
      const lots = checkedLots(spec.lots(ctx.venue, ctx.account, readOnlyHoldings(hs)), hs);
      for (let j = 0; j < hs.length; j++) if (lots[j] > 0) add(out, hs[j], lots[j]);
      return;
    }
    case "tiered": {
      for (let j = 0; j < hs.length; j++) {
        const h = hs[j];
        const tiers = ctx.venue.instruments[h.instrument].margin.tiers;
        if (tiers === undefined) continue;
        let t = -1;
        for (let k = tiers.length - 1; k >= 0; k--) {
          if (h.notional > tiers[k].notionalAbove) {
            t = k;
            break;
          }
        }
        if (t < 0) continue;
        const keep = floorExact(tiers[t].notionalAbove / (h.mark * h.cv));
        add(out, h, Math.abs(h.q) - Math.min(keep, Math.abs(h.q) - 1));
      }
      if (out.n === 0) fullPlanInto(hs, out);
      return;
    }
  }
}

/**
 * Closing k lots of h (what the book fills within the bound): equity lost to slippage and to
 * penalty plus fees, the maintenance h holds now and what its rest would hold.
 */
interface CloseEffect {
  slip: number;
  charges: number;
  held: number;
  left: number;
}
function closeEffect(h: Holding, k: number, ctx: AmountContext): CloseEffect {
  const { venue } = ctx;
  const side = closingSide(h.q);
  const worst = worstPrice(venue, h.instrument, side, h.mark, ctx.maxSlippage);
  const est = estimateSweep(venue.book(h.instrument), side, k, worst, h.cv);
  const f = est.filled;
  const atMark = f * h.mark * h.cv;
  const slip = side === SELL ? atMark - est.notional : est.notional - atMark;
  const left = (Math.abs(h.q) - f) * h.mark * h.cv;
  return {
    slip,
    charges: (ctx.penaltyRate + ctx.feeRate) * est.notional,
    held: h.notional * h.rate - h.amount,
    left: maintenanceMargin(venue.marginOf(h.instrument), left),
  };
}

/** The fewest lots n in [1, max] with ok(n) (ok assumed monotone; fixed up upward), else max. */
function fewest(max: number, ok: (n: number) => boolean): number {
  if (!ok(max)) return max;
  let lo = 1;
  let hi = max;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  while (lo < max && !ok(lo)) lo++;
  return lo;
}

function restorePlan(target: number, ctx: AmountContext): PlanItem[] {
  const hs = ctx.holdings;
  if (ctx.ordering === "proRata") {
    // the same fraction of every position: the smallest j in 1..N (N the largest |q|) after which
    // closing ceil(j x |q| / N) lots of each reaches the target; all of everything if none does
    if (ctx.equity >= target * ctx.maintenance || hs.length === 0) return [];
    let n = 0;
    for (const h of hs) n = Math.max(n, Math.abs(h.q));
    const lots = (h: Holding, j: number) => Math.min(Math.abs(h.q), ceilMulDiv(j, Math.abs(h.q), n));
    const ok = (j: number) => {
      let e = ctx.equity;
      let m = ctx.maintenance;
      for (const h of hs) {
        const k = lots(h, j);
        if (k <= 0) continue;
        const eff = closeEffect(h, k, ctx);
        e = e - eff.slip - eff.charges;
        m = m - eff.held + eff.left;
      }
      return e >= target * m;
    };
    const j = fewest(n, ok);
    const plan: PlanItem[] = [];
    for (const h of hs) {
      const k = lots(h, j);
      if (k > 0) plan.push(item(h, k));
    }
    return plan;
  }
  let equity = ctx.equity;
  let maint = ctx.maintenance;
  const plan: PlanItem[] = [];
  for (const h of hs) {
    if (equity >= target * maint) break;
    // state after closing k lots of h (only what the book can fill counts)
    const ok = (k: number) => {
      const eff = closeEffect(h, k, ctx);
      return equity - eff.slip - eff.charges >= target * (maint - eff.held + eff.left);
    };
    const k = fewest(Math.abs(h.q), ok);
    const eff = closeEffect(h, k, ctx);
    plan.push(item(h, k));
    equity = equity - eff.slip - eff.charges;
    maint = maint - eff.held + eff.left;
  }
  return plan;
}

// ---------------------------------------------------------------- penalty

/** Penalty: floor(rate x closed notional), never more than the account's remaining positive equity. */
export function penaltyAmount(rate: number, notional: number, equityAfter: number): number {
  const p = floorExact(rate * notional);
  return Math.max(0, Math.min(p, Math.floor(equityAfter)));
}

// A module-level comparator, not a closure made per call: V8 holds a closure's optimized code
// weakly, so per-call closures were recompiled after each major GC.
const largestRemainderFirst = (a: readonly [number, number], b: readonly [number, number]) =>
  b[1] - a[1] || a[0] - b[0];

/** Splits an integer `amount` over weights (largest remainder, ties by key order); sums exactly to amount. */
export function splitProRata(
  amount: number,
  weights: ReadonlyArray<readonly [number, number]>,
): Array<[number, number]> {
  let total = 0;
  for (const [, w] of weights) total += w;
  if (total <= 0 || amount <= 0) return [];
  const out: Array<[number, number]> = [];
  const rem: Array<[number, number]> = [];
  let given = 0;
  for (let idx = 0; idx < weights.length; idx++) {
    const [k, w] = weights[idx];
    const exact = (amount * w) / total;
    const share = Math.floor(exact);
    out.push([k, share]);
    rem.push([idx, exact - share]);
    given += share;
  }
  rem.sort(largestRemainderFirst);
  for (let r = 0; given < amount && r < rem.length; r++, given++) out[rem[r][0]][1]++;
  const positive: Array<[number, number]> = [];
  for (const o of out) if (o[1] > 0) positive.push(o);
  return positive;
}
