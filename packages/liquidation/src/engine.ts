/**
 * The liquidation engine. Runs in the "liquidation" phase of every tick (after marks update).
 *
 * Finding liquidatable accounts without scanning them all (the bounded check)
 * ---------------------------------------------------------------------------
 * equity - maintenance (E - M; for a health-factor trigger `HF < x`, the buffer num - x*den) is
 * monotone in each mark: a position's maintenance mm(n) is continuous, piecewise linear and convex
 * in its notional n with marginal rate r(n) in (0, 1] (Binance tiers with maintenance amounts,
 * market/instrument.ts), so a long's part n - mm(n) never falls as its mark rises, and a short's
 * part -(n + mm(n)) never rises as its mark falls. The buffer falls only when a long's mark falls
 * or a short's mark rises, and over an adverse move of a fraction f <= D it falls by at most f times
 *     S(D) = sum_long n (1 - r(n (1 - D))) + x * sum_short n (1 + r(n (1 + D)))
 * (r is non-decreasing in n: the lowest marginal rate a shrinking long meets and the highest a
 * growing short meets). So with buffer B > 0 at its last check and D0 = B / S(0) (current rates),
 * no account whose every held mark moved adversely by less than
 *     delta = min(D0, B / S(D0))
 * can have crossed its threshold (f < delta <= D0, so f * S(D0) < B). Without tiers S(D0) = S(0)
 * and delta = D0. After each check the engine pushes, per held instrument, a trigger
 * price m*(1 - delta) (long) or m*(1 + delta) (short) into that instrument's min-heap (falling
 * prices) or max-heap (rising prices); each tick it pops only the entries the current mark has
 * crossed, and rechecks those accounts, plus accounts whose positions or cash changed (venue.fills$,
 * venue.transfers$; deposits only add to the buffer) and accounts mid-liquidation (cool-down,
 * slices, auctions). Stale entries are skipped lazily (per-account version numbers) and compacted
 * when they outnumber live ones. A `custom` trigger cannot be bounded: then every account holding
 * a position is tested every tick, and no trigger prices are pushed.
 * Every bound is computed at the rates in force (venue.marginOf). A volatility-linked margin
 * (margin.volatility) changes them in the marks phase; a trigger price pushed under the old rates
 * could then hide an account the higher rates put below its threshold. So on a tick whose rates
 * changed (venue.marginRevision moved) the engine reads the new rates and checks every account
 * holding a position, as a full scan would, which pushes each one's bounds again at the new rates.
 *
 * A liquidation step (per triggered account)
 * ------------------------------------------
 * cancel the account's resting orders and its own auctions (ones the engine did not open) ->
 * margin call -> cause -> one of:
 *  - backstop takeover: execution "backstop", or policy.backstop and equity < fraction x maintenance
 *    (Hyperliquid 2/3): positions move to the vault at the (rounded) mark, all of them;
 *    at "bankruptcy" price the remaining equity goes to the vault too (or the vault covers the
 *    deficit), so equity ends at 0.
 *    A vault with a `capital` is bounded: it takes the account only if its equity at the mark after
 *    the takeover (at "bankruptcy" price: plus the account's equity, the margin it takes or the
 *    deficit it pays; at "mark" price with a penalty to the liquidator: plus that penalty) is at
 *    least the venue's maintenance requirement of all it would then hold.
 *    When it declines, the step goes on as without a vault (ADL or the book below; a "backstop"
 *    execution sells on the book without a slippage bound, as an auction's fallback does);
 *  - ADL: bankrupt (equity < 0), loss.whenFundEmpty = "adl" and the insurance fund cannot cover
 *    the deficit: positions are closed against the opposing accounts with the highest
 *    unrealized PnL x leverage (venue.transferPosition; not the lots their own auctions hold) at
 *    the mark of this tick, rounded to a tick:
 *    the "previous mark" of Hyperliquid, i.e. the mark set before any liquidation trade of this
 *    phase (a mark from an earlier tick would hand a bankrupt account the pre-crash price); the
 *    remaining deficit is then charged to those counterparties pro rata to the notional each took
 *    (every lot bears the same loss, as if closed at the bankruptcy price), each at most its
 *    unrealized profit on the instrument and its positive equity (what one cannot pay is split
 *    again among the others);
 *    when the positions went to the book instead (or to auction keepers, or over several slices),
 *    the profitable opposing accounts of every instrument the liquidation closed share the deficit
 *    pro rata to their opposing notional (a cash levy: they keep their positions), with the same caps;
 *  - otherwise amount (a bankrupt account is always closed in full) -> execution (market sweep,
 *    slices, Dutch auction) -> penalty per record, charged in record order once all the closes of
 *    the step are done, each capped at the positive equity left (a step that ends in a deficit
 *    collects none; an auction take is a step, and so is the fallback sweep of every auction of
 *    the account that expired in one liquidation phase).
 * Under whileLiquidating "frozen" the account is frozen on the venue (venue.freeze: its own orders and
 * auction takes refused, resting orders cancelled) from the check that finds it below its trigger
 * (a cool-down's wait included) until it is flat, or a check or the end of a step finds it at or
 * above the trigger with no slice or auction pending; sweeps and slices go through as
 * venue.submitLiquidationOrder. Before each later slice of a partial amount rule (not "full") a
 * solvent account at or above its trigger (restoreToTarget: its target margin ratio) has the rest
 * of its plan dropped; a full close sells on, and an open auction runs on (its lots are the auction's).
 * When the account is flat with negative cash, the deficit goes down the loss waterfall:
 * backstop vault (backstop path) -> insurance fund -> ADL counterparties / socialised over accounts
 * with positive equity / left as unrecovered bad debt (negative cash, still conserved). So does the
 * deficit of any account found flat in debt after closing positions with its own orders, margin-called
 * before or not (booked on a settlement record when it is next checked); debt booked and left
 * unrecovered is never booked again, also if the account trades again in debt: a later deficit is
 * booked only beyond it (an account's bad debt is the largest deficit it was found flat with).
 *
 * Cause rule (cascade tracing)
 * ----------------------------
 * Every record whose execution trades on the book (sweeps, slices, auction fallbacks), or moves a
 * position through an auction take or ADL, is remembered per instrument with its tick and the mark
 * at that time. When an account starts a liquidation episode at tick t, for each instrument i it
 * holds, take the most recent such liquidation on i from an EARLIER tick (t' < t, because marks only
 * move in the next marks phase), within `causeWindow` ticks, not of the account itself; its
 * contribution is |q_i| x cv_i x adverse mark move of i since then. The cause is the candidate with
 * the largest positive contribution (-1 if none); generation = cause.generation + 1 and the
 * cascadeId is inherited; without a cause, generation 1 and cascadeId = the record's own id. The
 * episode (cause, generation, cascade) lasts while the account stays liquidatable.
 */
import { copyInto, FastSubject, memberPath, type Rng, type RunLoop, ValidationError } from "@cascade/core";
import {
  type AccountId,
  type AuctionEvent,
  BUY,
  type Fill,
  healthFactorFrom,
  type Instrument,
  type MarginSpec,
  maintenanceAmount,
  maintenanceMargin,
  type OrderResult,
  SELL,
  type Side,
  type Transfer,
  type Venue,
} from "@cascade/market";
import type { Observable } from "rxjs";
import { TriggerHeap } from "./heap.js";
import {
  type AmountContext,
  amountPlanInto,
  type Holding,
  maintenanceRate,
  type PlanItem,
  type PlanScratch,
  penaltyAmount,
  planScratch,
  sortHoldings,
  splitProRata,
  triggered,
  worstPrice,
} from "./policy.js";
import type {
  AmountSpec,
  ExecutionKind,
  ExecutionSpec,
  LiquidationRecord,
  LiquidationStats,
  MarginCall,
  PolicySpec,
} from "./types.js";
import { validatePolicySpec } from "./validate.js";

interface Episode {
  cause: number;
  cascadeId: number;
  generation: number;
}
interface RecentLiq {
  id: number;
  tick: number;
  account: number;
  refMark: number;
  cascadeId: number;
  generation: number;
}
interface SliceState {
  items: PlanItem[];
  slicesLeft: number;
}
interface AuctionInfo {
  account: number;
  instrument: number;
  side: Side;
}

export interface LiquidationEngineOptions {
  venue: Venue;
  loop: RunLoop;
  policy: PolicySpec;
  rng: Rng;
  /** Window W of the cause rule, in ticks (default 50). */
  causeWindow?: number;
  /**
   * Accounts never checked nor liquidated, as the engine's own (an experiment's shock sellers:
   * exogenous flow, not traders on margin). They still take ADL trades and socialized losses.
   */
  exempt?: readonly AccountId[];
}

export class LiquidationEngine {
  readonly insuranceFund: AccountId;
  readonly backstopVault: AccountId | -1;
  readonly liquidations$: Observable<LiquidationRecord>;
  readonly marginCalls$: Observable<MarginCall>;
  readonly records: readonly LiquidationRecord[];
  readonly policy: PolicySpec;
  readonly causeWindow: number;
  /** Accounts fully evaluated in the last check (for benchmarks / diagnostics). */
  lastChecked = 0;

  private readonly venue: Venue;
  private readonly rng: Rng;
  private readonly recs: LiquidationRecord[] = [];
  private readonly liqSubject = new FastSubject<LiquidationRecord>();
  private readonly callSubject = new FastSubject<MarginCall>();
  private readonly nInst: number;
  /**
   * venue.instruments in a plain array: Node 20's optimizing compiler does not inline element loads
   * from a frozen array (each one calls an inline-cache stub, ~4x slower).
   */
  private readonly inst: readonly Instrument[];
  /** venue.marginOf(i) per instrument, read again when venue.marginRevision moves (see the header). */
  private readonly margins: MarginSpec[];
  private marginRevision: number;

  // per-account state (typed arrays grown with the venue's account count)
  private version = new Int32Array(0);
  private liveEntries = new Int32Array(0);
  private seen = new Int32Array(0);
  private dirtyFlag = new Uint8Array(0);
  private stamp = 0;
  /** Accounts marked dirty since the last check (dirtyN entries; no allocation per tick). */
  private dirty = new Int32Array(64);
  private dirtyN = 0;
  /** Scratch of the candidates of one check. */
  private cands = new Int32Array(64);
  private candN = 0;
  /** One reusable Holding per instrument, filled by readAccount. */
  private readonly holdingBuf: Holding[] = [];
  /** Per held-count n, an array of n of them: the holdings readAccount returns. */
  private readonly holdingPool: Holding[][] = [];
  /** The same again for a margin call's own copies (ownHoldings), and the scratch of their ordering keys. */
  private readonly ownBuf: Holding[] = [];
  private readonly ownPool: Holding[][] = [];
  private readonly orderKeys: Float64Array;
  /** A margin call's plan and its amount rule's context, refilled at each margin call. */
  private readonly plan: PlanScratch;
  private readonly amountCtx: AmountContext;
  /** The amount rule reads the health factor (closeFactor's full close below a threshold). */
  private readonly amountReadsHf: boolean;
  /** Equity and maintenance requirement of the account readAccount read last. */
  private readEquity = 0;
  private readMaintenance = 0;
  /** Its health factor's numerator and denominator (venue.healthFactor's sums, in the venue's order). */
  private readHfNum = 0;
  private readHfDen = 0;
  private totalLive = 0;
  /** Per instrument: trigger prices of falling marks (longs), stored negated so the top is the highest. */
  private readonly downHeaps: TriggerHeap[] = [];
  /** Per instrument: trigger prices of rising marks (shorts), top = lowest. */
  private readonly upHeaps: TriggerHeap[] = [];

  /** Accounts rechecked every tick (mid-liquidation, or no bound): a dense list with positions. */
  private readonly activeList: number[] = [];
  private activePos = new Int32Array(0);
  private activeFlag = new Uint8Array(0);
  private readonly cooldownUntil = new Map<number, number>();
  private readonly episodes = new Map<number, Episode>();
  /**
   * Per account under liquidation: instrument -> sign of the position its records closed (1 long,
   * -1 short), over the whole liquidation (every slice, auction take and step) until the account is
   * flat or healthy again; the ADL cash levy charges the opposing accounts of all of them.
   */
  private readonly closedOf = new Map<number, Map<number, number>>();
  private readonly slicing = new Map<number, SliceState>();
  private readonly auctionInfo = new Map<number, AuctionInfo>();
  private readonly openAuctionsOf = new Map<number, number>();
  private readonly auctionQueue: AuctionEvent[] = [];
  /** Per queued event, the auctioned instrument's mark when it happened (a take's record carries it). */
  private readonly auctionMarks: number[] = [];
  private readonly recent: RecentLiq[][] = [];
  /** The venue's fee account: with the insurance fund and the backstop vault, a system account. */
  private readonly feeAccount: number;
  /**
   * Per account, its deficits booked less what the waterfall paid for them: a later deficit is booked
   * only beyond it (kept while the account trades again, margin-exempt ones in debt included).
   */
  private readonly carried = new Map<number, number>();
  /** policy.backstop.capital given: the vault takes an account only if it still covers its maintenance after. */
  private readonly vaultBounded: boolean;
  /** policy.whileLiquidating === "frozen": accounts in liquidation are frozen on the venue. */
  private readonly freezes: boolean;
  /** policy.trigger is custom: no bound, every account holding a position is checked each tick. */
  private readonly customTrigger: boolean;

  // current step
  private pending: LiquidationRecord[] = [];
  /** Penalties of the current step, charged once all its closes are done (settleCharges): records and their payees. */
  private readonly chargedRecs: LiquidationRecord[] = [];
  private readonly chargedTo: Array<ReadonlyArray<readonly [number, number]>> = [];
  /** policy.penalty goes to the liquidators: a sweep's makers are paid (pro rata to what they bought). */
  private readonly paysMakers: boolean;
  private sweepTag = -1;
  private readonly sweepMakers = new Map<number, number>();
  /** The sweep's order and result, reused (the venue reads the one and fills the other). */
  private readonly sweepOrder = {
    account: 0,
    instrument: 0,
    side: SELL as Side,
    quantity: 0,
    type: "market" as const,
    worstPrice: 0,
    reduceOnly: true,
    tag: -1,
  };
  private readonly sweepResult = { orderId: 0, filled: 0, resting: 0, notional: 0, averagePrice: 0 };
  private tick = 0;

  // statistics
  private readonly s: LiquidationStats = {
    liquidations: 0,
    accountsLiquidated: 0,
    liquidatedNotional: 0,
    penalties: 0,
    badDebt: 0,
    insuranceDraw: 0,
    adlVolume: 0,
    socializedLoss: 0,
    backstopNotional: 0,
    maxGeneration: 0,
    longestCascadeTicks: 0,
    backstopAbsorbed: 0,
    adlCovered: 0,
    unrecoveredDebt: 0,
    marginCalls: 0,
    cascades: 0,
    backstopDeclined: 0,
  };
  private readonly liquidated = new Set<number>();
  private readonly cascadeFirst = new Map<number, number>();
  /** 1 for the accounts of options.exempt (ids below the venue's count when the engine was made). */
  private readonly exemptFlag: Uint8Array;

  constructor(options: LiquidationEngineOptions) {
    const bad = (field: string, value: unknown, allowed: string) =>
      new ValidationError("INVALID_OPTIONS", field, value, allowed, "invalid liquidation engine options");
    if (options === null || typeof options !== "object")
      throw bad("options", options, "an object { venue, loop, policy, rng, causeWindow?, exempt? }");
    const { venue, loop, rng } = options;
    // Duck-typed: a second copy of a package (two installs) would fail instanceof.
    if (typeof (venue as Partial<Venue> | undefined)?.openAccount !== "function")
      throw bad("venue", venue, "a Venue");
    if (typeof (loop as Partial<RunLoop> | undefined)?.on !== "function")
      throw bad("loop", loop, "a RunLoop");
    const causeWindow = options.causeWindow ?? 50;
    if (!Number.isSafeInteger(causeWindow) || causeWindow < 0)
      throw bad("causeWindow", causeWindow, "an integer number of ticks >= 0 (default 50)");
    const exempt = options.exempt ?? [];
    if (!Array.isArray(exempt)) throw bad("exempt", exempt, "undefined or an array of account ids");
    this.exemptFlag = new Uint8Array(venue.accountCount());
    exempt.forEach((a, k) => {
      if (!Number.isSafeInteger(a) || a < 0 || a >= venue.accountCount())
        throw bad(
          memberPath("exempt", String(k)),
          a,
          `an account id of the venue, an integer in [0, ${venue.accountCount() - 1}]`,
        );
      this.exemptFlag[a] = 1;
    });
    this.policy = validatePolicySpec("policy", options.policy);
    this.venue = venue;
    this.rng = rng;
    this.causeWindow = causeWindow;
    this.records = this.recs;
    this.liquidations$ = this.liqSubject.asObservable();
    this.marginCalls$ = this.callSubject.asObservable();
    this.nInst = venue.instruments.length;
    this.inst = venue.instruments.slice();
    this.margins = this.inst.map((_, i) => venue.marginOf(i));
    this.marginRevision = venue.marginRevision;
    for (let i = 0; i < this.nInst; i++) {
      this.downHeaps.push(new TriggerHeap());
      this.upHeaps.push(new TriggerHeap());
      this.recent.push([]);
      this.holdingBuf.push({ instrument: 0, q: 0, mark: 0, cv: 0, notional: 0, rate: 0, amount: 0 });
      this.ownBuf.push({ instrument: 0, q: 0, mark: 0, cv: 0, notional: 0, rate: 0, amount: 0 });
    }
    this.orderKeys = new Float64Array(this.nInst);

    const p = this.policy;
    this.plan = planScratch(this.nInst);
    this.amountReadsHf = p.amount.kind === "closeFactor" && p.amount.fullBelowHealthFactor !== undefined;
    this.amountCtx = {
      venue,
      account: -1,
      holdings: [],
      equity: 0,
      maintenance: 0,
      ordering: p.ordering,
      penaltyRate: p.penalty.rate,
      maxSlippage: 1,
      feeRate: 0,
      onBook: false,
      healthFactor: 0,
    };
    this.insuranceFund = venue.openAccount("insurance-fund", { marginExempt: true });
    if (p.loss.insuranceFund > 0) venue.deposit(this.insuranceFund, p.loss.insuranceFund);
    this.feeAccount = venue.feeAccount;
    if (p.execution.kind === "backstop" || p.backstop !== undefined) {
      this.backstopVault = venue.openAccount("backstop-vault", { marginExempt: true });
      const capital = p.backstop?.capital ?? 0;
      if (capital > 0) venue.deposit(this.backstopVault, capital);
    } else {
      this.backstopVault = -1;
    }
    this.vaultBounded = this.backstopVault >= 0 && p.backstop?.capital !== undefined;
    this.freezes = p.whileLiquidating === "frozen";
    this.customTrigger = p.trigger.kind === "custom";
    this.paysMakers = p.penalty.rate > 0 && p.penalty.to === "liquidator";

    this.ensure(venue.accountCount());
    for (const a of venue.accountsWithPositions()) this.markDirty(a);
    // Bound methods, not arrows made per engine: V8 holds a closure's optimized code weakly, so
    // per-run arrows on these hot paths were recompiled after each major GC.
    venue.fills$.subscribe(this.onFill.bind(this));
    venue.transfers$.subscribe(this.onTransfer.bind(this));
    venue.auctions$.subscribe((e) => {
      // A transfer's `reduced` needs nothing: a take or the close reads the lots left, and one left
      // with none is followed by its `closed`.
      if (e.type !== "reduced" && this.auctionInfo.has(e.auction.id)) {
        this.auctionQueue.push(e);
        this.auctionMarks.push(venue.mark(e.auction.instrument));
        if (e.type === "taken") this.markDirty(e.bidder);
      }
    });
    loop.on("liquidation", (t) => this.check(t));
  }

  stats(): LiquidationStats {
    return { ...this.s };
  }

  /** Random stream of the engine (reserved for randomized tie-breaking; the engine is deterministic). */
  get random(): Rng {
    return this.rng;
  }

  /** The phase body: find the accounts that may have crossed their threshold and act on them. */
  check(tick: number): void {
    this.tick = tick;
    const venue = this.venue;
    this.ensure(venue.accountCount());
    this.processAuctionEvents();

    this.stamp++;
    this.candN = 0;
    if (this.customTrigger || this.ratesChanged())
      for (const a of venue.accountsWithPositions()) this.addCandidate(a);
    const dirty = this.dirty;
    const nd = this.dirtyN;
    for (let k = 0; k < nd; k++) {
      const a = dirty[k];
      this.dirtyFlag[a] = 0;
      this.addCandidate(a);
    }
    this.dirtyN = 0;
    const act = this.activeList;
    for (let k = 0; k < act.length; k++) this.addCandidate(act[k]);
    const version = this.version;
    for (let i = 0; i < this.nInst; i++) {
      const m = venue.mark(i);
      const down = this.downHeaps[i];
      while (down.size > 0 && down.keys[0] <= -m) {
        // the down heap stores -trigger (top = highest trigger): pop while mark <= trigger
        const a = down.accounts[0];
        if (down.versions[0] === version[a]) {
          this.liveEntries[a]--;
          this.totalLive--;
          this.addCandidate(a);
        }
        down.pop();
      }
      const up = this.upHeaps[i];
      while (up.size > 0 && up.keys[0] <= m) {
        const a = up.accounts[0];
        if (up.versions[0] === version[a]) {
          this.liveEntries[a]--;
          this.totalLive--;
          this.addCandidate(a);
        }
        up.pop();
      }
    }
    // Ascending account order (distinct ids): insertion sort on the scratch, no allocation.
    const n = this.candN;
    const cands = this.cands;
    if (n > 64) cands.subarray(0, n).sort();
    else {
      for (let k = 1; k < n; k++) {
        const x = cands[k];
        let j = k - 1;
        while (j >= 0 && cands[j] > x) {
          cands[j + 1] = cands[j];
          j--;
        }
        cands[j + 1] = x;
      }
    }
    this.lastChecked = n;
    for (let k = 0; k < n; k++) this.evaluate(cands[k]);
    this.maybeCompact();
  }

  /**
   * Whether a margin review changed some rates since the last check; if so reads the rates in force
   * (the caller then checks every account holding a position: see the header).
   */
  private ratesChanged(): boolean {
    const venue = this.venue;
    if (venue.marginRevision === this.marginRevision) return false;
    this.marginRevision = venue.marginRevision;
    for (let i = 0; i < this.nInst; i++) this.margins[i] = venue.marginOf(i);
    return true;
  }

  /** The engine's own accounts and the fee account are never checked (compares, not a Set lookup per account). */
  private isSystem(a: number): boolean {
    return a === this.insuranceFund || a === this.feeAccount || a === this.backstopVault;
  }

  /** Accounts the engine never checks: its own and options.exempt (which still take ADL and socialized losses). */
  private neverChecked(a: number): boolean {
    return this.isSystem(a) || (a < this.exemptFlag.length && this.exemptFlag[a] === 1);
  }

  private addCandidate(a: number): void {
    if (this.seen[a] === this.stamp) return;
    this.seen[a] = this.stamp;
    if (this.candN === this.cands.length) this.cands = copyInto(new Int32Array(2 * this.candN), this.cands);
    this.cands[this.candN++] = a;
  }

  private activeAdd(a: number): void {
    if (this.activeFlag[a] === 1) return;
    this.activeFlag[a] = 1;
    this.activePos[a] = this.activeList.length;
    this.activeList.push(a);
  }

  private activeDelete(a: number): void {
    if (this.activeFlag[a] === 0) return;
    this.activeFlag[a] = 0;
    const list = this.activeList;
    const at = this.activePos[a];
    const last = list[list.length - 1];
    list[at] = last;
    this.activePos[last] = at;
    list.pop();
  }

  /**
   * Reads account `a` in one pass over the instruments it holds (venue.heldInstruments): its holdings
   * into reusable objects (valid until the next call), in instrument order as holdingsOf gives them,
   * and its equity and maintenance requirement into readEquity / readMaintenance, summed in the
   * venue's order (so to the last bit venue.equity(a) and venue.maintenanceRequirement(a), which
   * would loop over the same instruments twice more); likewise the health factor's numerator and
   * denominator into readHfNum / readHfDen (healthFactorBelow would make three more passes).
   */
  private readAccount(a: number): Holding[] {
    const venue = this.venue;
    const inst = this.inst;
    const margins = this.margins;
    const held = venue.heldInstruments(a);
    const buf = this.holdingBuf;
    const cash = venue.cash(a);
    let equity = cash;
    let maintenance = 0;
    let hfNum = cash > 0 ? cash : 0;
    let hfDen = cash < 0 ? -cash : 0;
    let n = 0;
    for (let j = 0; j < held.length; j++) {
      const i = held[j];
      const q = venue.position(a, i);
      if (q === 0) continue; // resting orders only
      const mark = venue.mark(i);
      const cv = inst[i].contractValue;
      const notional = Math.abs(q) * mark * cv;
      const h = buf[n++];
      h.instrument = i;
      h.q = q;
      h.mark = mark;
      h.cv = cv;
      h.notional = notional;
      h.rate = maintenanceRate(margins[i], notional);
      h.amount = maintenanceAmount(margins[i], notional);
      equity += q * mark * cv;
      // maintenanceMargin(margin, notional), from the tier just looked up
      maintenance += notional * h.rate - h.amount;
      if (q > 0) hfNum += notional * (1 - h.rate) + h.amount;
      else hfDen += notional * (1 + h.rate) - h.amount;
    }
    this.readEquity = equity;
    this.readMaintenance = maintenance;
    this.readHfNum = hfNum;
    this.readHfDen = hfDen;
    sortByInstrument(buf, n);
    let out = this.holdingPool[n];
    if (out === undefined) {
      out = buf.slice(0, n);
      this.holdingPool[n] = out;
    }
    for (let k = 0; k < n; k++) out[k] = buf[k];
    return out;
  }

  /** Reference full scan (every account with a position, trigger test only): the benchmark's baseline. */
  fullScan(): number {
    const venue = this.venue;
    const trig = this.policy.trigger;
    let n = 0;
    for (const a of venue.accountsWithPositions()) {
      if (this.neverChecked(a)) continue;
      if (triggered(trig, venue, a, venue.equity(a), venue.maintenanceRequirement(a))) n++;
    }
    return n;
  }

  // ------------------------------------------------------------------ bookkeeping

  private ensure(n: number): void {
    if (n <= this.version.length) return;
    this.growAccounts(Math.max(n, this.version.length * 2, 64));
  }

  /** Cold path of ensure. */
  private growAccounts(size: number): void {
    this.version = copyInto(new Int32Array(size), this.version);
    this.liveEntries = copyInto(new Int32Array(size), this.liveEntries);
    this.seen = copyInto(new Int32Array(size), this.seen);
    this.dirtyFlag = copyInto(new Uint8Array(size), this.dirtyFlag);
    this.activePos = copyInto(new Int32Array(size), this.activePos);
    this.activeFlag = copyInto(new Uint8Array(size), this.activeFlag);
  }

  private markDirty(a: number): void {
    if (a < 0 || this.isSystem(a)) return;
    if (a >= this.dirtyFlag.length) this.ensure(a + 1);
    if (this.dirtyFlag[a] === 0) {
      this.dirtyFlag[a] = 1;
      if (this.dirtyN === this.dirty.length)
        this.dirty = copyInto(new Int32Array(2 * this.dirtyN), this.dirty);
      this.dirty[this.dirtyN++] = a;
    }
  }

  private onFill(f: Fill): void {
    this.markDirty(f.buyer);
    this.markDirty(f.seller);
    if (this.sweepTag >= 0 && f.takerTag === this.sweepTag && this.paysMakers) {
      const maker = f.takerSide === BUY ? f.seller : f.buyer;
      this.sweepMakers.set(maker, (this.sweepMakers.get(maker) ?? 0) + f.notional);
    }
  }

  private onTransfer(t: Transfer): void {
    this.markDirty(t.from);
    this.markDirty(t.to);
  }

  private invalidate(a: number): void {
    this.totalLive -= this.liveEntries[a];
    this.liveEntries[a] = 0;
    this.version[a] = (this.version[a] + 1) | 0;
  }

  private maybeCompact(): void {
    let size = 0;
    for (let i = 0; i < this.nInst; i++) size += this.downHeaps[i].size + this.upHeaps[i].size;
    if (size <= 2 * this.totalLive + 4096) return;
    this.compactHeaps();
  }

  /** Cold path of maybeCompact (kept apart: its closure would cost a context allocation per call). */
  private compactHeaps(): void {
    const version = this.version;
    const live = (a: number, v: number) => version[a] === v;
    for (let i = 0; i < this.nInst; i++) {
      this.downHeaps[i].compact(live);
      this.upHeaps[i].compact(live);
    }
  }

  /**
   * After a check that found no trigger: push the trigger prices of the bound of the account
   * readAccount read last (`hs`), from that read's equity and requirement (why not as arguments:
   * see evaluate).
   */
  private pushBounds(a: number, hs: Holding[]): void {
    const trig = this.policy.trigger;
    const x = trig.kind === "healthFactor" ? trig.below : 1;
    let buffer: number;
    if (trig.kind === "healthFactor") {
      // venue.healthFactor's numerator and denominator (n -+ maintenance per position)
      let longW = 0;
      let shortW = 0;
      for (let k = 0; k < hs.length; k++) {
        const h = hs[k];
        if (h.q > 0) longW += h.notional * (1 - h.rate) + h.amount;
        else shortW += h.notional * (1 + h.rate) - h.amount;
      }
      const cash = this.venue.cash(a);
      buffer = longW + Math.max(cash, 0) - x * (Math.max(-cash, 0) + shortW);
    } else {
      buffer = this.readEquity - this.readMaintenance;
    }
    // See "the bounded check" at the top: D0 at current rates, then the rates at its reach.
    let delta = this.boundFraction(hs, buffer, x, 0);
    if (this.holdsTiered(hs)) delta = Math.min(delta, this.boundFraction(hs, buffer, x, delta));
    delta *= 1 - 1e-9;
    if (!(delta > 0)) {
      this.activeAdd(a);
      return;
    }
    const v = this.version[a];
    let n = 0;
    for (let k = 0; k < hs.length; k++) {
      const h = hs[k];
      if (h.q > 0) {
        // a long's rising mark never lowers its buffer (marginal rate <= 1): no upper trigger
        if (delta < 1) {
          this.downHeaps[h.instrument].push(-h.mark * (1 - delta), a, v);
          n++;
        }
      } else if (Number.isFinite(delta)) {
        this.upHeaps[h.instrument].push(h.mark * (1 + delta), a, v);
        n++;
      }
    }
    this.liveEntries[a] = n;
    this.totalLive += n;
  }

  /**
   * buffer / S(reach), S the bound on the buffer's fall per unit of adverse move when every mark
   * moves by at most `reach` (see the top of the file): each position at the marginal rate of the
   * notional that move can take it to (a long's lowest, a short's highest). Infinity when S = 0.
   */
  private boundFraction(hs: Holding[], buffer: number, x: number, reach: number): number {
    const margins = this.margins;
    let longS = 0;
    let shortS = 0;
    for (let k = 0; k < hs.length; k++) {
      const h = hs[k];
      const m = margins[h.instrument];
      // the move takes a long down to n (1 - reach) and a short up to n (1 + reach)
      const far = h.q > 0 ? h.notional * (1 - reach) : h.notional * (1 + reach);
      const r = reach === 0 || m.tiers === undefined ? h.rate : maintenanceRate(m, far);
      if (h.q > 0) longS += h.notional * (1 - r);
      else shortS += h.notional * (1 + r);
    }
    const slope = longS + x * shortS;
    return slope > 0 ? buffer / slope : Number.POSITIVE_INFINITY;
  }

  private holdsTiered(hs: Holding[]): boolean {
    for (let k = 0; k < hs.length; k++) if (this.margins[hs[k].instrument].tiers !== undefined) return true;
    return false;
  }

  // ------------------------------------------------------------------ evaluation

  private evaluate(a: number): void {
    if (this.neverChecked(a)) return;
    this.invalidate(a);
    const venue = this.venue;
    // The per-account maps are empty for most checks: their size spares a hash lookup per account.
    if (this.openAuctionsOf.size > 0 && (this.openAuctionsOf.get(a) ?? 0) > 0) {
      this.activeAdd(a);
      return;
    }
    const hs = this.readAccount(a);
    if (hs.length === 0) {
      this.slicing.delete(a);
      this.activeDelete(a);
      this.cooldownUntil.delete(a);
      // Flat in debt by its own orders, margin-called before (under "free" an agent keeps trading
      // while the engine's bounded sweep finds no bids) or not (a reduce-only close far below the mark is
      // never refused): the deficit goes down the waterfall here, on a settlement record.
      if (venue.cash(a) < 0)
        this.finishStep(a, this.episodes.get(a) ?? debtOnly(), this.policy.execution.kind, null);
      this.episodes.delete(a);
      this.closedOf.delete(a);
      this.release(a);
      return;
    }
    // The calls below that every evaluated account may reach (partialPlanDone, triggeredRead,
    // pushBounds) read these from the fields, not as arguments: V8 boxes a double passed to a call
    // it does not inline (pushBounds, too large), and with such calls in two branches it boxed both
    // once, ahead of the branches, for every account (two 16-byte objects; 31% of an execution-styles
    // run's bytes, measured). liquidate and vaultCanTake take them: they are on margin calls only.
    const equity = this.readEquity;
    const maintenance = this.readMaintenance;
    const slices = this.slicing.size > 0 ? this.slicing.get(a) : undefined;
    // undefined until the trigger is tested (a full close's slices go on without a test)
    let hit: boolean | undefined;
    if (slices !== undefined) {
      hit = this.partialPlanDone(a);
      if (hit !== false) {
        this.activeAdd(a);
        this.runSlice(a, slices);
        return;
      }
      // recovered: the rest of the plan would oversell what the amount rule asked
      this.slicing.delete(a);
    }
    if (!(hit ?? this.triggeredRead(a))) {
      if (this.episodes.size > 0) this.episodes.delete(a);
      if (this.closedOf.size > 0) this.closedOf.delete(a);
      // the engine freezes only accounts it has put on the active list: the others need no release
      if (this.activeFlag[a] === 1) {
        this.activeDelete(a);
        this.release(a);
      }
      // A custom trigger is tested every tick for every account holding a position (the heaps'
      // candidates are among them, or dirty): bounds would only be pushed to go stale.
      if (!this.customTrigger) this.pushBounds(a, hs);
      return;
    }
    this.activeAdd(a);
    // frozen from here, also while it waits out a cool-down below its trigger
    if (this.freezes && !venue.isFrozen(a)) this.freeze(a);
    const p = this.policy;
    const vaultDue =
      p.execution.kind === "backstop" ||
      (p.backstop !== undefined && equity < p.backstop.belowMaintenanceFraction * maintenance);
    const backstopNow = vaultDue && (!this.vaultBounded || this.vaultCanTake(a, equity));
    // The cool-down paces book steps (Hyperliquid: 20% steps of large positions); it never holds
    // back the vault or a bankrupt account (ADL / full close), whose deficit would grow meanwhile.
    const until = this.cooldownUntil.get(a);
    if (until !== undefined && this.tick < until && !backstopNow && !(equity < 0)) return;
    this.liquidate(a, this.ownHoldings(hs), equity, maintenance, backstopNow, vaultDue && !backstopNow);
  }

  /**
   * The liquidation's own copies of the holdings (it sorts them and hands them to the policy
   * functions): reused from one margin call to the next, as nothing keeps them past the step.
   */
  private ownHoldings(hs: Holding[]): Holding[] {
    const n = hs.length;
    const buf = this.ownBuf;
    let out = this.ownPool[n];
    if (out === undefined) {
      out = buf.slice(0, n);
      this.ownPool[n] = out;
    }
    for (let k = 0; k < n; k++) {
      const from = hs[k];
      const h = buf[k];
      h.instrument = from.instrument;
      h.q = from.q;
      h.mark = from.mark;
      h.cv = from.cv;
      h.notional = from.notional;
      h.rate = from.rate;
      h.amount = from.amount;
      out[k] = h;
    }
    return out;
  }

  /**
   * The policy's trigger for the account readAccount read last: a health-factor trigger from that
   * read's sums (to the last bit venue.healthFactorBelow(a, x), without its three passes).
   */
  private triggeredRead(a: number): boolean {
    const trig = this.policy.trigger;
    const equity = this.readEquity;
    const maintenance = this.readMaintenance;
    if (trig.kind !== "healthFactor") return triggered(trig, this.venue, a, equity, maintenance);
    return healthFactorFrom(this.readHfNum, this.readHfDen, equity < maintenance) < trig.below;
  }

  /**
   * Before a later slice of a partial amount rule, for the account readAccount read last: false
   * when the account no longer needs the rest of its plan (solvent, at or above its trigger and,
   * for restoreToTarget, at its target margin ratio), else true or undefined (a full close, or an
   * account still in deficit: not tested).
   */
  private partialPlanDone(a: number): boolean | undefined {
    const amount = this.policy.amount;
    const equity = this.readEquity;
    const maintenance = this.readMaintenance;
    if (amount.kind === "full" || equity < 0) return undefined;
    if (this.triggeredRead(a)) return true;
    return amount.kind === "restoreToTarget" && equity < amount.targetMarginRatio * maintenance;
  }

  /** The vault's price for a takeover: the backstop execution's, else the backstop spec's. */
  private vaultPrice(): "mark" | "bankruptcy" {
    const p = this.policy;
    return p.execution.kind === "backstop" ? p.execution.price : (p.backstop?.price ?? "mark");
  }

  /**
   * Whether a bounded vault can take account `a` over: after the takeover its equity at the mark
   * must be at least the maintenance requirement (maintenanceMargin per position, as the venue's)
   * of its own book plus `a`'s positions. At "bankruptcy" price it gets `a`'s equity too (the
   * margin, or a deficit it pays); at "mark" price the rounding of the transfer price and, with a
   * penalty to the liquidator, the penalty the same step pays it (capped at `a`'s equity left).
   */
  private vaultCanTake(a: number, equity: number): boolean {
    const venue = this.venue;
    const vault = this.backstopVault as number;
    const bankruptcy = this.vaultPrice() === "bankruptcy";
    const pen = this.policy.penalty;
    const collects = !bankruptcy && pen.to === "liquidator" && pen.rate > 0;
    let after = venue.equity(vault) + (bankruptcy ? equity : 0);
    let requirement = 0;
    // a's cash once flat, and the penalties of its takeover records before the cap
    let cashLeft = venue.cash(a);
    let penalties = 0;
    for (let i = 0; i < this.nInst; i++) {
      const q = venue.position(a, i);
      const held = venue.position(vault, i) + q;
      if (held === 0 && q === 0) continue;
      const inst = this.inst[i];
      const mark = venue.mark(i);
      if (held !== 0)
        requirement += maintenanceMargin(this.margins[i], Math.abs(held) * mark * inst.contractValue);
      if (q !== 0 && !bankruptcy) {
        // transferred at the mark rounded to a tick (backstopTakeover), valued at the mark
        const px = tickPrice(inst, mark);
        after += q * inst.contractValue * (mark - px);
        if (collects) {
          cashLeft += q * inst.contractValue * px;
          penalties += penaltyAmount(
            pen.rate,
            Math.abs(q) * px * inst.contractValue,
            Number.POSITIVE_INFINITY,
          );
        }
      }
    }
    // settleCharges caps each record's penalty at the equity left: together, at all of it
    if (collects) after += Math.max(0, Math.min(penalties, Math.floor(cashLeft)));
    return after >= requirement;
  }

  private liquidate(
    a: number,
    hs: Holding[],
    equity: number,
    maintenance: number,
    backstopNow: boolean,
    vaultDeclined: boolean,
  ): void {
    const venue = this.venue;
    const p = this.policy;
    if (venue.openOrders(a).length > 0) venue.cancelAll(a);
    // and its own auctions: the vault, ADL and every execution would meet lots the venue reserves
    this.cancelAccountAuctions(a, hs);
    let ep = this.episodes.get(a);
    if (ep === undefined) {
      ep = this.findCause(a, hs);
      this.episodes.set(a, ep);
    }
    // The step is decided before its margin call is counted and announced: a custom key or lots
    // whose result is refused fails the step without a margin call it never acted on. (The
    // account's resting orders are cancelled first: the key and lots see the book the step trades.)
    sortHoldings(p.ordering, hs, venue, a, this.orderKeys);
    const ordered = hs;
    const toAdl =
      !backstopNow &&
      equity < 0 &&
      p.loss.whenFundEmpty === "adl" &&
      Math.max(0, venue.cash(this.insuranceFund)) < -equity;
    // declined by a bounded vault that is the execution: to the book without a slippage bound
    const exec = p.execution.kind === "backstop" ? BOOK_FALLBACK : p.execution;
    // Sweeps and slices are the account's own market orders (it pays the taker fee); auction takes
    // are transfers without fees.
    const onBook = exec.kind === "marketSweep" || exec.kind === "sliced";
    const plan = this.plan;
    if (!backstopNow && !toAdl) {
      const ctx = this.amountCtx;
      ctx.account = a;
      ctx.holdings = ordered;
      ctx.equity = equity;
      ctx.maintenance = maintenance;
      ctx.maxSlippage = onBook ? exec.maxSlippage : 1;
      ctx.feeRate = onBook ? venue.fees.takerBps / 10_000 : 0;
      ctx.onBook = onBook;
      // From evaluate's read of `a` (its step has traded nothing yet; cancels move no cash), only for
      // the rule that reads it: the double a call returns is boxed when the call is not inlined.
      if (this.amountReadsHf)
        ctx.healthFactor = healthFactorFrom(this.readHfNum, this.readHfDen, equity < maintenance);
      amountPlanInto(equity < 0 ? FULL_CLOSE : p.amount, ctx, plan);
    }
    this.s.marginCalls++;
    // the event is the subscribers' to keep: made only when there are any
    if (this.callSubject.observed)
      this.callSubject.next({ tick: this.tick, account: a, equity, maintenance });

    if (backstopNow) {
      this.backstopTakeover(a, ordered, this.vaultPrice(), ep);
      return;
    }
    if (vaultDeclined) this.s.backstopDeclined++;
    if (toAdl) {
      this.adl(a, ordered, ep);
      return;
    }
    if (p.amount.kind === "stepwise" && p.amount.cooldownTicks > 0)
      this.cooldownUntil.set(a, this.tick + p.amount.cooldownTicks);
    switch (exec.kind) {
      case "marketSweep":
        for (let k = 0; k < plan.n; k++) {
          const it = plan.items[k];
          this.sweep(a, it.instrument, it.side, it.quantity, exec.maxSlippage, "marketSweep", ep);
        }
        this.finishStep(a, ep, "marketSweep", null);
        break;
      case "sliced": {
        const items: PlanItem[] = [];
        for (let k = 0; k < plan.n; k++) items.push({ ...plan.items[k] });
        const st: SliceState = { items, slicesLeft: exec.slices };
        this.slicing.set(a, st);
        this.runSlice(a, st);
        break;
      }
      case "dutchAuction":
        for (let k = 0; k < plan.n; k++) this.openAuction(a, plan.items[k], exec);
        break;
    }
  }

  // ------------------------------------------------------------------ cause

  private findCause(a: number, hs: Holding[]): Episode {
    let best: RecentLiq | undefined;
    let bestC = 0;
    const oldest = this.tick - this.causeWindow;
    for (const h of hs) {
      const list = this.recent[h.instrument];
      // this tick's liquidations are not candidates (marks move in the next marks phase)
      for (let k = firstAtOrAfter(list, this.tick) - 1; k >= 0; k--) {
        const r = list[k];
        if (r.tick < oldest) break;
        if (r.tick >= this.tick || r.account === a) continue;
        const move = h.q > 0 ? r.refMark - h.mark : h.mark - r.refMark;
        const c = Math.abs(h.q) * h.cv * move;
        if (c > bestC) {
          bestC = c;
          best = r;
        }
        break; // the most recent eligible liquidation on this instrument only
      }
    }
    if (best === undefined) return newEpisode();
    return { cause: best.id, cascadeId: best.cascadeId, generation: best.generation + 1 };
  }

  private remember(instrument: number, rec: LiquidationRecord): void {
    const list = this.recent[instrument];
    list.push({
      id: rec.id,
      tick: rec.tick,
      account: rec.account,
      refMark: rec.mark,
      cascadeId: rec.cascadeId,
      generation: rec.generation,
    });
    const oldest = this.tick - this.causeWindow;
    let drop = 0;
    while (drop < list.length && list[drop].tick < oldest) drop++;
    // At most 64 from earlier ticks; this tick's are all kept (they are not causes before the next
    // tick), else a tick with more than 64 liquidations here dropped every earlier-tick cause.
    const earlier = firstAtOrAfter(list, this.tick);
    if (earlier - drop > 64) drop = earlier - 64;
    if (drop > 0) list.splice(0, drop);
  }

  // ------------------------------------------------------------------ records

  private nextId(): number {
    return this.recs.length + this.pending.length;
  }

  private makeRecord(
    a: number,
    ep: Episode,
    instrument: number,
    side: Side,
    quantity: number,
    price: number,
    notional: number,
    mark: number,
    kind: ExecutionKind,
  ): LiquidationRecord {
    const id = this.nextId();
    if (ep.cascadeId < 0 && ep.generation > 0) ep.cascadeId = id;
    if (instrument >= 0 && quantity > 0) {
      let closed = this.closedOf.get(a);
      if (closed === undefined) {
        closed = new Map();
        this.closedOf.set(a, closed);
      }
      closed.set(instrument, side === SELL ? 1 : -1);
    }
    const slippage =
      mark > 0 && quantity > 0 ? (side === SELL ? (mark - price) / mark : (price - mark) / mark) : 0;
    const rec: LiquidationRecord = {
      id,
      tick: this.tick,
      account: a,
      instrument,
      side,
      quantity,
      price,
      notional,
      mark,
      slippage,
      penalty: 0,
      badDebt: 0,
      execution: kind,
      cause: ep.cause,
      cascadeId: ep.cascadeId,
      generation: ep.generation,
    };
    this.pending.push(rec);
    return rec;
  }

  /** Moves pending records to `records`, updates statistics and emits them. */
  private flush(): void {
    this.settleCharges();
    const list = this.pending;
    if (list.length === 0) return;
    this.pending = [];
    const s = this.s;
    for (const r of list) {
      this.recs.push(r);
      if (r.quantity > 0) {
        s.liquidations++;
        s.liquidatedNotional += r.notional;
        if (!this.liquidated.has(r.account)) {
          this.liquidated.add(r.account);
          s.accountsLiquidated++;
        }
      }
      s.penalties += r.penalty;
      if (r.generation > s.maxGeneration) s.maxGeneration = r.generation;
      if (r.cascadeId < 0) continue; // bad debt of an account never in liquidation: no cascade
      const first = this.cascadeFirst.get(r.cascadeId);
      if (first === undefined) {
        this.cascadeFirst.set(r.cascadeId, r.tick);
        s.cascades++;
      } else if (r.tick - first > s.longestCascadeTicks) s.longestCascadeTicks = r.tick - first;
    }
    for (const r of list) this.liqSubject.next(r);
  }

  // ------------------------------------------------------------------ penalty

  /**
   * Queues the policy penalty on `rec.notional`: it is charged when the step ends
   * (settleCharges), once every close of the step is done, so a penalty is never taken from equity
   * that a later close of the same step turns into a deficit.
   */
  private charge(rec: LiquidationRecord, liquidators: ReadonlyArray<readonly [number, number]>): void {
    if (this.policy.penalty.rate > 0) {
      this.chargedRecs.push(rec);
      this.chargedTo.push(liquidators);
    }
  }

  /** Charges the queued penalties in record order, each capped at the account's remaining positive equity. */
  private settleCharges(): void {
    const recs = this.chargedRecs;
    if (recs.length === 0) return;
    const to = this.chargedTo;
    // (chargeNow's transfers only mark accounts dirty: nothing is queued meanwhile)
    for (let k = 0; k < recs.length; k++) this.chargeNow(recs[k], to[k]);
    recs.length = 0;
    to.length = 0;
  }

  private chargeNow(rec: LiquidationRecord, liquidators: ReadonlyArray<readonly [number, number]>): void {
    const a = rec.account;
    const pen = this.policy.penalty;
    const amount = penaltyAmount(pen.rate, rec.notional, this.venue.equity(a));
    if (amount <= 0) return;
    if (pen.to === "liquidator" && liquidators.length > 0) {
      for (const [to, share] of splitProRata(amount, liquidators)) {
        if (to === a) continue;
        this.venue.transferCash(a, to, share, "liquidation penalty");
        rec.penalty += share;
      }
    } else {
      this.venue.transferCash(a, this.insuranceFund, amount, "liquidation penalty");
      rec.penalty += amount;
    }
  }

  // ------------------------------------------------------------------ executions

  /** Reduce-only market order bounded at mark * (1 -/+ maxSlippage). Returns lots filled. */
  private sweep(
    a: number,
    instrument: number,
    side: Side,
    quantity: number,
    s: number,
    kind: ExecutionKind,
    ep: Episode,
  ): number {
    const venue = this.venue;
    const pos = venue.position(a, instrument);
    if (pos === 0 || (pos > 0 ? SELL : BUY) !== side) return 0;
    const qty = Math.min(quantity, Math.abs(pos));
    if (qty <= 0) return 0;
    const mark = venue.mark(instrument);
    const id = this.nextId();
    this.sweepTag = id;
    // Map.clear allocates a new table: skipped when the last sweep filled nothing
    if (this.paysMakers && this.sweepMakers.size > 0) this.sweepMakers.clear();
    const order = this.sweepOrder;
    order.account = a;
    order.instrument = instrument;
    order.side = side;
    order.quantity = qty;
    order.worstPrice = worstPrice(venue, instrument, side, mark, s);
    order.tag = id;
    let res: OrderResult;
    try {
      res = venue.submitLiquidationOrder(order, this.sweepResult);
    } finally {
      this.sweepTag = -1;
    }
    if (res.filled === 0) return 0;
    const rec = this.makeRecord(
      a,
      ep,
      instrument,
      side,
      res.filled,
      res.averagePrice,
      res.notional,
      mark,
      kind,
    );
    this.charge(rec, this.paysMakers ? [...this.sweepMakers.entries()] : NO_LIQUIDATORS);
    this.remember(instrument, rec);
    return res.filled;
  }

  private runSlice(a: number, st: SliceState): void {
    const exec = this.policy.execution;
    const s = exec.kind === "sliced" || exec.kind === "marketSweep" ? exec.maxSlippage : 1;
    const ep = this.episodes.get(a) ?? newEpisode();
    this.episodes.set(a, ep);
    for (const it of st.items) {
      if (it.quantity <= 0) continue;
      const k = Math.ceil(it.quantity / st.slicesLeft);
      it.quantity -= this.sweep(a, it.instrument, it.side, k, s, "sliced", ep);
    }
    st.slicesLeft--;
    if (st.slicesLeft <= 0 || st.items.every((it) => it.quantity <= 0)) this.slicing.delete(a);
    this.finishStep(a, ep, "sliced", null);
  }

  private openAuction(a: number, it: PlanItem, exec: Extract<ExecutionSpec, { kind: "dutchAuction" }>): void {
    const venue = this.venue;
    const inst = venue.instruments[it.instrument];
    const ref = exec.reference === "oracle" ? venue.oraclePrice(it.instrument) : venue.mark(it.instrument);
    const clamp = (p: number) => Math.max(inst.minPrice, Math.min(inst.maxPrice, p));
    const sell = it.side === SELL;
    const start = clamp(Math.round(sell ? ref * (1 + exec.startPremium) : ref * (1 - exec.startPremium)));
    const floor = clamp(
      sell
        ? Math.ceil(ref * (1 - exec.floorDiscount) - 1e-9)
        : Math.floor(ref * (1 + exec.floorDiscount) + 1e-9),
    );
    // The start is rounded to the nearest tick and the floor away from it: with no premium and a
    // tiny discount on a fractional reference they could cross, which the venue refuses.
    const limit = sell ? Math.min(floor, start) : Math.max(floor, start);
    const id = venue.openAuction({
      seller: a,
      instrument: it.instrument,
      side: it.side,
      quantity: it.quantity,
      startPrice: start,
      limitPrice: limit,
      decayPerTick: exec.decayPerTick,
      durationTicks: exec.durationTicks,
      // Opened in the liquidation phase, after this tick's agents acted: the schedule starts at the
      // next tick, when keepers first act, so they can take at the start price (Maker's Clipper:
      // `take` right after `kick` pays `top`) and durationTicks prices are offered, not one fewer.
      startTick: this.tick + 1,
      tag: -1,
    });
    this.auctionInfo.set(id, { account: a, instrument: it.instrument, side: it.side });
    this.openAuctionsOf.set(a, (this.openAuctionsOf.get(a) ?? 0) + 1);
  }

  /** Auction events queued by the auctions$ observer, settled in the liquidation phase. */
  private processAuctionEvents(): void {
    const q = this.auctionQueue;
    if (q.length === 0) return;
    const events = q.splice(0, q.length);
    const marks = this.auctionMarks.splice(0, this.auctionMarks.length);
    for (let k = 0; k < events.length; k++) {
      const e = events[k];
      const info = this.auctionInfo.get(e.auction.id);
      if (info === undefined) continue;
      const a = info.account;
      const ep = this.episodes.get(a) ?? newEpisode();
      this.episodes.set(a, ep);
      if (e.type === "taken") {
        const rec = this.makeRecord(
          a,
          ep,
          info.instrument,
          info.side,
          e.quantity,
          e.price,
          e.notional,
          marks[k],
          "dutchAuction",
        );
        rec.tick = e.tick;
        this.charge(rec, [[e.bidder, 1]]);
        this.remember(info.instrument, rec);
        this.flush();
      } else if (e.type === "closed") {
        let left = this.closeAuction(a, e, info, ep);
        // The account's auctions expire together: the fallback sweeps of the closes that follow
        // this one are the same step, as a market sweep of several instruments is (their
        // penalties are charged once all are done, in finishStep).
        while (left > 0 && k + 1 < events.length) {
          const f = events[k + 1];
          const fi = f.type === "closed" ? this.auctionInfo.get(f.auction.id) : undefined;
          if (f.type !== "closed" || fi === undefined || fi.account !== a) break;
          k++;
          left = this.closeAuction(a, f, fi, ep);
        }
        if (left <= 0) this.finishStep(a, ep, "dutchAuction", null);
        else this.flush();
        this.markDirty(a);
      }
    }
  }

  /**
   * Account `a`'s auction `e` closed: it is forgotten, and what expired unsold is swept on the book
   * (the fallback). Returns how many auctions of `a` are still open.
   */
  private closeAuction(
    a: number,
    e: Extract<AuctionEvent, { type: "closed" }>,
    info: AuctionInfo,
    ep: Episode,
  ): number {
    this.auctionInfo.delete(e.auction.id);
    const left = (this.openAuctionsOf.get(a) ?? 1) - 1;
    if (left > 0) this.openAuctionsOf.set(a, left);
    else this.openAuctionsOf.delete(a);
    if (e.reason === "expired" && e.auction.remaining > 0) {
      this.sweep(a, info.instrument, info.side, e.auction.remaining, 1, "marketSweep", ep);
    }
    return left;
  }

  /**
   * Cancels the open auctions of account `a` (holding `hs`) at each liquidation step, as its resting
   * orders: its own sales, opened by its code or another module; never the engine's (an account
   * with one is not checked). Left open, their lots could not be transferred (the vault, ADL) nor
   * sold by a reduce-only sweep, nor auctioned again by the engine: the venue refuses each.
   */
  private cancelAccountAuctions(a: number, hs: Holding[]): void {
    const venue = this.venue;
    // indexed: on every margin call (for-of makes an iterator where V8 runs this unoptimized)
    for (let j = 0; j < hs.length; j++) {
      if (venue.reserved(a, hs[j].instrument) === 0) continue;
      for (const au of venue.openAuctions()) if (au.seller === a) venue.cancelAuction(au.id);
      return;
    }
  }

  /**
   * Backstop vault takes every position at the (rounded) mark; see the class comment for pricing.
   * It takes the whole portfolio, as vaultCanTake priced it (the step cancelled the account's own
   * auctions: the venue refuses to transfer auctioned lots).
   */
  private backstopTakeover(a: number, ordered: Holding[], price: "mark" | "bankruptcy", ep: Episode): void {
    const venue = this.venue;
    const vault = this.backstopVault as number;
    let last: LiquidationRecord | undefined;
    for (const h of ordered) {
      const inst = venue.instruments[h.instrument];
      const px = tickPrice(inst, h.mark);
      const qty = Math.abs(h.q);
      venue.transferPosition(a, vault, h.instrument, h.q, px, "backstop takeover");
      const rec = this.makeRecord(
        a,
        ep,
        h.instrument,
        h.q > 0 ? SELL : BUY,
        qty,
        px,
        qty * px * h.cv,
        h.mark,
        "backstop",
      );
      this.s.backstopNotional += rec.notional;
      if (price === "mark") this.charge(rec, [[vault, 1]]);
      last = rec;
    }
    if (price === "bankruptcy" && last !== undefined) {
      const cash = venue.cash(a);
      if (cash > 0) {
        venue.transferCash(a, vault, cash, "backstop takeover: margin to vault");
        last.penalty += cash;
      }
    }
    this.finishStep(a, ep, "backstop", null, price === "bankruptcy");
  }

  /** Auto-deleveraging: close positions against the most profitable opposing accounts at the previous mark. */
  private adl(a: number, ordered: Holding[], ep: Episode): void {
    const venue = this.venue;
    const counterparties: Array<[number, number, number]> = [];
    for (const h of ordered) {
      let remaining = Math.abs(h.q);
      const sign = Math.sign(h.q);
      const inst = venue.instruments[h.instrument];
      const px = tickPrice(inst, h.mark);
      for (const [j, pnl] of this.rankOpposing(a, h.instrument, sign)) {
        if (remaining <= 0) break;
        // only lots j can close: those its own liquidation auction holds are not j's to give
        const take = Math.min(remaining, venue.reducibleQuantity(j, h.instrument, sign > 0 ? BUY : SELL));
        if (take <= 0) continue;
        venue.transferPosition(a, j, h.instrument, sign * take, px, "auto-deleveraging");
        const rec = this.makeRecord(
          a,
          ep,
          h.instrument,
          sign > 0 ? SELL : BUY,
          take,
          px,
          take * px * h.cv,
          h.mark,
          "adl",
        );
        this.s.adlVolume += rec.notional;
        this.remember(h.instrument, rec);
        counterparties.push([j, pnl, rec.notional]);
        remaining -= take;
      }
      if (remaining > 0) {
        // not enough opposing profit to deleverage against: sell the rest on the book
        const exec = this.policy.execution;
        this.sweep(
          a,
          h.instrument,
          sign > 0 ? SELL : BUY,
          remaining,
          "maxSlippage" in exec ? exec.maxSlippage : 1,
          "marketSweep",
          ep,
        );
      }
    }
    this.finishStep(a, ep, "adl", counterparties);
  }

  /** Opposing accounts on `instrument` with positive unrealized PnL, by PnL x leverage (desc), then id. */
  private rankOpposing(a: number, instrument: number, sign: number): Array<[number, number]> {
    const venue = this.venue;
    const out: Array<[number, number, number]> = [];
    for (const j of venue.accountsWithPositions()) {
      if (j === a || this.isSystem(j)) continue;
      const q = venue.position(j, instrument);
      if (q === 0 || Math.sign(q) === sign) continue;
      const pnl = venue.unrealizedPnl(j, instrument);
      if (!(pnl > 0)) continue;
      const lev = venue.leverage(j);
      out.push([j, pnl, pnl * (Number.isFinite(lev) ? lev : 1)]);
    }
    out.sort((x, y) => y[2] - x[2] || x[0] - y[0]);
    return out.map(([j, pnl]) => [j, pnl]);
  }

  // ------------------------------------------------------------------ loss waterfall

  /**
   * Ends a step: if the account is flat with negative cash, the deficit D goes down the waterfall
   * (vault when `vaultFirst`, insurance fund, then ADL counterparties / socialised / unrecovered);
   * the records get their badDebt and are emitted.
   */
  private finishStep(
    a: number,
    ep: Episode,
    kind: ExecutionKind,
    adlCounterparties: Array<[number, number, number]> | null,
    vaultFirst = false,
  ): void {
    this.settleCharges();
    const venue = this.venue;
    let flat = true;
    for (let i = 0; i < this.nInst && flat; i++) if (venue.position(a, i) !== 0) flat = false;
    const cash = venue.cash(a);
    const busy = this.slicing.has(a) || (this.openAuctionsOf.get(a) ?? 0) > 0;
    // debt booked before is not a new deficit: only what it owes beyond it is (deposits and trading
    // gains since then count against later losses)
    const owed = Math.min(this.carried.get(a) ?? 0, Math.max(0, -cash));
    if (!flat || cash + owed >= 0 || busy) {
      if (flat && !busy) this.closedOf.delete(a);
      this.flush();
      if (this.freezes && !busy && (flat || !this.stillTriggered(a))) this.release(a);
      return;
    }
    const deficit = -cash - owed;
    const s = this.s;
    s.badDebt += deficit;
    let rest = deficit;
    if (vaultFirst && this.backstopVault >= 0) {
      const v = Math.min(rest, Math.max(0, Math.floor(venue.equity(this.backstopVault))));
      if (v > 0) venue.transferCash(this.backstopVault, a, v, "backstop absorbs deficit");
      s.backstopAbsorbed += v;
      rest -= v;
    }
    const f = Math.min(rest, Math.max(0, venue.cash(this.insuranceFund)));
    if (f > 0) venue.transferCash(this.insuranceFund, a, f, "insurance fund covers deficit");
    s.insuranceDraw += f;
    rest -= f;
    let socialized = 0;
    if (rest > 0) {
      const mode = this.policy.loss.whenFundEmpty;
      if (mode === "adl") {
        if (adlCounterparties !== null && adlCounterparties.length > 0) {
          rest -= this.chargeDeleveraged(a, adlCounterparties, rest);
        } else {
          // positions already closed (on the book, by auction takes, in slices; no ADL trade): the
          // profitable opposing accounts of every instrument this liquidation closed (this step's
          // first, then earlier slices / takes / steps) share the deficit pro rata to their
          // opposing notional there, each at most its profit and equity (chargeDeleveraged)
          const list: Array<[number, number, number]> = [];
          const closed = new Map<number, number>();
          for (const r of this.pending)
            if (r.instrument >= 0 && r.quantity > 0 && !closed.has(r.instrument))
              closed.set(r.instrument, r.side === SELL ? 1 : -1);
          for (const [i, sign] of this.closedOf.get(a) ?? []) if (!closed.has(i)) closed.set(i, sign);
          for (const [i, sign] of closed) {
            for (const [j, pnl] of this.rankOpposing(a, i, sign)) {
              list.push([
                j,
                pnl,
                Math.abs(venue.position(j, i)) * venue.mark(i) * this.inst[i].contractValue,
              ]);
            }
          }
          if (list.length > 0) rest -= this.chargeDeleveraged(a, list, rest);
        }
      } else if (mode === "socialize") {
        const weights: Array<[number, number]> = [];
        const n = venue.accountCount();
        for (let j = 0; j < n; j++) {
          if (j === a || this.isSystem(j)) continue;
          const e = Math.floor(venue.equity(j));
          if (e > 0) weights.push([j, e]);
        }
        const total = weights.reduce((t, [, w]) => t + w, 0);
        const amount = Math.min(rest, total);
        for (const [j, share] of splitProRata(amount, weights)) {
          venue.transferCash(j, a, share, "socialized loss");
          socialized += share;
        }
        s.socializedLoss += socialized;
        rest -= socialized;
      }
    }
    s.unrecoveredDebt += rest;
    if (owed + rest > 0) this.carried.set(a, owed + rest);
    else this.carried.delete(a);
    this.closedOf.delete(a);
    this.episodes.delete(a);
    let last = this.pending[this.pending.length - 1];
    if (last === undefined || last.account !== a) {
      // nothing closed in this call (e.g. an auction sold everything): a settlement record
      last = this.makeRecord(a, ep, -1, SELL, 0, 0, 0, 0, kind);
    }
    last.badDebt += deficit - socialized;
    if (socialized > 0) {
      const r = this.makeRecord(a, ep, -1, SELL, 0, 0, 0, 0, "socialized");
      r.badDebt = socialized;
    }
    this.flush();
    this.release(a);
  }

  /**
   * Freezes account `a` on the venue (policy whileLiquidating "frozen"), its resting orders
   * cancelled: its own orders and auction takes are refused until release. Cold: once per liquidation.
   */
  private freeze(a: number): void {
    // Found below its trigger while a cool-down delays its step: its orders go now, not at the step.
    if (this.venue.openOrders(a).length > 0) this.venue.cancelAll(a);
    this.venue.freeze(
      a,
      `since tick ${this.tick}, when it fell below the trigger of liquidation policy "${this.policy.name}" (whileLiquidating: "frozen")`,
    );
  }

  /** The engine is done with `a` (flat, settled, or above its trigger with nothing pending): it may trade. */
  private release(a: number): void {
    if (this.freezes && this.venue.isFrozen(a)) this.venue.unfreeze(a);
  }

  /**
   * After a step: whether `a` is still below its trigger (then it stays frozen for its next step).
   * Read again in one pass (the step traded): its callers are done with the last read.
   */
  private stillTriggered(a: number): boolean {
    const trig = this.policy.trigger;
    if (trig.kind === "custom") return triggered(trig, this.venue, a, Number.NaN, Number.NaN);
    this.readAccount(a);
    return this.triggeredRead(a);
  }

  /**
   * Charges `deficit` to the accounts that took the bankrupt positions by ADL, pro rata to the
   * notional each took (largest remainder): every deleveraged lot bears the same loss, as when an
   * exchange closes ADL'd positions at the bankruptcy price. Each pays at most its unrealized profit
   * on the instrument (its whole position, at the time of ranking) and its positive equity; what one
   * cannot pay is split again, pro rata, among those that still can. Returns the amount charged.
   */
  private chargeDeleveraged(
    a: number,
    taken: ReadonlyArray<[number, number, number]>,
    deficit: number,
  ): number {
    const venue = this.venue;
    // per counterparty, in rank order of first appearance: notional taken and what it can pay
    const order: number[] = [];
    const weight = new Map<number, number>();
    const profit = new Map<number, number>();
    for (const [j, pnl, notional] of taken) {
      if (!weight.has(j)) order.push(j);
      weight.set(j, (weight.get(j) ?? 0) + notional);
      profit.set(j, (profit.get(j) ?? 0) + pnl);
    }
    const cap = new Map<number, number>();
    for (const j of order) {
      cap.set(j, Math.max(0, Math.min(Math.floor(profit.get(j) as number), Math.floor(venue.equity(j)))));
    }
    const due = new Map<number, number>();
    let left = deficit;
    // Each round either places all that is left or fills at least one account to its cap.
    while (left > 0) {
      const room = order.filter((j) => (cap.get(j) as number) > (due.get(j) ?? 0));
      if (room.length === 0) break;
      let placed = 0;
      for (const [j, share] of splitProRata(
        left,
        room.map((j) => [j, weight.get(j) as number] as const),
      )) {
        const c = Math.min(share, (cap.get(j) as number) - (due.get(j) ?? 0));
        due.set(j, (due.get(j) ?? 0) + c);
        placed += c;
      }
      if (placed === 0) break;
      left -= placed;
    }
    let charged = 0;
    for (const j of order) {
      const c = due.get(j) ?? 0;
      if (c <= 0) continue;
      venue.transferCash(j, a, c, "auto-deleveraging covers deficit");
      charged += c;
    }
    this.s.adlCovered += charged;
    return charged;
  }
}

/** A backstop or ADL transfer's price: the mark rounded to a tick, within the instrument's band. */
function tickPrice(inst: Instrument, mark: number): number {
  return Math.max(inst.minPrice, Math.min(inst.maxPrice, Math.round(mark)));
}

/** The payees of a penalty that goes to the insurance fund. */
const NO_LIQUIDATORS: ReadonlyArray<readonly [number, number]> = [];

/** A bankrupt account's amount rule: everything. */
const FULL_CLOSE: AmountSpec = { kind: "full" };

/** A "backstop" execution for an account its bounded vault declines: the book, unbounded like an auction's fallback. */
const BOOK_FALLBACK: ExecutionSpec = { kind: "marketSweep", maxSlippage: 1 };

/** Index of the first remembered liquidation at or after `tick` (lists are in tick order). */
function firstAtOrAfter(list: readonly RecentLiq[], tick: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].tick < tick) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The episode of a liquidation without a cause (yet): generation 1, its cascade the first record's id. */
function newEpisode(): Episode {
  return { cause: -1, cascadeId: -1, generation: 1 };
}

/**
 * The "episode" of a deficit booked for an account that was never in liquidation (it closed its own
 * positions into debt while healthy): bad debt, not a cascade (cascadeId -1, generation 0).
 */
function debtOnly(): Episode {
  return { cause: -1, cascadeId: -1, generation: 0 };
}

/** Insertion sort of hs[0..n) by instrument (a handful of holdings, in place, no allocation). */
function sortByInstrument(hs: Holding[], n: number): void {
  for (let k = 1; k < n; k++) {
    const h = hs[k];
    let j = k - 1;
    while (j >= 0 && hs[j].instrument > h.instrument) {
      hs[j + 1] = hs[j];
      j--;
    }
    hs[j + 1] = h;
  }
}
