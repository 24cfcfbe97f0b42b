import { Rng, RunLoop } from "@cascade/core";
import {
  type BookUpdate,
  BUY,
  connectVenue,
  type Fill,
  type MarkUpdate,
  OrderBook,
  SELL,
  type Transfer,
  Venue,
} from "@cascade/market";
import { describe, expect, it } from "vitest";
import { checkBookkeeping, expectCode, snapshot } from "./venue-helpers.js";

function twoAccounts(fees = { makerBps: 0, takerBps: 0 }, contractValue = 1) {
  const v = new Venue({ instruments: [{ symbol: "X", initialPrice: 100, contractValue }], fees });
  const a = v.openAccount("A");
  const b = v.openAccount("B");
  v.deposit(a, 1_000_000);
  v.deposit(b, 1_000_000);
  return { v, a, b };
}

describe("settlement", () => {
  it("settles fills into both accounts with maker/taker fees, exactly", () => {
    const { v, a, b } = twoAccounts({ makerBps: 10, takerBps: 20 }, 10);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 101 });
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 5, type: "limit", price: 102 });
    const r = v.submit({ account: b, instrument: 0, side: BUY, quantity: 12, type: "market" });
    // 10 @ 101 x cv 10 = 10100 (maker fee 10, taker 20); 2 @ 102 x 10 = 2040 (maker 2, taker 4)
    expect(r.filled).toBe(12);
    expect(r.resting).toBe(0);
    expect(r.notional).toBe(12140);
    expect(r.averagePrice).toBe(12140 / 120);
    expect(v.cash(b)).toBe(1_000_000 - 12140 - 24);
    expect(v.cash(a)).toBe(1_000_000 + 12140 - 12);
    expect(v.cash(v.feeAccount)).toBe(36);
    expect(v.position(b, 0)).toBe(12);
    expect(v.position(a, 0)).toBe(-12);
    expect(v.costBasis(b, 0)).toBe(12140);
    expect(v.costBasis(a, 0)).toBe(-12140);
    expect(v.restingQuantity(a, 0, SELL)).toBe(3);
    expect(v.openOrders(a).length).toBe(1);
    expect(v.totalCash()).toBe(v.totalDeposits);
    expect(v.totalPosition(0)).toBe(0);
    expect(v.label(v.feeAccount)).toBe("fees");
    expect([...v.accountsWithPositions()].sort()).toEqual([a, b]);
    expect(v.lastTradePrice(0)).toBe(102);
  });

  it("tracks average cost basis and realized PnL across a partial close and a flip", () => {
    const { v, a: trader, b: mm } = twoAccounts();
    const trade = (side: 1 | -1, qty: number, price: number) => {
      v.submit({
        account: mm,
        instrument: 0,
        side: side === BUY ? SELL : BUY,
        quantity: qty,
        type: "limit",
        price,
      });
      const r = v.submit({
        account: trader,
        instrument: 0,
        side,
        quantity: qty,
        type: "limit",
        price,
        tif: "IOC",
      });
      expect(r.filled).toBe(qty);
    };
    trade(BUY, 10, 100);
    trade(BUY, 5, 106);
    expect(v.costBasis(trader, 0)).toBe(1530);
    trade(SELL, 6, 110); // closes 6 of 15: cost removed round(1530 * 6 / 15) = 612, realized 660 - 612
    expect(v.position(trader, 0)).toBe(9);
    expect(v.costBasis(trader, 0)).toBe(918);
    expect(v.realizedPnl(trader, 0)).toBe(48);
    trade(SELL, 12, 95); // closes 9 (855 - 918 = -63), opens a short of 3 at 95
    expect(v.position(trader, 0)).toBe(-3);
    expect(v.costBasis(trader, 0)).toBe(-285);
    expect(v.realizedPnl(trader, 0)).toBe(-15);
    trade(BUY, 3, 92); // closes the short: 285 - 276 = 9
    expect(v.position(trader, 0)).toBe(0);
    expect(v.costBasis(trader, 0)).toBe(0);
    expect(v.realizedPnl(trader, 0)).toBe(-6);
    expect(v.cash(trader)).toBe(1_000_000 - 6);
    expect(v.cash(mm)).toBe(1_000_000 + 6);
    expect([...v.accountsWithPositions()]).toEqual([]);
  });

  it("unrealized PnL and notional use the mark", () => {
    const { v, a, b } = twoAccounts();
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 4, type: "limit", price: 100 });
    v.submit({ account: b, instrument: 0, side: BUY, quantity: 4, type: "market" });
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 110 });
    v.submit({ account: a, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 104 });
    v.updateMarks();
    expect(v.mark(0)).toBe(107);
    expect(v.unrealizedPnl(b, 0)).toBe(4 * 107 - 400);
    expect(v.notional(a, 0)).toBe(4 * 107);
  });

  it("self-trade prevention cancels the resting order and updates the bookkeeping", () => {
    const { v, a, b } = twoAccounts();
    const rest = v.submit({ account: a, instrument: 0, side: SELL, quantity: 5, type: "limit", price: 101 });
    v.submit({ account: b, instrument: 0, side: SELL, quantity: 5, type: "limit", price: 102 });
    expect(rest.resting).toBe(5);
    const r = v.submit({ account: a, instrument: 0, side: BUY, quantity: 3, type: "market" });
    expect(r.filled).toBe(3);
    expect(v.openOrders(a)).toEqual([]);
    expect(v.restingQuantity(a, 0, SELL)).toBe(0);
    expect(v.position(a, 0)).toBe(3);
    expect(v.book(0).remaining(rest.orderId)).toBe(0);
    checkBookkeeping(v);
  });

  it("cancel, cancelAll and reduceOrder keep the bookkeeping exact; foreign/unknown ids are rejected", () => {
    const { v, a, b } = twoAccounts();
    const o1 = v.submit({
      account: a,
      instrument: 0,
      side: BUY,
      quantity: 5,
      type: "limit",
      price: 99,
    }).orderId;
    const o2 = v.submit({
      account: a,
      instrument: 0,
      side: BUY,
      quantity: 7,
      type: "limit",
      price: 98,
    }).orderId;
    const o3 = v.submit({
      account: a,
      instrument: 0,
      side: SELL,
      quantity: 2,
      type: "limit",
      price: 105,
    }).orderId;
    expect(v.openOrders(a)).toEqual([o1, o2, o3]);
    expect(v.restingQuantity(a, 0, BUY)).toBe(12);
    const before = snapshot(v);
    expectCode(() => v.cancel(b, o1), "NOT_OWNER");
    expectCode(() => v.cancel(a, 12345), "UNKNOWN_ORDER");
    expectCode(() => v.reduceOrder(a, o1, 6), "INVALID_QUANTITY");
    expectCode(() => v.reduceOrder(a, o1, 1.5), "INVALID_QUANTITY");
    expect(snapshot(v)).toBe(before);
    expect(v.reduceOrder(a, o1, 2)).toBe(3);
    expect(v.restingQuantity(a, 0, BUY)).toBe(9);
    expect(v.openOrders(a)).toEqual([o1, o2, o3]);
    expect(v.cancel(a, o2)).toBe(7);
    expect(v.openOrders(a)).toEqual([o1, o3]);
    expect(v.cancelAll(a)).toBe(4);
    expect(v.openOrders(a)).toEqual([]);
    expect(v.heldInstruments(a)).toEqual([]);
    checkBookkeeping(v);
  });

  it("orders resting while thousands of newer ones come and go stay indexed (cancel, fills)", () => {
    const v = new Venue({
      instruments: [
        { symbol: "X", initialPrice: 100 },
        { symbol: "Y", initialPrice: 200 },
      ],
    });
    const a = v.openAccount("A");
    const b = v.openAccount("B");
    v.deposit(a, 1_000_000_000);
    v.deposit(b, 1_000_000_000);
    const limit = (account: number, instrument: number, side: 1 | -1, price: number) =>
      v.submit({ account, instrument, side, quantity: 1, type: "limit", price }).orderId;
    const old = [limit(a, 0, BUY, 90), limit(a, 1, BUY, 190), limit(a, 1, SELL, 210)];
    // Enough newer ids to wrap the venue's id index several times over, requoted like a maker.
    for (let k = 0; k < 20_000; k++) {
      const id = limit(b, k % 2, SELL, 120 + (k % 2) * 100);
      if (k % 3 !== 0) v.cancel(b, id);
    }
    expect(old.map((id) => v.orderInstrument(id))).toEqual([0, 1, 1]);
    expect(v.openOrders(a)).toEqual(old);
    expect(v.cancel(a, old[1])).toBe(1);
    expect(v.orderInstrument(old[1])).toBe(-1);
    v.submit({ account: b, instrument: 0, side: SELL, quantity: 1, type: "market" });
    expect(v.orderInstrument(old[0])).toBe(-1);
    expect(v.openOrders(a)).toEqual([old[2]]);
    expect(v.cancelAll(b, 1)).toBeGreaterThan(0);
    expect(v.cancelAll(b)).toBeGreaterThan(0);
    expect(v.openOrders(b)).toEqual([]);
    checkBookkeeping(v);
  });

  it("cancel and cancelAll find each order's book (one book, several, none of the account's)", () => {
    const v = new Venue({
      instruments: [
        { symbol: "X", initialPrice: 100 },
        { symbol: "Y", initialPrice: 200 },
        { symbol: "Z", initialPrice: 300 },
      ],
    });
    const a = v.openAccount("A");
    const b = v.openAccount("B");
    v.deposit(a, 1_000_000);
    v.deposit(b, 1_000_000);
    const limit = (account: number, instrument: number, side: 1 | -1, price: number) =>
      v.submit({ account, instrument, side, quantity: 2, type: "limit", price }).orderId;
    // A holds a position on X (active there) and rests orders on X and Y, interleaved; B rests on Z.
    limit(b, 0, SELL, 100);
    v.submit({ account: a, instrument: 0, side: BUY, quantity: 2, type: "market" });
    const o = [limit(a, 0, BUY, 90), limit(a, 1, BUY, 190), limit(a, 0, SELL, 110), limit(a, 1, SELL, 210)];
    const z = limit(b, 2, SELL, 310);
    expect(v.cancelAll(a, 2)).toBe(0);
    expect(v.openOrders(a)).toEqual(o);
    expect(v.cancelAll(a, 0)).toBe(4);
    expect(v.openOrders(a)).toEqual([o[1], o[3]]);
    expect(v.heldInstruments(a)).toEqual([0, 1]);
    // A now rests on Y only (X still held): orders elsewhere are none of its own
    expect(v.cancelAll(a, 0)).toBe(0);
    expect(v.cancelAll(a, 2)).toBe(0);
    expect(v.openOrders(a)).toEqual([o[1], o[3]]);
    expect(v.orderInstrument(o[3])).toBe(1);
    expect(v.orderInstrument(z)).toBe(2);
    expect(v.orderInstrument(o[0])).toBe(-1);
    for (const bad of [0, -1, Number.NaN, 1.5, "1" as unknown as number])
      expect(v.orderInstrument(bad)).toBe(-1);
    expect(() => v.cancel(a, z)).toThrow(`the owner of order ${z} (account ${b})`);
    expect(() => v.cancel(b, o[1])).toThrow(`the owner of order ${o[1]} (account ${a})`);
    expectCode(() => v.cancel(a, o[0]), "UNKNOWN_ORDER");
    expectCode(() => v.reduceOrder(a, "x" as unknown as number, 1), "UNKNOWN_ORDER");
    expect(v.reduceOrder(a, o[3], 1)).toBe(1);
    expect(v.cancel(a, o[1])).toBe(2);
    expect(v.openOrders(a)).toEqual([o[3]]);
    expect(v.cancelAll(a)).toBe(1);
    expect(v.openOrders(a)).toEqual([]);
    expect(v.heldInstruments(a)).toEqual([0]);
    expect(v.openOrders(b)).toEqual([z]);
    checkBookkeeping(v);
  });

  it("grossNotionalWith sums (|position| + extra lots) x mark x cv over the instruments", () => {
    const v = new Venue({
      instruments: [
        { symbol: "X", initialPrice: 100, contractValue: 3 },
        { symbol: "Y", initialPrice: 200 },
      ],
    });
    const a = v.openAccount("A");
    const b = v.openAccount("B");
    v.deposit(a, 1_000_000);
    v.deposit(b, 1_000_000);
    v.submit({ account: b, instrument: 0, side: SELL, quantity: 4, type: "limit", price: 100 });
    v.submit({ account: a, instrument: 0, side: BUY, quantity: 4, type: "market" });
    const extra = Float64Array.of(1, 2);
    const bySum = (Math.abs(v.position(a, 0)) + 1) * v.mark(0) * 3 + 2 * v.mark(1);
    expect(v.grossNotionalWith(a, extra)).toBe(bySum);
    expect(v.grossNotionalWith(b, new Float64Array(2))).toBe(4 * v.mark(0) * 3);
    expectCode(() => v.grossNotionalWith(a, new Float64Array(1)), "INVALID_ARGUMENT");
    expectCode(() => v.grossNotionalWith(a, [0, 0] as unknown as Float64Array), "INVALID_ARGUMENT");
    expectCode(() => v.grossNotionalWith(9, extra), "UNKNOWN_ACCOUNT");
  });

  it("IOC and post-only remainders never count as resting", () => {
    const { v, a, b } = twoAccounts();
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 2, type: "limit", price: 101 });
    const ioc = v.submit({
      account: b,
      instrument: 0,
      side: BUY,
      quantity: 5,
      type: "limit",
      price: 101,
      tif: "IOC",
    });
    expect(ioc.filled).toBe(2);
    expect(ioc.resting).toBe(0);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 2, type: "limit", price: 103 });
    const po = v.submit({
      account: b,
      instrument: 0,
      side: BUY,
      quantity: 5,
      type: "limit",
      price: 103,
      tif: "POST_ONLY",
    });
    expect(po.filled).toBe(0);
    expect(po.resting).toBe(0);
    expect(v.restingQuantity(b, 0, BUY)).toBe(0);
    const po2 = v.submit({
      account: b,
      instrument: 0,
      side: BUY,
      quantity: 5,
      type: "limit",
      price: 102,
      tif: "POST_ONLY",
    });
    expect(po2.resting).toBe(5);
    checkBookkeeping(v);
  });
});

describe("submit into a caller's result", () => {
  it("writes the same result into `out` and returns it; a bad `out` is rejected before anything happens", () => {
    const { v: plain, a: pa, b: pb } = twoAccounts({ makerBps: 2, takerBps: 5 });
    const { v: into, a: ia, b: ib } = twoAccounts({ makerBps: 2, takerBps: 5 });
    const out = { orderId: -7, filled: -7, resting: -7, notional: -7, averagePrice: -7 };
    const orders = [
      { account: 0, side: SELL, quantity: 3, type: "limit", price: 101 },
      { account: 0, side: SELL, quantity: 4, type: "limit", price: 103 },
      { account: 1, side: BUY, quantity: 5, type: "limit", price: 103 },
      { account: 1, side: BUY, quantity: 2, type: "limit", price: 99 },
      { account: 0, side: SELL, quantity: 1, type: "market" },
      { account: 0, side: SELL, quantity: 9, type: "market", worstPrice: 98 },
    ] as const;
    for (const o of orders) {
      const expected = plain.submit({ ...o, account: o.account === 0 ? pa : pb, instrument: 0 });
      const got = into.submit({ ...o, account: o.account === 0 ? ia : ib, instrument: 0 }, out);
      expect(got).toBe(out);
      expect({ ...got }).toEqual(expected);
    }
    // The last order: the one lot left at 99 fills, worstPrice 98 stops the rest.
    expect(out).toMatchObject({ filled: 1, resting: 0, notional: 99, averagePrice: 99 });
    expect(snapshot(into)).toBe(snapshot(plain));
    const unfilled = into.submit(
      { account: ia, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 150 },
      out,
    );
    expect(unfilled).toMatchObject({ filled: 0, resting: 1, notional: 0 });
    expect(Number.isNaN(unfilled.averagePrice)).toBe(true);
    const before = snapshot(into);
    for (const bad of [null, 5, "r"]) {
      const e = expectCode(
        () =>
          into.submit({ account: ia, instrument: 0, side: BUY, quantity: 1, type: "market" }, bad as never),
        "INVALID_ARGUMENT",
      );
      expect(e.message).toContain("out = ");
      expect(snapshot(into)).toBe(before);
    }
    checkBookkeeping(into);
  });
});

describe("exact range", () => {
  it("fills that take a balance past 2^53 - 1 complete, then throw LEDGER_OVERFLOW naming the account", () => {
    // 20 lots (the most one order may hold here) at 100 ticks x 2^40 = 2.2e15 cash units a fill.
    const notional = 20 * 100 * 2 ** 40;
    const v = new Venue({ instruments: [{ symbol: "BIG", initialPrice: 100, contractValue: 2 ** 40 }] });
    const seller = v.openAccount("seller", { marginExempt: true });
    const buyer = v.openAccount("buyer", { marginExempt: true });
    v.deposit(seller, 1);
    v.deposit(buyer, 1);
    const round = () => {
      v.submit({ account: buyer, instrument: 0, side: BUY, quantity: 20, type: "limit", price: 100 });
      return v.submit({ account: seller, instrument: 0, side: SELL, quantity: 20, type: "market" });
    };
    for (let r = 1; r <= 4; r++) {
      expect(round().filled).toBe(20);
      expect(v.cash(seller)).toBe(1 + r * notional);
      expect(v.costBasis(buyer, 0)).toBe(r * notional);
    }
    // The fifth fill takes the buyer's cost basis (and both cash balances) past 2^53 - 1.
    const e = expectCode(round, "LEDGER_OVERFLOW");
    expect(e.message).toBe(
      `order: the ledger left the exact integer range: account ${buyer} (buyer) balance = ${5 * notional}; allowed: cash, cost basis and realized PnL within +-9007199254740991 (2^53 - 1) cash units, where integer money is exact: lower the capital, contract values or leverage`,
    );
    // The order itself completed: the book is empty and the positions match.
    expect(v.position(buyer, 0)).toBe(100);
    expect(v.position(seller, 0)).toBe(-100);
    expect(v.totalPosition(0)).toBe(0);
    expect(v.openOrders(buyer)).toEqual([]);
    expect(v.book(0).bestBid()).toBe(0);
  });
});

describe("input validation", () => {
  it("exposes its instruments frozen (the venue reads its own plain copy)", () => {
    const { v } = twoAccounts();
    expect(Object.isFrozen(v.instruments)).toBe(true);
    expect(Object.isFrozen(v.instruments[0])).toBe(true);
    expect(() => (v.instruments as unknown as unknown[]).push({})).toThrow(TypeError);
  });

  it("rejects bad orders with a CascadeError naming field and value, changing nothing", () => {
    const { v, a, b } = twoAccounts();
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 3, type: "limit", price: 101 });
    const before = snapshot(v);
    const base = {
      account: a,
      instrument: 0,
      side: BUY as 1 | -1,
      quantity: 1,
      type: "limit" as const,
      price: 100,
    };
    const cases: Array<[object, string, string]> = [
      [{ price: Number.NaN }, "INVALID_PRICE", "price = NaN"],
      [{ price: Number.POSITIVE_INFINITY }, "INVALID_PRICE", "price = Infinity"],
      [{ price: 100.5 }, "INVALID_PRICE", "price = 100.5"],
      [{ price: 401 }, "INVALID_PRICE", "[1, 400]"],
      [{ price: undefined }, "INVALID_PRICE", "price = undefined"],
      [{ quantity: 0 }, "INVALID_QUANTITY", "quantity = 0"],
      [{ quantity: -3 }, "INVALID_QUANTITY", "quantity = -3"],
      [{ quantity: 1.5 }, "INVALID_QUANTITY", "quantity = 1.5"],
      [{ quantity: Number.NaN }, "INVALID_QUANTITY", "quantity = NaN"],
      [{ quantity: Number.NEGATIVE_INFINITY }, "INVALID_QUANTITY", "quantity = -Infinity"],
      [{ side: 0 }, "INVALID_SIDE", "side = 0"],
      [{ type: "stop" }, "INVALID_ORDER_TYPE", 'type = "stop"'],
      [{ tif: "FOK" }, "INVALID_ORDER_TYPE", 'tif = "FOK"'],
      [{ account: 99 }, "UNKNOWN_ACCOUNT", "account = 99"],
      [{ account: -1 }, "UNKNOWN_ACCOUNT", "account = -1"],
      [{ instrument: 1 }, "UNKNOWN_INSTRUMENT", "instrument = 1"],
      [{ type: "market", price: undefined, worstPrice: 0 }, "INVALID_PRICE", "worstPrice = 0"],
      // fields of the other order type are refused, not ignored
      [{ type: "market" }, "INVALID_ORDER_TYPE", "price = 100; allowed: undefined on a market order"],
      [
        { type: "market", price: undefined, tif: "IOC" },
        "INVALID_ORDER_TYPE",
        'tif = "IOC"; allowed: undefined on a market order',
      ],
      [{ worstPrice: 90 }, "INVALID_ORDER_TYPE", "worstPrice = 90; allowed: undefined on a limit order"],
      [{ tag: 1.5 }, "INVALID_TAG", "tag = 1.5"],
      [{ side: SELL, reduceOnly: true }, "REDUCE_ONLY", "reduceOnly = true"],
    ];
    for (const [patch, code, text] of cases) {
      const e = expectCode(() => v.submit({ ...base, ...patch } as never), code);
      expect(e.message).toContain(text);
      expect(e.message).toContain("allowed:");
      expect(snapshot(v)).toBe(before);
    }
    expectCode(() => v.deposit(a, 0), "INVALID_AMOUNT");
    expectCode(() => v.deposit(a, 1.5), "INVALID_AMOUNT");
    expectCode(() => v.deposit(7, 10), "UNKNOWN_ACCOUNT");
    expectCode(() => v.transferCash(a, b, -1, "x"), "INVALID_AMOUNT");
    expectCode(() => v.transferPosition(a, 2, 0, 1, 100, "x"), "INVALID_QUANTITY");
    expectCode(() => v.instrumentId("NOPE"), "UNKNOWN_INSTRUMENT");
    expectCode(() => v.setOraclePrice(0, Number.NaN), "INVALID_PRICE");
    expectCode(() => v.advance(-1), "INVALID_TICK");
    expect(snapshot(v)).toBe(before);
  });

  it("queries refuse a bad side or output array instead of answering for something else", () => {
    const { v, a } = twoAccounts();
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 3, type: "limit", price: 101 });
    // any side but BUY used to read as SELL: 3 lots "resting" on side 0, 2 or "buy"
    for (const side of [0, 2, -2, Number.NaN, "buy"]) {
      const e = expectCode(() => v.restingQuantity(a, 0, side as never), "INVALID_SIDE");
      expect(e.field).toBe("side");
      expect(e.message).toContain("allowed: BUY (1) or SELL (-1)");
    }
    expect(v.restingQuantity(a, 0, SELL)).toBe(3);
    expect(v.restingQuantity(a, 0, BUY)).toBe(0);
    // with no auction open, anything used to be accepted as the array to fill (count 0)
    for (const out of [undefined, null, 5, {}]) {
      const e = expectCode(() => v.openAuctionsInto(out as never), "INVALID_ARGUMENT");
      expect(e.field).toBe("out");
    }
    expect(v.openAuctionsInto([])).toBe(0);
    // options that are not an object were read as "no options"
    const n = v.accountCount();
    for (const options of [true, "exempt", 1, null]) {
      const e = expectCode(() => v.openAccount("x", options as never), "INVALID_CONFIG");
      expect(e.field).toBe("options");
    }
    expect(v.accountCount()).toBe(n);
  });

  it("rejects bad configurations", () => {
    expectCode(
      () =>
        new Venue({
          instruments: [
            { symbol: "X", initialPrice: 100 },
            { symbol: "X", initialPrice: 5 },
          ],
        }),
      "DUPLICATE_SYMBOL",
    );
    expectCode(() => new Venue({ instruments: [] }), "INVALID_CONFIG");
    expectCode(() => new Venue({ instruments: [{ symbol: "X", initialPrice: 10.5 }] }), "INVALID_PRICE");
    expectCode(
      () => new Venue({ instruments: [{ symbol: "X", initialPrice: 10, contractValue: 0.5 }] }),
      "INVALID_CONFIG",
    );
    const e = expectCode(
      () =>
        new Venue({
          instruments: [{ symbol: "X", initialPrice: 10, margin: { initial: 0.1, maintenance: 0.2 } }],
        }),
      "INVALID_CONFIG",
    );
    expect(e.field).toBe("instruments.0.margin.maintenance");
    const t = expectCode(
      () =>
        new Venue({
          instruments: [
            {
              symbol: "X",
              initialPrice: 10,
              margin: {
                initial: 0.1,
                maintenance: 0.05,
                tiers: [{ notionalAbove: 100, initial: 0.05, maintenance: 0.05 }],
              },
            },
          ],
        }),
      "INVALID_CONFIG",
    );
    expect(t.field).toBe("instruments.0.margin.tiers.0.initial");
    expectCode(
      () =>
        new Venue({
          instruments: [{ symbol: "X", initialPrice: 10 }],
          fees: { makerBps: Number.NaN, takerBps: 0 },
        }),
      "INVALID_CONFIG",
    );
    expectCode(
      () => new Venue({ instruments: [{ symbol: "X", initialPrice: 10 }], mark: { kind: "vwap" as never } }),
      "INVALID_CONFIG",
    );
  });
});

describe("reduce-only", () => {
  it("caps to the position, always passes the margin check, and resting reduce-only orders are trimmed", () => {
    const { v, a, b } = twoAccounts();
    v.submit({ account: b, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 100 });
    v.submit({ account: a, instrument: 0, side: BUY, quantity: 10, type: "market" });
    const ro = v.submit({
      account: a,
      instrument: 0,
      side: SELL,
      quantity: 50,
      type: "limit",
      price: 120,
      reduceOnly: true,
    });
    expect(ro.resting).toBe(10);
    // a plain sell of 4 reduces the long; the resting reduce-only order is trimmed to the remaining 6
    v.submit({ account: b, instrument: 0, side: BUY, quantity: 4, type: "limit", price: 99 });
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 4, type: "market" });
    expect(v.position(a, 0)).toBe(6);
    expect(v.book(0).remaining(ro.orderId)).toBe(6);
    expect(v.restingQuantity(a, 0, SELL)).toBe(6);
    // closing the rest by a transfer cancels the reduce-only order
    v.transferPosition(a, b, 0, 6, 100, "test");
    expect(v.book(0).has(ro.orderId)).toBe(false);
    expect(v.openOrders(a)).toEqual([]);
    checkBookkeeping(v);
  });
});

describe("reduce-only orders in one sweep", () => {
  /** A long 10 (bought from B at 100) and C, a third account that takes liquidity. */
  function long10() {
    const { v, a, b } = twoAccounts();
    const c = v.openAccount("C");
    v.deposit(c, 1_000_000);
    v.submit({ account: b, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 100 });
    v.submit({ account: a, instrument: 0, side: BUY, quantity: 10, type: "market" });
    return { v, a, c };
  }

  it("two resting reduce-only sells of the whole position: one taker sweep closes it and cuts the second", () => {
    const { v, a, c } = long10();
    const ro = (price: number) =>
      v.submit({
        account: a,
        instrument: 0,
        side: SELL,
        quantity: 10,
        type: "limit",
        price,
        reduceOnly: true,
      });
    const first = ro(101);
    const second = ro(102);
    expect([first.resting, second.resting]).toEqual([10, 10]); // each alone fits the position
    const r = v.submit({ account: c, instrument: 0, side: BUY, quantity: 20, type: "market" });
    expect(r.filled).toBe(10);
    expect(v.position(a, 0)).toBe(0); // not -10: the second order was cut before it could flip it
    expect(v.book(0).has(second.orderId)).toBe(false);
    expect(v.openOrders(a)).toEqual([]);
    checkBookkeeping(v);
  });

  it("a plain sell ahead of a reduce-only one in the same sweep: the reduce-only order is cut to what is left", () => {
    const { v, a, c } = long10();
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 6, type: "limit", price: 101 });
    const ro = v.submit({
      account: a,
      instrument: 0,
      side: SELL,
      quantity: 10,
      type: "limit",
      price: 102,
      reduceOnly: true,
    });
    expect(ro.resting).toBe(10);
    const r = v.submit({ account: c, instrument: 0, side: BUY, quantity: 20, type: "market" });
    expect(r.filled).toBe(10); // 6 plain + the 4 the reduce-only order could still reduce
    expect(v.position(a, 0)).toBe(0);
    expect(v.restingQuantity(a, 0, SELL)).toBe(0);
    checkBookkeeping(v);
  });

  it("a bare OrderBook refuses reduce-only orders without a listener that knows positions", () => {
    const book = new OrderBook({ minPrice: 1, maxPrice: 1000 });
    expectCode(() => book.limit(1, 0, SELL, 100, 5, 0, true), "INVALID_ORDER_TYPE");
    expect(book.orderCount()).toBe(0);
  });
});

describe("streams and re-entrancy", () => {
  it("emits fills with tags, book updates and marks; nothing is built when unobserved", () => {
    const { v, a, b } = twoAccounts({ makerBps: 0, takerBps: 100 });
    const fills: Fill[] = [];
    const books: BookUpdate[] = [];
    const marks: MarkUpdate[] = [];
    const s1 = v.fills$.subscribe((f) => fills.push(f));
    const s2 = v.book$.subscribe((u) => books.push(u));
    const s3 = v.marks$.subscribe((m) => marks.push(m));
    v.advance(3);
    const m = v.submit({
      account: a,
      instrument: 0,
      side: SELL,
      quantity: 5,
      type: "limit",
      price: 101,
      tag: 7,
    });
    const t = v.submit({ account: b, instrument: 0, side: BUY, quantity: 2, type: "market", tag: 9 });
    v.updateMarks();
    expect(fills).toEqual([
      {
        tick: 3,
        instrument: 0,
        price: 101,
        quantity: 2,
        notional: 202,
        buyer: b,
        seller: a,
        takerSide: BUY,
        makerOrderId: m.orderId,
        takerOrderId: t.orderId,
        makerTag: 7,
        takerTag: 9,
        makerFee: 0,
        takerFee: 2,
      },
    ]);
    expect(books).toEqual([
      { tick: 3, instrument: 0, bestBid: 0, bestAsk: 101 },
      { tick: 3, instrument: 0, bestBid: 0, bestAsk: 101 },
    ]);
    expect(marks).toEqual([{ tick: 3, instrument: 0, mark: 101 }]);
    s1.unsubscribe();
    s2.unsubscribe();
    s3.unsubscribe();
    v.submit({ account: b, instrument: 0, side: BUY, quantity: 2, type: "market" });
    expect(fills.length).toBe(1);
  });

  it("submit/cancel from inside a fills$ or book$ observer throws REENTRANT_ORDER; loop.defer works", () => {
    const { v, a, b } = twoAccounts();
    const loop = new RunLoop({ rng: Rng.fromSeed(1) });
    connectVenue(loop, v);
    const errors: string[] = [];
    let deferred = 0;
    v.fills$.subscribe((f) => {
      try {
        v.submit({ account: f.buyer, instrument: 0, side: SELL, quantity: 1, type: "market" });
      } catch (e) {
        errors.push((e as { code: string }).code);
      }
      loop.defer(() => {
        v.submit({ account: b, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 150 });
        deferred++;
      });
    });
    v.book$.subscribe(() => {
      try {
        v.cancelAll(a);
      } catch (e) {
        errors.push((e as { code: string }).code);
      }
    });
    loop.on("agents", () => {
      v.submit({ account: a, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 101 });
      v.submit({ account: b, instrument: 0, side: BUY, quantity: 1, type: "market" });
    });
    loop.step();
    // book$ after the rest, fills$ + book$ after the match, book$ after the deferred order
    expect(errors).toEqual(["REENTRANT_ORDER", "REENTRANT_ORDER", "REENTRANT_ORDER", "REENTRANT_ORDER"]);
    expect(deferred).toBe(1);
    expect(v.position(b, 0)).toBe(1);
    expect(v.openOrders(b).length).toBe(1);
    expect(v.tick).toBe(1);
    checkBookkeeping(v);
  });

  it("openAccount, deposit and updateMarks from a venue callback, and orders from a marks$ observer, throw REENTRANT_ORDER", () => {
    const { v, a, b } = twoAccounts();
    const errors: string[] = [];
    const attempt = (f: () => void) => {
      try {
        f();
      } catch (e) {
        errors.push((e as { code: string }).code);
      }
    };
    // openAccount may grow the per-account arrays a settlement in progress is writing to; a deposit
    // or a mark recomputed mid-sweep would change the margin the rest of the sweep is checked against.
    const s1 = v.fills$.subscribe(() => {
      attempt(() => v.openAccount("late"));
      attempt(() => v.deposit(a, 5));
      attempt(() => v.updateMarks());
    });
    const s2 = v.marks$.subscribe(() => {
      attempt(() => v.submit({ account: b, instrument: 0, side: BUY, quantity: 1, type: "market" }));
      attempt(() => v.deposit(a, 5));
    });
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 2, type: "limit", price: 101 });
    const accounts = v.accountCount();
    const cash = v.cash(a);
    v.submit({ account: b, instrument: 0, side: BUY, quantity: 1, type: "market" });
    v.updateMarks();
    expect(errors).toEqual(Array(5).fill("REENTRANT_ORDER"));
    expect(v.accountCount()).toBe(accounts);
    expect(v.cash(a)).toBe(cash + 101);
    expect(v.position(b, 0)).toBe(1);
    s1.unsubscribe();
    s2.unsubscribe();
    // outside callbacks the same calls work
    v.deposit(a, 5);
    v.updateMarks();
    v.openAccount("later");
    expect(v.accountCount()).toBe(accounts + 1);
    checkBookkeeping(v);
  });

  it("emits in the documented order: fills as they happen, then one book$ per changed book, then transfers$ / auctions$", () => {
    const v = new Venue({
      instruments: [
        { symbol: "X", initialPrice: 100 },
        { symbol: "Y", initialPrice: 1000 },
      ],
    });
    const [a, b, c] = [v.openAccount("a"), v.openAccount("b"), v.openAccount("c")];
    for (const acc of [a, b, c]) v.deposit(acc, 1_000_000);
    v.submit({ account: c, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 100 });
    v.submit({ account: b, instrument: 0, side: BUY, quantity: 10, type: "market" }); // b long 10
    v.submit({ account: b, instrument: 0, side: SELL, quantity: 4, type: "limit", price: 101 });
    v.submit({
      account: b,
      instrument: 0,
      side: SELL,
      quantity: 8,
      type: "limit",
      price: 101,
      reduceOnly: true,
    });
    const tape: string[] = [];
    v.fills$.subscribe((f) => tape.push(`fill ${f.instrument} ${f.quantity}@${f.price}`));
    v.book$.subscribe((u) => tape.push(`book ${u.instrument} ${u.bestBid}/${u.bestAsk}`));
    v.transfers$.subscribe((t) => tape.push(`transfer ${t.kind} ${t.quantity}`));
    v.auctions$.subscribe((e) => tape.push(`auction ${e.type}`));
    v.marks$.subscribe((m) => tape.push(`mark ${m.instrument} ${m.mark}`));
    const step = (f: () => unknown) => {
      tape.length = 0;
      f();
      return [...tape];
    };
    // b's plain 4 fill, its reduce-only 8 is cut to the 6 lots left (no stream event) and fills;
    // c's remainder rests: one book$ after the fills
    expect(
      step(() => v.submit({ account: c, instrument: 0, side: BUY, quantity: 12, type: "limit", price: 101 })),
    ).toEqual(["fill 0 4@101", "fill 0 6@101", "book 0 101/0"]);
    expect(v.position(b, 0)).toBe(0);
    // c (flat again) buys 2 more from a's market sell, then rests a reduce-only sell of them: book$ only
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 5, type: "market" });
    expect(v.position(c, 0)).toBe(2);
    expect(
      step(() =>
        v.submit({
          account: c,
          instrument: 0,
          side: SELL,
          quantity: 2,
          type: "limit",
          price: 105,
          reduceOnly: true,
        }),
      ),
    ).toEqual(["book 0 0/105"]);
    // moving c's long away trims that order (book$) before the transfer is reported
    expect(step(() => v.transferPosition(c, b, 0, 1, 100, "test"))).toEqual([
      "book 0 0/105",
      "transfer position 1",
    ]);
    // auctioning the rest cuts the order to nothing (book$), then the auction opens; a take that
    // fills it reports the take, then the close
    let id = 0;
    expect(
      step(() => {
        id = v.openAuction({
          seller: c,
          instrument: 0,
          side: SELL,
          quantity: 1,
          startPrice: 100,
          limitPrice: 90,
          decayPerTick: 0.01,
          durationTicks: 5,
        });
      }),
    ).toEqual(["book 0 0/0", "auction opened"]);
    expect(step(() => v.takeAuction(id, a, 1, 100))).toEqual(["auction taken", "auction closed"]);
    // cancelAll over two books: one book$ each, in instrument order; marks: one per instrument
    v.submit({ account: a, instrument: 1, side: BUY, quantity: 1, type: "limit", price: 990 });
    v.submit({ account: a, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 99 });
    expect(step(() => v.cancelAll(a))).toEqual(["book 0 0/0", "book 1 0/0"]);
    expect(step(() => v.updateMarks())).toEqual([`mark 0 ${v.mark(0)}`, `mark 1 ${v.mark(1)}`]);
    expect(step(() => v.updateMarks()).length).toBe(2); // every call, changed or not
  });

  it("transfers move cash and positions exactly and are streamed", () => {
    const { v, a, b } = twoAccounts();
    const c = v.openAccount("C");
    const log: Transfer[] = [];
    v.transfers$.subscribe((t) => log.push(t));
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 100 });
    v.submit({ account: b, instrument: 0, side: BUY, quantity: 10, type: "market" });
    v.transferPosition(b, c, 0, 4, 90, "takeover");
    expect(v.position(b, 0)).toBe(6);
    expect(v.position(c, 0)).toBe(4);
    expect(v.cash(c)).toBe(-360);
    expect(v.cash(b)).toBe(1_000_000 - 1000 + 360);
    expect(v.costBasis(c, 0)).toBe(360);
    expect(v.costBasis(b, 0)).toBe(600);
    expect(v.realizedPnl(b, 0)).toBe(-40);
    v.transferPosition(a, c, 0, -10, 95, "short takeover");
    expect(v.position(a, 0)).toBe(0);
    expect(v.position(c, 0)).toBe(-6);
    expect(v.cash(c)).toBe(-360 + 950);
    v.transferCash(b, c, 1234, "bailout");
    expect(v.cash(c)).toBe(-360 + 950 + 1234);
    expect(v.totalCash()).toBe(v.totalDeposits);
    expect(v.totalPosition(0)).toBe(0);
    expect(log.map((t) => [t.kind, t.from, t.to, t.quantity, t.price, t.amount, t.reason])).toEqual([
      ["position", b, c, 4, 90, 360, "takeover"],
      ["position", a, c, -10, 95, -950, "short takeover"],
      ["cash", b, c, 0, 0, 1234, "bailout"],
    ]);
    expectCode(() => v.transferPosition(c, b, 0, 1, 90, "wrong sign"), "INVALID_QUANTITY");
    expectCode(() => v.transferPosition(c, b, 0, -7, 90, "too much"), "INVALID_QUANTITY");
    expectCode(() => v.transferPosition(c, c, 0, -1, 90, "self"), "SELF_TRADE");
    // a cash transfer to the same account is refused as a position transfer is: nothing moves and
    // no transfer event is logged (it used to emit a "cash" transfer from c to c)
    const cashBefore = v.cash(c);
    const e = expectCode(() => v.transferCash(c, c, 5, "self"), "SELF_TRADE");
    expect([e.field, e.value]).toEqual(["to", c]);
    expect(e.message).toContain(`allowed: an account other than from (${c})`);
    expect(v.cash(c)).toBe(cashBefore);
    expect(log).toHaveLength(3);
  });
});

describe("marks", () => {
  const build = (kind: "mid" | "last" | "ema" | "oracle") => {
    const v = new Venue({
      instruments: [{ symbol: "X", initialPrice: 100 }],
      mark: kind === "ema" ? { kind, emaAlpha: 0.5 } : { kind },
    });
    const a = v.openAccount();
    const b = v.openAccount();
    v.deposit(a, 100_000);
    v.deposit(b, 100_000);
    return { v, a, b };
  };
  it("mid falls back to last trade, then the previous mark", () => {
    const { v, a, b } = build("mid");
    v.updateMarks();
    expect(v.mark(0)).toBe(100);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 104 });
    v.updateMarks();
    expect(v.mark(0)).toBe(100);
    v.submit({ account: b, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 98 });
    v.updateMarks();
    expect(v.mark(0)).toBe(101);
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 1, type: "market" });
    v.updateMarks();
    expect(v.mark(0)).toBe(98);
  });
  it("the fallback stays within the side still quoted: an ask posted below the last trade caps it", () => {
    const { v, a, b } = build("mid");
    v.submit({ account: b, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 98 });
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 1, type: "market" }); // trade at 98
    v.submit({ account: a, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 95 });
    v.updateMarks();
    expect([v.book(0).bestBid(), v.lastTradePrice(0), v.mark(0)]).toEqual([0, 98, 95]);
    // mirror: the ask is taken (trade at 95), a bid posted above it floors the mark
    v.submit({ account: b, instrument: 0, side: BUY, quantity: 1, type: "market" });
    v.submit({ account: b, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 97 });
    v.updateMarks();
    expect([v.book(0).bestAsk(), v.lastTradePrice(0), v.mark(0)]).toEqual([0, 95, 97]);
    // ema moves toward the same bounded target; last stays the last trade
    const e = build("ema");
    const l = build("last");
    for (const { v: x, a: xa, b: xb } of [e, l]) {
      x.submit({ account: xb, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 98 });
      x.submit({ account: xa, instrument: 0, side: SELL, quantity: 1, type: "market" });
      x.submit({ account: xa, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 90 });
      x.updateMarks();
    }
    expect(e.v.mark(0)).toBe(100 + 0.5 * (90 - 100));
    expect(l.v.mark(0)).toBe(98);
  });
  it("last, ema and oracle", () => {
    const l = build("last");
    l.v.submit({ account: l.a, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 110 });
    l.v.submit({ account: l.a, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 90 });
    l.v.updateMarks();
    expect(l.v.mark(0)).toBe(100);
    l.v.submit({ account: l.b, instrument: 0, side: BUY, quantity: 1, type: "market" });
    l.v.updateMarks();
    expect(l.v.mark(0)).toBe(110);
    const e = build("ema");
    e.v.submit({ account: e.a, instrument: 0, side: SELL, quantity: 1, type: "limit", price: 112 });
    e.v.submit({ account: e.a, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 108 });
    e.v.updateMarks();
    expect(e.v.mark(0)).toBe(105);
    e.v.updateMarks();
    expect(e.v.mark(0)).toBe(107.5);
    const o = build("oracle");
    o.v.setOraclePrice(0, 123.25);
    expect(o.v.mark(0)).toBe(100);
    o.v.updateMarks();
    expect(o.v.mark(0)).toBe(123.25);
    expect(o.v.oraclePrice(0)).toBe(123.25);
  });
});
