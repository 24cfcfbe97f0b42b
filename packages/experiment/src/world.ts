/**
 * The built-in world of one run: RunLoop + Venue + Fundamentals + agent populations +
 * LiquidationEngine + scheduled shocks + per-tick market sampling.
 *
 * Phases of a tick (defined once in @cascade/core's RunLoop):
 *   exogenous   fundamentals step (Fundamentals), then this run's shocks due at the tick
 *   agents      agents due this tick act (scheduler, seeded order)
 *   marks       venue.updateMarks()
 *   liquidation the engine checks accounts and acts
 *   metrics     the sampler below records mid, best bid/ask, spread, depth and fundamental
 *
 * Random streams, all split from the run's root Rng (seeded with the replication's seed):
 * "loop" (agent order), "fundamentals", "agents", "liquidation", and "shocks" (a size given as a
 * distribution: shock k's stream, a correlatedCrash leg's split from it by symbol, a drawn
 * overTicks split from it as "overTicks"). Nothing else draws.
 */
import { type BuiltPopulation, buildPopulation, Fundamentals, populationLabel } from "@cascade/agents";
import {
  CascadeError,
  type Dist,
  ReturnedValueError,
  type Rng,
  RunLoop,
  rethrownBy,
  sample,
} from "@cascade/core";
import {
  checkedKey,
  checkedLots,
  checkedTest,
  LiquidationEngine,
  type PolicySpec,
} from "@cascade/liquidation";
import { BUY, connectVenue, type Instrument, SELL, Venue, withinQuotes } from "@cascade/market";
import type {
  InstrumentSeries,
  LiquidationRow,
  PopulationRecord,
  RunInfo,
  RunRecords,
  ShockRecord,
  WorldConfig,
} from "./types.js";

// Functions called once or a few times per run are module-level, not closures made per run: V8
// holds a closure's optimized code weakly, so per-run closures were recompiled after each major GC.

function newSeries(ins: Instrument, ticks: number): InstrumentSeries {
  return {
    symbol: ins.symbol,
    initialPrice: ins.initialPrice,
    minPrice: ins.minPrice,
    maxPrice: ins.maxPrice,
    mid: new Float64Array(ticks),
    price: new Float64Array(ticks),
    bestBid: new Float64Array(ticks),
    bestAsk: new Float64Array(ticks),
    spread: new Float64Array(ticks),
    depthBid: new Float64Array(ticks),
    depthAsk: new Float64Array(ticks),
    volume: new Float64Array(ticks),
    liquidatedNotional: new Float64Array(ticks),
    fundamental: new Float64Array(ticks),
  };
}

/**
 * A custom trigger's, amount rule's or ordering's failure names its function, the policy, the
 * account and the tick (the run failure's prefix names the variant), as custom agents' and
 * metrics' do. What it throws: thrownBy (an Error's stack is kept, so it still points at the
 * researcher's line), a NotAnError (it names its thrower, a venue stream's observer) or a
 * ValidationError (it names the field at fault) passed through, as by an agent. What it returns
 * that the engine's own check (checkedTest, checkedLots, checkedKey) refuses: a ReturnedValueError.
 * That check is made here, as the value is returned, since past this point nothing knows the
 * account's label or the tick; the engine's check of the same value then passes. Built-in parts
 * are passed as they are.
 */
function namingCustomParts(policy: PolicySpec, venue: Venue, loop: RunLoop): PolicySpec {
  const { trigger, amount, ordering } = policy;
  const custom = typeof ordering === "object";
  if (trigger.kind !== "custom" && amount.kind !== "custom" && !custom) return policy;
  // What failed: the function at liquidation.<what>, called on `account` now.
  const where = (what: string, account: number) =>
    `custom ${what.split(".")[0]} failed: liquidation.${what} of policy "${policy.name}" on account ${venue.label(account)} at tick ${loop.now}`;
  // The function, its failure named (its arguments start venue, account; `checked` is the engine's
  // check of what it returns, given its arguments).
  const naming =
    <A extends [Venue, number, ...unknown[]], R>(
      fn: (...args: A) => R,
      self: unknown,
      what: string,
      checked: (out: unknown, args: A) => R,
    ) =>
    (...args: A): R => {
      let out: R;
      try {
        out = fn.apply(self, args);
      } catch (e) {
        throw rethrownBy(where(what, args[1]), e);
      }
      try {
        return checked(out, args);
      } catch (e) {
        throw e instanceof CascadeError ? new ReturnedValueError(where(what, args[1]), e) : e;
      }
    };
  const named = { ...policy };
  if (trigger.kind === "custom")
    named.trigger = { kind: "custom", test: naming(trigger.test, trigger, "trigger.test", checkedTest) };
  if (amount.kind === "custom")
    named.amount = {
      kind: "custom",
      lots: naming(amount.lots, amount, "amount.lots", (out, [, , hs]) => checkedLots(out, hs)),
    };
  if (custom)
    named.ordering = {
      kind: "custom",
      key: naming(ordering.key, ordering, "ordering.key", (out, [, , h]) => checkedKey(out, h)),
    };
  return named;
}

/** The run loop and the venue of a config's market, connected (the loop's stream is rng's "loop"). */
export function openMarket(config: WorldConfig, rng: Rng): { loop: RunLoop; venue: Venue } {
  const loop = new RunLoop({ rng: rng.split("loop") });
  const venue = new Venue({
    instruments: config.market.instruments,
    fees: config.market.fees,
    mark: config.market.mark,
  });
  connectVenue(loop, venue);
  return { loop, venue };
}

/** A Simulator: `_run` is taken as a custom simulate's is, and not needed (a failure's prefix names the run). */
export function simulateWorld(config: WorldConfig, rng: Rng, _run?: RunInfo): RunRecords {
  const ticks = config.ticks;
  const { loop, venue } = openMarket(config, rng);
  const fundamentals = new Fundamentals({
    venue,
    loop,
    spec: config.fundamentals,
    rng: rng.split("fundamentals"),
  });

  // Shocks: registered after the fundamentals, so they act on the value of the same tick. A shock
  // over N ticks is listed at each of its ticks, in config order like the one-tick ones.
  const shockTicks = new Map<number, Array<() => void>>();
  const over = (from: number, n: number, f: () => void) => {
    for (let tick = from; tick < from + n; tick++) {
      const list = shockTicks.get(tick);
      if (list) list.push(f);
      else shockTicks.set(tick, [f]);
    }
  };
  // A size given as a distribution is drawn here, once per run, from shock k's own stream (a
  // constant draws nothing): the same scenario under every variant of the replication.
  const shockRng = rng.split("shocks");
  const shockSellers: number[] = [];
  const shocks: ShockRecord[] = config.shocks.map((s, k) => {
    const draw = shockRng.split(k);
    const overTicks = shockDuration(s.overTicks, draw);
    if (s.kind === "fundamentalDrop") {
      const id = venue.instrumentId(s.instrument);
      const fraction = sample(s.fraction, draw);
      const step = logStep(fraction, overTicks);
      over(s.atTick, overTicks, () => fundamentals.shock(id, step, s.permanent === true));
      return { kind: s.kind, instrument: s.instrument, atTick: s.atTick, fraction, overTicks };
    }
    if (s.kind === "correlatedCrash") {
      const fractions: Record<string, number> = {};
      // Each leg from its own stream (by symbol, not by position or instrument id): a variant that
      // changes one leg (a constant draws nothing) or lists the instruments in another order leaves
      // the others' draws, and the pairing, as they were.
      for (const [sym, f] of Object.entries(s.fractions))
        fractions[sym] = sample(f, draw.split(`leg ${sym}`));
      const ids = Object.entries(fractions).map(
        ([sym, f]) => [venue.instrumentId(sym), logStep(f, overTicks)] as const,
      );
      over(s.atTick, overTicks, () => {
        for (const [id, step] of ids) fundamentals.shock(id, step, s.permanent === true);
      });
      return { kind: s.kind, atTick: s.atTick, fractions, overTicks };
    }
    const id = venue.instrumentId(s.instrument);
    const ins = venue.instruments[id];
    const quantity = sample(s.quantity, draw);
    const account = venue.openAccount(`shock[${k}]`, { marginExempt: true });
    shockSellers.push(account);
    venue.deposit(account, quantity * ins.maxPrice * ins.contractValue);
    const lots = new ChildLots(quantity, overTicks);
    over(s.atTick, overTicks, () => {
      const q = lots.next();
      if (q > 0) venue.submit({ account, instrument: id, side: SELL, quantity: q, type: "market" });
    });
    return { kind: s.kind, instrument: s.instrument, atTick: s.atTick, quantity, overTicks };
  });
  loop.on("exogenous", (tick) => {
    const list = shockTicks.get(tick);
    if (list) for (const f of list) f();
  });

  // buildPopulations, one population at a time: the deposits between two are that population's capital.
  const agentCtx = { venue, loop, rng: rng.split("agents"), fundamentals };
  const np = config.populations.length;
  const built: BuiltPopulation[] = [];
  const capital = new Float64Array(np);
  // A custom agent's create may trade while the world is built (an IOC against the makers' quotes):
  // buyer, seller, quantity, notional of each such fill, counted once accounts map to populations.
  const buildFills: number[] = [];
  const whileBuilding = venue.fills$.subscribe((f) => {
    buildFills.push(f.buyer, f.seller, f.quantity, f.notional);
  });
  for (let p = 0; p < np; p++) {
    const before = venue.totalDeposits;
    built.push(buildPopulation(config.populations[p], agentCtx, p));
    capital[p] = venue.totalDeposits - before;
    // a custom agent's create may deposit through its view: counted in toppedUp, not twice
    for (const v of built[p].views) capital[p] -= v.deposited;
  }
  whileBuilding.unsubscribe();
  let leveragedAccounts = 0;
  config.populations.forEach((p, i) => {
    if (p.kind === "leveraged") leveragedAccounts += built[i].accounts.length;
  });
  // Account id -> population index (-1: shock, fee, insurance or vault accounts).
  const popOf = populationOfAccounts(venue.accountCount(), built);
  const nPopOf = popOf.length;
  const tradedLots = new Float64Array(np);
  const tradedNotional = new Float64Array(np);
  const engine = new LiquidationEngine({
    venue,
    loop,
    policy: namingCustomParts(config.liquidation, venue, loop),
    rng: rng.split("liquidation"),
    // a marketSell's seller is the scenario, not a trader on margin: never liquidated
    exempt: shockSellers,
  });

  const n = venue.instruments.length;
  const series = venue.instruments.map((ins) => newSeries(ins, ticks));
  // A trade counts for the population of each side (once when both sides are of one population).
  const traded = (buyer: number, seller: number, quantity: number, notional: number) => {
    const b = buyer < nPopOf ? popOf[buyer] : -1;
    const a = seller < nPopOf ? popOf[seller] : -1;
    if (b >= 0) {
      tradedLots[b] += quantity;
      tradedNotional[b] += notional;
    }
    if (a >= 0 && a !== b) {
      tradedLots[a] += quantity;
      tradedNotional[a] += notional;
    }
  };
  for (let k = 0; k < buildFills.length; k += 4)
    traded(buildFills[k], buildFills[k + 1], buildFills[k + 2], buildFills[k + 3]);
  const fills = venue.fills$.subscribe((f) => {
    const t = f.tick;
    if (t >= 1 && t <= ticks) series[f.instrument].volume[t - 1] += f.quantity;
    traded(f.buyer, f.seller, f.quantity, f.notional);
  });
  // Auction takes are trades too (a keeper buys a liquidated position), but the venue reports
  // them on auctions$, not fills$.
  const takes = venue.auctions$.subscribe((e) => {
    if (e.type !== "taken") return;
    const sells = e.auction.side === SELL;
    traded(sells ? e.bidder : e.auction.seller, sells ? e.auction.seller : e.bidder, e.quantity, e.notional);
  });
  const band = config.depthBand;
  const vault = engine.backstopVault;
  const vaultCapital = config.liquidation.backstop?.capital ?? 0;
  // The vault's lowest result over the run: what it had at risk, also when prices come back by the end.
  let vaultWorst = 0;
  loop.on("metrics", (tick) => {
    if (tick > ticks) return;
    const i = tick - 1;
    if (vault >= 0) {
      const pnl = venue.equity(vault) - vaultCapital;
      if (pnl < vaultWorst) vaultWorst = pnl;
    }
    for (let k = 0; k < n; k++) {
      const book = venue.book(k);
      const s = series[k];
      const bb = book.bestBid();
      const ba = book.bestAsk();
      s.bestBid[i] = bb;
      s.bestAsk[i] = ba;
      s.mid[i] = book.mid();
      // At the bottom of a crash one side of the book is often empty: the last trade is the price,
      // but not beyond the side still quoted (an ask posted below it since is a price one can buy at).
      const last = venue.lastTradePrice(k);
      if (Number.isFinite(s.mid[i])) s.price[i] = s.mid[i];
      else {
        s.price[i] = withinQuotes(last > 0 ? last : i > 0 ? s.price[i - 1] : s.initialPrice, bb, ba);
      }
      s.spread[i] = book.spread();
      if (band > 0) {
        s.depthBid[i] = book.depthWithin(BUY, band);
        s.depthAsk[i] = book.depthWithin(SELL, band);
      } else {
        s.depthBid[i] = bb > 0 ? book.volumeAt(BUY, bb) : 0;
        s.depthAsk[i] = ba > 0 ? book.volumeAt(SELL, ba) : 0;
      }
      s.fundamental[i] = fundamentals.value(k);
    }
  });

  loop.run(ticks);
  loop.complete();
  fills.unsubscribe();
  takes.unsubscribe();

  const liquidations: LiquidationRow[] = [];
  for (const r of engine.records) liquidations.push(liquidationRow(venue, r));
  for (const r of engine.records) {
    if (r.instrument >= 0 && r.tick >= 1 && r.tick <= ticks) {
      series[r.instrument].liquidatedNotional[r.tick - 1] += r.notional;
    }
  }
  const stats = engine.stats();
  let shockTick = 1;
  if (config.shocks.length > 0) shockTick = Math.min(...config.shocks.map((s) => s.atTick));
  return {
    ticks,
    shockTick,
    series,
    liquidations,
    totals: {
      badDebt: stats.badDebt,
      insuranceDraw: stats.insuranceDraw,
      adlVolume: stats.adlVolume,
      backstopAbsorbed: stats.backstopAbsorbed,
      adlCovered: stats.adlCovered,
      socializedLoss: stats.socializedLoss,
      unrecoveredDebt: stats.unrecoveredDebt,
      backstopPnl: vault >= 0 ? venue.equity(vault) - vaultCapital : null,
      backstopWorstPnl: vault >= 0 ? vaultWorst : null,
      backstopDeclined:
        vault >= 0 && config.liquidation.backstop?.capital !== undefined ? stats.backstopDeclined : null,
    },
    leveragedAccounts,
    shocks,
    populations: populationRecords(config, venue, engine, built, popOf, capital, tradedLots, tradedNotional),
  };
}

/**
 * A shock's duration in ticks: 1 when not given; a distribution is drawn from its own stream split
 * from the shock's (a constant draws nothing), so a config without it draws as before.
 */
function shockDuration(d: Dist | undefined, draw: Rng): number {
  if (d === undefined) return 1;
  return typeof d === "number" ? d : sample(d, draw.split("overTicks"));
}

/**
 * The signed change of one of n equal log-steps of a drop of `fraction`: (1 - fraction)^(1/n) - 1,
 * so n of them compound to 1 - fraction. One step is -fraction itself (no rounding through logs).
 */
function logStep(fraction: number, n: number): number {
  return n === 1 ? -fraction : Math.expm1(Math.log1p(-fraction) / n);
}

/**
 * A marketSell's child orders: `quantity` lots in `parts` integer children summing exactly to it,
 * each floor(quantity / parts) or one more; the remainder's lots are spread evenly (child j ends
 * with floor(quantity x (j + 1) / parts) lots sold in all), the last one in the last child.
 */
export class ChildLots {
  private readonly base: number;
  private readonly extra: number;
  private acc = 0;
  constructor(
    quantity: number,
    private readonly parts: number,
  ) {
    this.base = Math.floor(quantity / parts);
    this.extra = quantity - this.base * parts;
  }
  /** The next child's lots (call once per part, in order). */
  next(): number {
    // Bresenham on the remainder: integer steps only, no product that could pass 2^53.
    this.acc += this.extra;
    if (this.acc < this.parts) return this.base;
    this.acc -= this.parts;
    return this.base + 1;
  }
}

function populationOfAccounts(accounts: number, built: readonly BuiltPopulation[]): Int32Array {
  const popOf = new Int32Array(accounts).fill(-1);
  built.forEach((b, p) => {
    for (const a of b.accounts) popOf[a] = p;
  });
  return popOf;
}

/** records.populations: what was counted during the run, plus equity at the final marks and liquidations. */
function populationRecords(
  config: WorldConfig,
  venue: Venue,
  engine: LiquidationEngine,
  built: readonly BuiltPopulation[],
  popOf: Int32Array,
  capital: Float64Array,
  tradedLots: Float64Array,
  tradedNotional: Float64Array,
): PopulationRecord[] {
  const liquidations = new Float64Array(built.length);
  for (const r of engine.records) {
    // Rows with a quantity, as the liquidations metric counts them (settlement rows have none).
    if (r.quantity > 0 && r.account >= 0 && r.account < popOf.length && popOf[r.account] >= 0)
      liquidations[popOf[r.account]]++;
  }
  return built.map((b, p) => {
    const name = populationLabel(config.populations[p]);
    if (b.accounts.length === 0) return emptyPopulation(name, p);
    let equity = 0;
    let orders = 0;
    for (const a of b.accounts) equity += venue.equity(a);
    let toppedUp = 0;
    for (const v of b.views) {
      orders += v.ordersSent;
      toppedUp += v.deposited;
    }
    return {
      name,
      index: p,
      agents: b.accounts.length,
      capital: capital[p],
      toppedUp,
      equity,
      pnl: equity - capital[p] - toppedUp,
      tradedLots: tradedLots[p],
      tradedNotional: tradedNotional[p],
      orders,
      liquidations: liquidations[p],
    };
  });
}

/**
 * The record of a population without agents (a swept count at 0): its sums over no agents are not
 * a measured 0 (a dip buyers' pnl of 0 would read as dip buyers who broke even), so null: blank.
 */
function emptyPopulation(name: string, index: number): PopulationRecord {
  return {
    name,
    index,
    agents: 0,
    capital: null,
    toppedUp: null,
    equity: null,
    pnl: null,
    tradedLots: null,
    tradedNotional: null,
    orders: null,
    liquidations: null,
  };
}

function liquidationRow(venue: Venue, r: LiquidationEngine["records"][number]): LiquidationRow {
  return {
    id: r.id,
    tick: r.tick,
    account: venue.label(r.account) || String(r.account),
    // Settlement records (a deficit settled after the positions were sold, a socialised loss)
    // carry instrument -1: they have no instrument and no quantity.
    instrument: r.instrument >= 0 ? venue.instruments[r.instrument].symbol : "",
    side: r.side === BUY ? "buy" : "sell",
    quantity: r.quantity,
    price: r.price,
    notional: r.notional,
    mark: r.mark,
    slippage: r.slippage,
    penalty: r.penalty,
    badDebt: r.badDebt,
    execution: r.execution,
    cascadeId: r.cascadeId,
    generation: r.generation,
    cause: r.cause,
  };
}
