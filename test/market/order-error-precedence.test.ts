import { CascadeError } from "@cascade/core";
import { BUY, type OrderRequest, SELL, Venue } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { snapshot } from "./venue-helpers.js";

/**
 * Which error an order with several bad inputs gets, pinned as code and message (the message holds
 * the context, field, value and allowed text): for every caller of `submit`, with and without a
 * `marginAllows` of the same account, instrument, side, quantity and price just before (the agents'
 * path, where submit skips the margin evaluation marginAllows made).
 */

/** X: band [1, 400] around 100, cv 1, initial margin 10%. Account 0 holds the fees; A (1) and B (2) hold 1,000,000 (100,000 lots at 100), MM (3) is exempt, F (4) frozen. */
function venue() {
  const v = new Venue({ instruments: [{ symbol: "X", initialPrice: 100 }] });
  const a = v.openAccount("A");
  const b = v.openAccount("B");
  const mm = v.openAccount("MM", { marginExempt: true });
  const f = v.openAccount("F");
  v.deposit(a, 1_000_000);
  v.deposit(b, 1_000_000);
  v.deposit(f, 1_000_000);
  v.freeze(f, "for the test");
  expect([a, b, mm, f]).toEqual([1, 2, 3, 4]);
  return { v, a, b, mm, f };
}

/** The error's code and message, or what the call returned. */
function outcome(fn: () => unknown): string {
  try {
    const r = fn();
    return `ok ${JSON.stringify(r)}`;
  } catch (e) {
    if (e instanceof CascadeError) return `${e.code} ${e.message}`;
    return `not a CascadeError: ${String(e)}`;
  }
}

const base: OrderRequest = { account: 1, instrument: 0, side: BUY, quantity: 5, type: "limit", price: 100 };
const MAX = Math.floor(Number.MAX_SAFE_INTEGER / 400); // maxOrderLots of X

type Case = [
  what: string,
  order: Record<string, unknown> | null,
  out?: unknown,
  between?: (v: Venue) => void,
];
const o = (patch: Record<string, unknown>) => ({ ...base, ...patch });

/** `between` runs after marginAllows, before submit. */
const SUBMIT: Case[] = [
  ["bad out, null order", null, 7],
  ["null order", null],
  ["bad out and account", o({ account: 99 }), 7],
  ["bad account, instrument and side", o({ account: 99, instrument: 5, side: 0 })],
  ["frozen account, bad instrument and quantity", o({ account: 4, instrument: 5, quantity: 0 })],
  ["bad instrument, side and quantity", o({ instrument: 5, side: 0, quantity: 0 })],
  ["bad side, quantity and price", o({ side: 0, quantity: 0, price: 1.5 })],
  ["quantity 0, bad price and type", o({ quantity: 0, price: 1.5, type: "stop" })],
  ["fractional quantity, bad price", o({ quantity: 2.5, price: 0 })],
  ["quantity beyond maxOrderLots, NaN price", o({ quantity: MAX + 1, price: Number.NaN })],
  ["fractional price, bad tif and a worstPrice", o({ price: 100.5, tif: "FOK", worstPrice: 3 })],
  ["price above the band, bad tag", o({ price: 401, tag: 1.5 })],
  ["price as a string", o({ price: "100" })],
  ["bad tif, a worstPrice and a bad tag", o({ tif: "FOK", worstPrice: 3, tag: 1.5 })],
  ["a worstPrice on a limit, bad tag and reduceOnly", o({ worstPrice: 3, tag: 1.5, reduceOnly: "yes" })],
  ["market with a price and a tif", o({ type: "market", price: 100, tif: "IOC" })],
  [
    "market with a tif, worstPrice out of band",
    o({ type: "market", price: undefined, tif: "IOC", worstPrice: 0 }),
  ],
  [
    "market with worstPrice out of band, bad tag",
    o({ type: "market", price: undefined, worstPrice: 0, tag: 1.5 }),
  ],
  ["bad type and tag", o({ type: "stop", tag: 1.5 })],
  ["bad tag and reduceOnly", o({ tag: 1.5, reduceOnly: "yes" })],
  ["bad reduceOnly, beyond margin", o({ reduceOnly: "yes", quantity: 200_000 })],
  ["reduce-only with nothing to reduce, beyond margin", o({ reduceOnly: true, quantity: 200_000 })],
  ["beyond margin", o({ quantity: 200_000 })],
  ["beyond margin, sell", o({ side: SELL, quantity: 200_000, price: 101 })],
  ["exempt account, fractional price", o({ account: 3, price: 100.5 })],
  ["frozen after marginAllows, bad tif", o({ tif: "FOK" }), undefined, (v) => v.freeze(1, "frozen between")],
  [
    "margin used up after marginAllows, bad tag",
    o({ quantity: 60_000, tag: 1.5 }),
    undefined,
    (v) => v.submit(o({ quantity: 60_000 }) as OrderRequest),
  ],
  [
    "margin used up after marginAllows",
    o({ quantity: 60_000 }),
    undefined,
    (v) => v.submit(o({ quantity: 60_000 }) as OrderRequest),
  ],
  ["valid", o({})],
];

const SUBMIT_EXPECTED = [
  "bad out, null order: marginAllows threw; submit INVALID_ARGUMENT order rejected: out = 7; allowed: undefined or an OrderResult object",
  "null order: marginAllows threw; submit INVALID_ORDER_TYPE order rejected: order = null; allowed: an OrderRequest object",
  "bad out and account: marginAllows threw; submit INVALID_ARGUMENT order rejected: out = 7; allowed: undefined or an OrderResult object",
  "bad account, instrument and side: marginAllows threw; submit UNKNOWN_ACCOUNT order rejected: account = 99; allowed: an account id in [0, 4] (openAccount)",
  "frozen account, bad instrument and quantity: marginAllows threw; submit ACCOUNT_IN_LIQUIDATION order rejected: account = 4; allowed: an account not in liquidation: account 4 (F) is frozen for the test; its own orders and auction takes are refused until its liquidation ends (cancels and deposits are not)",
  "bad instrument, side and quantity: marginAllows threw; submit UNKNOWN_INSTRUMENT order rejected: instrument = 5; allowed: an instrument id in [0, 0] (instrumentId(symbol))",
  "bad side, quantity and price: marginAllows threw; submit INVALID_SIDE order rejected: side = 0; allowed: BUY (1) or SELL (-1)",
  "quantity 0, bad price and type: marginAllows threw; submit INVALID_QUANTITY order rejected: quantity = 0; allowed: an integer number of lots in [1, 22517998136852]",
  "fractional quantity, bad price: marginAllows threw; submit INVALID_QUANTITY order rejected: quantity = 2.5; allowed: an integer number of lots in [1, 22517998136852]",
  "quantity beyond maxOrderLots, NaN price: marginAllows threw; submit INVALID_QUANTITY order rejected: quantity = 22517998136853; allowed: an integer number of lots in [1, 22517998136852]",
  "fractional price, bad tif and a worstPrice: marginAllows true; submit INVALID_PRICE order rejected: price = 100.5; allowed: an integer number of ticks (the tick grid) in the band [1, 400] of X",
  "price above the band, bad tag: marginAllows true; submit INVALID_PRICE order rejected: price = 401; allowed: an integer number of ticks (the tick grid) in the band [1, 400] of X",
  'price as a string: marginAllows threw; submit INVALID_PRICE order rejected: price = "100"; allowed: an integer number of ticks (the tick grid) in the band [1, 400] of X',
  'bad tif, a worstPrice and a bad tag: marginAllows true; submit INVALID_ORDER_TYPE order rejected: tif = "FOK"; allowed: undefined, "GTC", "IOC" or "POST_ONLY"',
  "a worstPrice on a limit, bad tag and reduceOnly: marginAllows true; submit INVALID_ORDER_TYPE order rejected: worstPrice = 3; allowed: undefined on a limit order (its price is the bound)",
  "market with a price and a tif: marginAllows true; submit INVALID_ORDER_TYPE order rejected: price = 100; allowed: undefined on a market order (bound it with worstPrice)",
  'market with a tif, worstPrice out of band: marginAllows threw; submit INVALID_ORDER_TYPE order rejected: tif = "IOC"; allowed: undefined on a market order (it never rests: what it cannot fill is cancelled)',
  "market with worstPrice out of band, bad tag: marginAllows threw; submit INVALID_PRICE order rejected: worstPrice = 0; allowed: an integer number of ticks (the tick grid) in the band [1, 400] of X",
  'bad type and tag: marginAllows true; submit INVALID_ORDER_TYPE order rejected: type = "stop"; allowed: "limit" or "market"',
  "bad tag and reduceOnly: marginAllows true; submit INVALID_TAG order rejected: tag = 1.5; allowed: undefined or a safe integer",
  'bad reduceOnly, beyond margin: marginAllows false; submit INVALID_ORDER_TYPE order rejected: reduceOnly = "yes"; allowed: undefined or a boolean',
  "reduce-only with nothing to reduce, beyond margin: marginAllows false; submit REDUCE_ONLY order rejected: reduceOnly = true; allowed: a buy only when the account holds an unreserved short position (position 0, reserved 0, less its resting plain buys while reserved)",
  "beyond margin: marginAllows false; submit INSUFFICIENT_MARGIN order rejected: quantity = 200000; allowed: at most 100000 lots for account 1 (A) to buy X: the worst-case initial requirement 2000000 (position + resting orders + this order) would exceed equity 1000000; reduce-only orders and orders that do not increase exposure are always accepted",
  "beyond margin, sell: marginAllows false; submit INSUFFICIENT_MARGIN order rejected: quantity = 200000; allowed: at most 100000 lots for account 1 (A) to sell X: the worst-case initial requirement 2000000 (position + resting orders + this order) would exceed equity 1000000; reduce-only orders and orders that do not increase exposure are always accepted",
  "exempt account, fractional price: marginAllows true; submit INVALID_PRICE order rejected: price = 100.5; allowed: an integer number of ticks (the tick grid) in the band [1, 400] of X",
  "frozen after marginAllows, bad tif: marginAllows true; submit ACCOUNT_IN_LIQUIDATION order rejected: account = 1; allowed: an account not in liquidation: account 1 (A) is frozen frozen between; its own orders and auction takes are refused until its liquidation ends (cancels and deposits are not)",
  "margin used up after marginAllows, bad tag: marginAllows true; submit INVALID_TAG order rejected: tag = 1.5; allowed: undefined or a safe integer",
  "margin used up after marginAllows: marginAllows true; submit INSUFFICIENT_MARGIN order rejected: quantity = 60000; allowed: at most 40000 lots for account 1 (A) to buy X: the worst-case initial requirement 1200000 (position + resting orders + this order) would exceed equity 1000000; reduce-only orders and orders that do not increase exposure are always accepted",
  'valid: marginAllows true; submit ok {"orderId":1,"filled":0,"resting":5,"notional":0,"averagePrice":null}',
];

describe("submit: which of several bad inputs is reported", () => {
  it("pins code and message per case, the same after marginAllows passed the same order, changing nothing", () => {
    const got: string[] = [];
    for (const [what, order, out, between] of SUBMIT) {
      const call = (v: Venue) => v.submit(order as never, out as never);
      const cold = venue();
      if (between !== undefined) between(cold.v);
      const before = snapshot(cold.v);
      const o = outcome(() => call(cold.v));
      if (!o.startsWith("ok")) expect(snapshot(cold.v), what).toBe(before);
      // the agents' path: marginAllows with the same inputs first (passing when they are valid to it)
      const primed = venue();
      const allowed =
        order === null
          ? "-"
          : outcome(() =>
              primed.v.marginAllows(
                order.account as number,
                order.instrument as number,
                order.side as 1,
                order.quantity as number,
                order.price as number,
              ),
            );
      if (between !== undefined) between(primed.v);
      expect(
        outcome(() => call(primed.v)),
        what,
      ).toBe(o);
      got.push(
        `${what}: marginAllows ${allowed.split(" ")[0] === "ok" ? allowed.slice(3) : "threw"}; submit ${o}`,
      );
    }
    expect(got).toEqual(SUBMIT_EXPECTED);
  });
});

/** marginAllows(account, instrument, side, quantity, price) */
const MARGIN_ALLOWS: Array<[string, [unknown, unknown, unknown, unknown, unknown]]> = [
  ["bad account, instrument and side", [99, 5, 0, 5, 100]],
  ["bad instrument, side and quantity", [1, 5, 0, 0, 100]],
  ["bad side, quantity and price", [1, 0, 0, 0, 0]],
  ["bad quantity and price", [1, 0, BUY, 1.5, -1]],
  ["bad price", [1, 0, BUY, 5, Number.POSITIVE_INFINITY]],
  ["price as a string", [1, 0, BUY, 5, "100"]],
  ["frozen, bad price", [4, 0, BUY, 5, 0]],
  ["frozen", [4, 0, BUY, 5, 100]],
  ["exempt, beyond margin", [3, 0, BUY, 10 ** 9, 100]],
  ["beyond margin", [1, 0, BUY, 200_000, 100]],
  ["fractional price, beyond the band", [1, 0, SELL, 5, 1000.5]],
];

const MARGIN_ALLOWS_EXPECTED = [
  "bad account, instrument and side: UNKNOWN_ACCOUNT marginAllows rejected: account = 99; allowed: an account id in [0, 4] (openAccount)",
  "bad instrument, side and quantity: UNKNOWN_INSTRUMENT marginAllows rejected: instrument = 5; allowed: an instrument id in [0, 0] (instrumentId(symbol))",
  "bad side, quantity and price: INVALID_SIDE marginAllows rejected: side = 0; allowed: BUY (1) or SELL (-1)",
  "bad quantity and price: INVALID_QUANTITY marginAllows rejected: quantity = 1.5; allowed: an integer number of lots >= 1",
  "bad price: INVALID_PRICE marginAllows rejected: price = Infinity; allowed: a finite price in ticks > 0",
  'price as a string: INVALID_PRICE marginAllows rejected: price = "100"; allowed: a finite price in ticks > 0',
  "frozen, bad price: INVALID_PRICE marginAllows rejected: price = 0; allowed: a finite price in ticks > 0",
  "frozen: ok false",
  "exempt, beyond margin: ok true",
  "beyond margin: ok false",
  "fractional price, beyond the band: ok true",
];

describe("marginAllows: which of several bad inputs is reported", () => {
  it("pins code and message per case", () => {
    const { v } = venue();
    const got = MARGIN_ALLOWS.map(
      ([what, args]) =>
        `${what}: ${outcome(() => v.marginAllows(...(args as [number, number, 1, number, number])))}`,
    );
    expect(got).toEqual(MARGIN_ALLOWS_EXPECTED);
  });
});

describe("submitLiquidationOrder and a re-entrant submit", () => {
  it("a liquidation order names reduceOnly before anything else; a frozen account's may reduce", () => {
    const { v, b } = venue();
    const got = [
      outcome(() => v.submitLiquidationOrder(null as never)),
      outcome(() => v.submitLiquidationOrder(o({ account: 99, side: 0, reduceOnly: false }) as OrderRequest)),
      outcome(() => v.submitLiquidationOrder(o({ account: 99, side: 0, reduceOnly: true }) as OrderRequest)),
      outcome(() => v.submitLiquidationOrder(o({ account: 4, tag: 1.5, reduceOnly: true }) as OrderRequest)),
      outcome(() => v.submitLiquidationOrder(o({ account: 4, reduceOnly: true }) as OrderRequest)),
    ];
    // F (4) short 5 from B: its liquidation order buys them back although it is frozen
    v.unfreeze(4);
    v.submit(o({ account: b, price: 100 }) as OrderRequest);
    v.submit(o({ account: 4, side: SELL, type: "market", price: undefined }) as OrderRequest);
    v.freeze(4, "again");
    v.submit(o({ account: b, side: SELL, price: 101 }) as OrderRequest);
    got.push(
      outcome(() =>
        v.submitLiquidationOrder(o({ account: 4, price: 101, reduceOnly: true, tag: 7 }) as OrderRequest),
      ),
    );
    expect(got).toEqual([
      "INVALID_ORDER_TYPE order rejected: reduceOnly = null; allowed: true (a liquidation order only closes what the account holds)",
      "INVALID_ORDER_TYPE order rejected: reduceOnly = false; allowed: true (a liquidation order only closes what the account holds)",
      "UNKNOWN_ACCOUNT order rejected: account = 99; allowed: an account id in [0, 4] (openAccount)",
      "INVALID_TAG order rejected: tag = 1.5; allowed: undefined or a safe integer",
      "REDUCE_ONLY order rejected: reduceOnly = true; allowed: a buy only when the account holds an unreserved short position (position 0, reserved 0, less its resting plain buys while reserved)",
      'ok {"orderId":4,"filled":5,"resting":0,"notional":505,"averagePrice":101}',
    ]);
  });

  it("a submit from inside a fills$ callback is refused as re-entrant before its inputs are read", () => {
    const { v, b } = venue();
    const got: string[] = [];
    v.fills$.subscribe(() => {
      expect(v.marginAllows(1, 0, BUY, 5, 100)).toBe(true);
      got.push(outcome(() => v.submit(null as never, 7 as never)));
      got.push(outcome(() => v.submit(o({}) as OrderRequest)));
    });
    v.submit(o({ account: b, side: SELL }) as OrderRequest);
    v.submit(o({ type: "market", price: undefined }) as OrderRequest);
    expect(got).toEqual([
      'REENTRANT_ORDER re-entrant call rejected: call = "submit"; allowed: no order, cancel, transfer, auction, deposit, openAccount, updateMarks or advance call from inside a venue callback (fills$, book$, marks$, auctions$, transfers$): queue the reaction with loop.defer',
      'REENTRANT_ORDER re-entrant call rejected: call = "submit"; allowed: no order, cancel, transfer, auction, deposit, openAccount, updateMarks or advance call from inside a venue callback (fills$, book$, marks$, auctions$, transfers$): queue the reaction with loop.defer',
    ]);
  });
});
