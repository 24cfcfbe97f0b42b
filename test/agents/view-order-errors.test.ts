import { AgentView, marketTape } from "@cascade/agents";
import { CascadeError, Rng } from "@cascade/core";
import { BUY, SELL } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { makeMarket } from "./helpers.js";

/** The error's code and message, or what the call returned. */
function outcome(fn: () => unknown): string {
  try {
    return `ok ${JSON.stringify(fn())}`;
  } catch (e) {
    if (e instanceof CascadeError) return `${e.code} ${e.message}`;
    return `not a CascadeError: ${String(e)}`;
  }
}

/**
 * A view on X (band [1, 400,000], mark 100,000, initial margin 10%) for an account with 1,000,000
 * (100 lots at 100,000), long 3 lots when `long` is set (bought from an exempt seller).
 */
function view(long = false) {
  const { venue, loop } = makeMarket();
  const a = venue.openAccount("mine");
  venue.deposit(a, 1_000_000);
  if (long) {
    const s = venue.openAccount("seller", { marginExempt: true });
    venue.submit({ account: s, instrument: 0, side: SELL, quantity: 3, type: "limit", price: 100_000 });
    venue.submit({ account: a, instrument: 0, side: BUY, quantity: 3, type: "market" });
  }
  loop.step();
  return { v: new AgentView(venue, marketTape(venue, loop), a, Rng.fromSeed(1)), venue, a };
}

type Call = (v: AgentView) => unknown;
const bad = <T>(x: unknown) => x as T;

/** [what, call, long] */
const CASES: Array<[string, Call, boolean?]> = [
  ["limit: bad instrument, NaN price and quantity", (v) => v.limit(5, BUY, Number.NaN, Number.NaN)],
  ["limit: NaN price and quantity, bad side", (v) => v.limit(0, bad(0), Number.NaN, Number.NaN)],
  [
    "limit: infinite quantity, bad side and tif",
    (v) => v.limit(0, bad(0), Number.POSITIVE_INFINITY, 99_000, bad("FOK")),
  ],
  ["limit: under a lot, bad side", (v) => v.limit(0, bad(0), 0.5, 99_000)],
  ["limit: bad side and tif", (v) => v.limit(0, bad(0), 2, 99_000, bad("FOK"))],
  ["limit: bad tif", (v) => v.limit(0, BUY, 2, 99_000, bad("FOK"))],
  ["limit: bad tif, beyond margin", (v) => v.limit(0, BUY, 1_000, 99_000, bad("FOK"))],
  ["limit: fractional price and quantity", (v) => v.limit(0, BUY, 2.9, 99_000.6)],
  ["limit: price above the band", (v) => v.limit(0, SELL, 2, 10 ** 9)],
  ["limit: beyond margin", (v) => v.limit(0, BUY, 1_000, 99_000)],
  ["limit: reduce-only, flat, bad tif", (v) => v.limit(0, SELL, 2, 101_000, bad("FOK"), true)],
  ["limit: reduce-only, long, bad side", (v) => v.limit(0, bad(0), 2, 101_000, "GTC", true), true],
  ["limit: reduce-only, long, bad tif", (v) => v.limit(0, SELL, 2, 101_000, bad("FOK"), true), true],
  ["limit: reduce-only, long, more than held", (v) => v.limit(0, SELL, 9, 101_000, "GTC", true), true],
  ["ioc: bad instrument and NaN price", (v) => v.ioc(5, BUY, 2, Number.NaN)],
  ["ioc: NaN quantity, bad side", (v) => v.ioc(0, bad(0), Number.NaN, 101_000)],
  ["ioc: bad side", (v) => v.ioc(0, bad(0), 2, 101_000)],
  ["ioc: beyond margin, nothing to take", (v) => v.ioc(0, BUY, 1_000, 101_000)],
];

const EXPECTED = [
  "limit: bad instrument, NaN price and quantity: UNKNOWN_INSTRUMENT lookup rejected: instrument = 5; allowed: an instrument id in [0, 0] (instrumentId(symbol)); resting buys 0, sells 0",
  "limit: NaN price and quantity, bad side: INVALID_PRICE order rejected: price = NaN; allowed: a finite price in ticks (rounded to the tick grid, clamped to the instrument's band); resting buys 0, sells 0",
  "limit: infinite quantity, bad side and tif: INVALID_QUANTITY order rejected: quantity = Infinity; allowed: a finite number of lots (floored; 0 or less sends nothing); resting buys 0, sells 0",
  "limit: under a lot, bad side: ok -1; resting buys 0, sells 0",
  "limit: bad side and tif: INVALID_SIDE order rejected: side = 0; allowed: BUY (1) or SELL (-1); resting buys 0, sells 0",
  'limit: bad tif: INVALID_ORDER_TYPE order rejected: tif = "FOK"; allowed: undefined, "GTC", "IOC" or "POST_ONLY"; resting buys 0, sells 0',
  'limit: bad tif, beyond margin: INVALID_ORDER_TYPE order rejected: tif = "FOK"; allowed: undefined, "GTC", "IOC" or "POST_ONLY"; resting buys 0, sells 0',
  "limit: fractional price and quantity: ok 1; resting buys 2, sells 0",
  "limit: price above the band: ok 1; resting buys 0, sells 2",
  "limit: beyond margin: ok 1; resting buys 100, sells 0",
  "limit: reduce-only, flat, bad tif: ok -1; resting buys 0, sells 0",
  "limit: reduce-only, long, bad side: INVALID_SIDE order rejected: side = 0; allowed: BUY (1) or SELL (-1); resting buys 0, sells 0",
  'limit: reduce-only, long, bad tif: INVALID_ORDER_TYPE order rejected: tif = "FOK"; allowed: undefined, "GTC", "IOC" or "POST_ONLY"; resting buys 0, sells 0',
  "limit: reduce-only, long, more than held: ok 3; resting buys 0, sells 3",
  "ioc: bad instrument and NaN price: UNKNOWN_INSTRUMENT lookup rejected: instrument = 5; allowed: an instrument id in [0, 0] (instrumentId(symbol)); resting buys 0, sells 0",
  "ioc: NaN quantity, bad side: INVALID_QUANTITY order rejected: quantity = NaN; allowed: a finite number of lots (floored; 0 or less sends nothing); resting buys 0, sells 0",
  "ioc: bad side: INVALID_SIDE order rejected: side = 0; allowed: BUY (1) or SELL (-1); resting buys 0, sells 0",
  "ioc: beyond margin, nothing to take: ok 0; resting buys 0, sells 0",
];

describe("AgentView orders: which of several bad inputs is reported", () => {
  it("pins code and message per case, and what rests (the view's checks, then marginAllows', then submit's)", () => {
    const got = CASES.map(([what, call, long]) => {
      const { v, venue, a } = view(long);
      const r = outcome(() => call(v));
      return `${what}: ${r}; resting buys ${venue.restingQuantity(a, 0, BUY)}, sells ${venue.restingQuantity(a, 0, SELL)}`;
    });
    expect(got).toEqual(EXPECTED);
  });
});
