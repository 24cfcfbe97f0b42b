import {
  AgentView,
  baselinePopulations,
  leveragedTraders,
  liquidators,
  marketTape,
  orderActivity,
  stylizedFacts,
} from "@cascade/agents";
import { CascadeError, Rng } from "@cascade/core";
import { BUY, type Fill, type OrderRequest, SELL, Venue } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { makeMarket, runSampled } from "./helpers.js";

const leveraged = leveragedTraders({
  count: 60,
  leverage: { dist: "uniform", min: 2, max: 50 },
  capital: { dist: "uniform", min: 1e6, max: 1e8 },
  crowding: 0.8,
  activation: { poissonRate: 0.01 },
});

function cascadeMarket(seed: number) {
  return makeMarket({
    seed,
    instruments: [
      { symbol: "A", initialPrice: 100_000 },
      { symbol: "B", initialPrice: 50_000 },
    ],
    fundamentals: {
      kind: "meanReverting",
      volatility: 1e-5,
      meanReversion: 1e-4,
      correlation: [
        [1, 0.6],
        [0.6, 1],
      ],
    },
    populations: [...baselinePopulations({ scale: 0.5 }), leveraged, liquidators({ count: 5, capital: 1e9 })],
  });
}

describe("whole-market runs", () => {
  it("leveraged traders never submit an order that breaches initial margin", () => {
    const m = cascadeMarket(3);
    const submit = Venue.prototype.submit;
    let rejections = 0;
    let leveragedOrders = 0;
    const levAccounts = new Set(m.built[4].accounts);
    m.venue.submit = function (this: Venue, o: OrderRequest) {
      if (levAccounts.has(o.account)) leveragedOrders++;
      try {
        return submit.call(this, o);
      } catch (e) {
        if (e instanceof CascadeError && e.code === "INSUFFICIENT_MARGIN") rejections++;
        throw e;
      }
    };
    m.loop.on("exogenous", (t) => {
      if (t === 6000) {
        m.fundamentals.shock(0, -0.08, true);
        m.fundamentals.shock(1, -0.08, true);
      }
    });
    m.loop.run(15_000);
    expect(rejections).toBe(0);
    expect(leveragedOrders).toBeGreaterThan(100);
    // they did take leverage
    const levs = m.built[4].accounts
      .map((a) => m.venue.leverage(a))
      .filter((x) => Number.isFinite(x) && x > 0);
    expect(Math.max(...levs)).toBeGreaterThan(3);
    // the ledger is conserved
    expect(m.venue.totalCash()).toBe(m.venue.totalDeposits);
    expect(m.venue.totalPosition(0)).toBe(0);
    expect(orderActivity(m.venue).limitOrders).toBeGreaterThan(1000);
  });

  it("a run is determined by its seed (same seed: identical fills log; different seed: different)", () => {
    const log = (seed: number) => {
      const m = cascadeMarket(seed);
      const rows: string[] = [];
      m.venue.fills$.subscribe((f: Fill) =>
        rows.push(`${f.tick},${f.instrument},${f.price},${f.quantity},${f.buyer},${f.seller},${f.takerSide}`),
      );
      m.loop.run(4000);
      return rows;
    };
    const a = log(11);
    const b = log(11);
    const c = log(12);
    expect(a.length).toBeGreaterThan(500);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it.each([1, 2])("the baseline market shows the stylized facts of returns (seed %i)", (seed) => {
    const m = makeMarket({
      seed,
      fundamentals: { kind: "meanReverting", volatility: 5e-6, meanReversion: 1e-4 },
      populations: baselinePopulations(),
    });
    const { mids, spreads } = runSampled(m, 80_000, 10, 2_000);
    const f = stylizedFacts(mids, { spreads });
    // bounded spread
    expect(f.spread?.missing).toBe(0);
    expect(f.spread?.p95).toBeLessThan(20);
    expect(f.spread?.max).toBeLessThan(100);
    // heavy tails
    expect(f.excessKurtosis).toBeGreaterThan(1);
    // no linear autocorrelation beyond the shortest lags (lag 1 carries the bid-ask bounce)
    for (let k = 4; k < 50; k++) expect(Math.abs(f.acfReturns[k])).toBeLessThan(0.08);
    // volatility clustering: acf(|r|) positive at lags 1..50 and decaying
    for (let k = 0; k < 50; k++) expect(f.acfAbsReturns[k]).toBeGreaterThan(0);
    expect(f.absAcfHead).toBeGreaterThan(f.absAcfTail);
  });
});

describe("AgentView (the API a custom agent trades through)", () => {
  it("an instrument index outside the venue is refused by name, not a TypeError or a silent NaN", () => {
    const { venue, loop } = makeMarket();
    const account = venue.openAccount("custom");
    venue.deposit(account, 1e9);
    const view = new AgentView(venue, marketTape(venue, loop), account, Rng.fromSeed(1));
    loop.step();
    const calls: Record<string, () => unknown> = {
      limit: () => view.limit(5, BUY, 1, 100_000),
      ioc: () => view.ioc(5, BUY, 1, 100_000),
      movingAverage: () => view.movingAverage(5, 10),
      midAgo: () => view.midAgo(1, 0),
      volatility: () => view.volatility(-1),
      volatilityRatio: () => view.volatilityRatio(0.5),
      recentTrades: () => view.recentTrades(5),
      lastTradePrice: () => view.lastTradePrice(5),
      minPrice: () => view.minPrice(5),
      maxPrice: () => view.maxPrice(-1),
      contractValue: () => view.contractValue(1),
      bestBid: () => view.bestBid(5),
      depth: () => view.depth(5, BUY, 1, [], []),
      cancelAll: () => view.cancelAll(5),
    };
    for (const [name, call] of Object.entries(calls)) {
      expect(call, name).toThrow(CascadeError);
      expect(call, name).toThrow(
        /^lookup rejected: instrument = [^;]+; allowed: an instrument id in \[0, 0\]/,
      );
    }
    expect(view.midAgo(0, 0)).toBe(100_000);
  });

  it("a NaN or infinite price or quantity is refused by name before anything is counted or sent", () => {
    const { venue, loop } = makeMarket();
    const account = venue.openAccount("custom");
    venue.deposit(account, 1e9);
    const view = new AgentView(venue, marketTape(venue, loop), account, Rng.fromSeed(1));
    loop.step();
    const before = JSON.stringify(orderActivity(venue));
    const calls: Array<[string, () => unknown, RegExp]> = [
      [
        "limit NaN price",
        () => view.limit(0, BUY, 1, Number.NaN),
        /^order rejected: price = NaN; allowed: a finite price in ticks/,
      ],
      [
        "ioc Infinity price",
        () => view.ioc(0, BUY, 1, Number.POSITIVE_INFINITY),
        /^order rejected: price = Infinity/,
      ],
      [
        "limit NaN quantity",
        () => view.limit(0, BUY, Number.NaN, 99_000),
        /^order rejected: quantity = NaN; allowed: a finite number of lots/,
      ],
      [
        "ioc Infinity quantity",
        () => view.ioc(0, SELL, Number.POSITIVE_INFINITY, 99_000),
        /^order rejected: quantity = Infinity/,
      ],
      [
        "reduce-only -Infinity quantity",
        () => view.limit(0, SELL, Number.NEGATIVE_INFINITY, 99_000, "GTC", true),
        /quantity = -Infinity/,
      ],
    ];
    for (const [name, call, message] of calls) {
      expect(call, name).toThrow(CascadeError);
      expect(call, name).toThrow(message);
    }
    expect(JSON.stringify(orderActivity(venue))).toBe(before);
    expect(venue.openOrders(account)).toEqual([]);
    // Floats are still what agents may pass: floored lots, a price rounded to the grid.
    expect(view.limit(0, BUY, 2.9, 98_999.6)).toBeGreaterThan(0);
    expect(venue.book(0).bestBid()).toBe(99_000);
    expect(view.limit(0, BUY, -1, 98_000)).toBe(-1);
  });

  it("a volatility horizon, a midAgo or a moving-average window outside the tape is refused by name", () => {
    // volatility(0, 4) read instrument 1's 30-tick volatility, midAgo(i, -1) a mid 8,191 ticks old
    // (or 0), movingAverage(i, -5) a negative price.
    const m = makeMarket({
      instruments: [
        { symbol: "A", initialPrice: 1_000 },
        { symbol: "B", initialPrice: 1_000 },
      ],
      fundamentals: { kind: "randomWalk", volatility: [0, 0.01] },
      mark: { kind: "oracle" },
    });
    const account = m.venue.openAccount("custom");
    m.venue.deposit(account, 1e9);
    const view = new AgentView(m.venue, marketTape(m.venue, m.loop), account, Rng.fromSeed(1));
    m.loop.run(200);
    expect(view.volatility(1, 0)).toBeGreaterThan(0.005);
    expect(view.volatility(0, 3)).toBeLessThan(1e-9);
    const calls: Array<[string, () => unknown, RegExp]> = [
      [
        "volatility horizon 4",
        () => view.volatility(0, 4),
        /^lookup rejected: horizon = 4; allowed: 0, 1, 2 or 3/,
      ],
      ["volatility horizon 1.5", () => view.volatility(0, 1.5), /horizon = 1\.5/],
      ["volatility horizon -1", () => view.volatility(0, -1), /horizon = -1/],
      [
        "midAgo -1",
        () => view.midAgo(1, -1),
        /^lookup rejected: ago = -1; allowed: an integer number of ticks >= 0/,
      ],
      ["midAgo 2.5", () => view.midAgo(1, 2.5), /ago = 2\.5/],
      [
        "movingAverage -5",
        () => view.movingAverage(1, -5),
        /^lookup rejected: window = -5; allowed: an integer/,
      ],
      ["movingAverage 0", () => view.movingAverage(1, 0), /window = 0/],
      ["movingAverage 2.5", () => view.movingAverage(1, 2.5), /window = 2\.5/],
    ];
    for (const [name, call, message] of calls) {
      expect(call, name).toThrow(CascadeError);
      expect(call, name).toThrow(message);
    }
    // What the README documents stays: NaN beyond the history, windows past 8,191 ticks capped.
    expect(view.midAgo(1, 10_000)).toBeNaN();
    expect(view.midAgo(1, 0)).toBe(view.mid(1));
    expect(view.movingAverage(1, 190)).toBeGreaterThan(0);
    expect(view.movingAverage(1, 300)).toBeNaN();
  });

  it("an auction take is capped by initial margin like an order, not refused with INSUFFICIENT_MARGIN", () => {
    const m = makeMarket();
    const lp = m.venue.openAccount("lp");
    m.venue.deposit(lp, 1e13);
    for (let l = 0; l < 5; l++) {
      m.venue.submit({
        account: lp,
        instrument: 0,
        side: BUY,
        quantity: 50,
        type: "limit",
        price: 99_999 - l,
      });
      m.venue.submit({
        account: lp,
        instrument: 0,
        side: SELL,
        quantity: 100,
        type: "limit",
        price: 100_001 + l,
      });
    }
    const seller = m.venue.openAccount("seller");
    m.venue.deposit(seller, 1e10);
    m.venue.submit({ account: seller, instrument: 0, side: BUY, quantity: 250, type: "market" });
    m.loop.step();
    const account = m.venue.openAccount("custom");
    m.venue.deposit(account, 100_000);
    const view = new AgentView(m.venue, marketTape(m.venue, m.loop), account, Rng.fromSeed(1));
    const id = m.venue.openAuction({
      seller,
      instrument: 0,
      side: SELL,
      quantity: 250,
      startPrice: 98_000,
      limitPrice: 80_000,
      decayPerTick: 0.001,
      durationTicks: 100,
    });
    const cap = view.maxQuantity(0, BUY, view.auctionPrice(id));
    expect(cap).toBeGreaterThan(0);
    expect(cap).toBeLessThan(250);
    const taken = view.takeAuction(id, 250, 99_000);
    expect(taken).toBe(cap);
    expect(m.venue.position(account, 0)).toBe(cap);
    expect(m.venue.auction(id).remaining).toBe(250 - cap);
    expect(m.venue.equity(account)).toBeGreaterThanOrEqual(m.venue.initialRequirement(account));
    expect(orderActivity(m.venue).auctionTakes).toBe(1);
    // What the venue refuses for other reasons it still names itself.
    expect(() => view.takeAuction(99, 1, 99_000)).toThrow(/^auction take rejected: auctionId = 99/);
  });

  it("skippedForMargin counts orders the margin cap cut to 0, not quantities the agent asked as 0", () => {
    const { venue, loop } = makeMarket();
    const rich = venue.openAccount("rich");
    venue.deposit(rich, 1e9);
    const poor = venue.openAccount("poor");
    venue.deposit(poor, 1);
    const tape = marketTape(venue, loop);
    const richView = new AgentView(venue, tape, rich, Rng.fromSeed(1));
    const poorView = new AgentView(venue, tape, poor, Rng.fromSeed(2));
    loop.step();
    const skipped = () => orderActivity(venue).skippedForMargin;
    expect(richView.limit(0, BUY, 0.5, 99_000)).toBe(-1);
    expect(richView.ioc(0, BUY, 0, 101_000)).toBe(0);
    expect(richView.limit(0, SELL, -3, 101_000)).toBe(-1);
    expect(skipped()).toBe(0);
    expect(poorView.limit(0, BUY, 5, 99_000)).toBe(-1);
    expect(poorView.ioc(0, SELL, 5, 99_000)).toBe(0);
    expect(skipped()).toBe(2);
    expect(richView.ordersSent + poorView.ordersSent).toBe(0);
  });

  it("skippedForAuction counts plain orders capped to 0 by the lots the account's own auctions hold, apart from margin", () => {
    const { venue, loop } = makeMarket();
    const lp = venue.openAccount("lp");
    venue.deposit(lp, 1e13);
    venue.submit({ account: lp, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 100_000 });
    venue.submit({ account: lp, instrument: 0, side: BUY, quantity: 50, type: "limit", price: 99_000 });
    const borrower = venue.openAccount("borrower");
    venue.deposit(borrower, 1e9);
    venue.submit({ account: borrower, instrument: 0, side: BUY, quantity: 10, type: "market" });
    const poor = venue.openAccount("poor");
    venue.deposit(poor, 1);
    const tape = marketTape(venue, loop);
    const view = new AgentView(venue, tape, borrower, Rng.fromSeed(1));
    const poorView = new AgentView(venue, tape, poor, Rng.fromSeed(2));
    loop.step();
    const auction = (quantity: number) =>
      venue.openAuction({
        seller: borrower,
        instrument: 0,
        side: SELL,
        quantity,
        startPrice: 100_000,
        limitPrice: 90_000,
        decayPerTick: 0.01,
        durationTicks: 10,
      });
    // 4 of its 10 lots under auction: a sell of 3 goes out, one of the rest is capped to 3 and sent
    auction(4);
    expect(view.limit(0, SELL, 3, 101_000)).toBeGreaterThan(0);
    expect(view.limit(0, SELL, 5, 101_000)).toBeGreaterThan(0);
    expect(venue.restingQuantity(borrower, 0, SELL)).toBe(6);
    // nothing left beside the auction and its resting sells: skipped, counted apart from margin
    expect(view.limit(0, SELL, 2, 101_000)).toBe(-1);
    expect(view.ioc(0, SELL, 2, 99_000)).toBe(0);
    const act = orderActivity(venue);
    expect([act.skippedForAuction, act.skippedForMargin]).toEqual([2, 0]);
    // a buy is not what the auction holds; a margin cap is still a margin skip
    expect(view.limit(0, BUY, 1, 98_000)).toBeGreaterThan(0);
    expect(poorView.limit(0, SELL, 5, 101_000)).toBe(-1);
    expect([act.skippedForAuction, act.skippedForMargin]).toEqual([2, 1]);
    expect(view.ordersSent).toBe(3);
    loop.complete();
  });
});

describe("AgentView.mid while a side of the book is empty", () => {
  it("is the last trade bounded by the side still quoted, as the run's price series is", () => {
    const { venue, loop } = makeMarket();
    const tape = marketTape(venue, loop);
    const maker = venue.openAccount("maker");
    const taker = venue.openAccount("taker");
    venue.deposit(maker, 1e12);
    venue.deposit(taker, 1e12);
    const view = new AgentView(venue, tape, maker, Rng.fromSeed(1));
    loop.step();
    // the only bid is taken at 100,000: the bid side is empty and the last trade is 100,000
    venue.submit({ account: maker, instrument: 0, side: BUY, type: "limit", price: 100_000, quantity: 1 });
    venue.submit({ account: taker, instrument: 0, side: SELL, type: "market", quantity: 1 });
    expect(venue.lastTradePrice(0)).toBe(100_000);
    expect(view.mid(0)).toBe(100_000);
    // an ask posted below that trade: one can buy at 99,900, so the mid is no higher
    venue.submit({ account: maker, instrument: 0, side: SELL, type: "limit", price: 99_900, quantity: 1 });
    expect(view.bestBid(0)).toBe(0);
    expect(view.mid(0)).toBe(99_900);
    // mirror: asks gone (taken), a bid posted above the last trade
    venue.submit({ account: taker, instrument: 0, side: BUY, type: "market", quantity: 1 });
    expect(venue.lastTradePrice(0)).toBe(99_900);
    venue.submit({ account: maker, instrument: 0, side: BUY, type: "limit", price: 100_050, quantity: 1 });
    expect(view.bestAsk(0)).toBe(0);
    expect(view.mid(0)).toBe(100_050);
  });
});
