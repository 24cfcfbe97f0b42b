import { BUY, QUOTE_NOT_SENT, SELL, type Side, Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CascadeError, snapshot } from "./venue-helpers.js";

/** Two makers (one margin-exempt), a thin trader and a taker, on one instrument. */
function market() {
  const v = new Venue({
    instruments: [
      { symbol: "X", initialPrice: 100, contractValue: 10, margin: { initial: 0.125, maintenance: 0.0625 } },
    ],
    mark: { kind: "oracle" },
  });
  const makers = [v.openAccount("mm", { marginExempt: true }), v.openAccount("thin"), v.openAccount("mid")];
  v.deposit(makers[0], 10_000_000);
  v.deposit(makers[1], 3_000);
  v.deposit(makers[2], 40_000);
  const taker = v.openAccount("taker", { marginExempt: true });
  v.deposit(taker, 10_000_000);
  return { v, makers, taker };
}

/** What the venue streams, in order. */
function record(v: Venue): unknown[] {
  const log: unknown[] = [];
  v.fills$.subscribe((f) => log.push(["fill", { ...f }]));
  v.book$.subscribe((b) => log.push(["book", { ...b }]));
  return log;
}

type Step =
  | { kind: "quote"; maker: number; side: Side; qty: number; price: number }
  | { kind: "take"; side: Side; qty: number }
  | { kind: "cancelAll"; maker: number }
  | { kind: "freeze"; maker: number; frozen: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("quote" as const),
      maker: fc.integer({ min: 0, max: 2 }),
      side: fc.constantFrom(BUY, SELL),
      qty: fc.integer({ min: 1, max: 40 }),
      price: fc.integer({ min: 90, max: 110 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("take" as const),
      side: fc.constantFrom(BUY, SELL),
      qty: fc.integer({ min: 1, max: 30 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("cancelAll" as const), maker: fc.integer({ min: 0, max: 2 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("freeze" as const),
      maker: fc.integer({ min: 0, max: 2 }),
      frozen: fc.boolean(),
    }),
  },
);

/** The quote as marginAllows then submit send it (the path postQuote replaces): id, -1 or QUOTE_NOT_SENT. */
function quoteBySubmit(v: Venue, a: number, side: Side, qty: number, price: number): number {
  if (!v.marginAllows(a, 0, side, qty, price)) return QUOTE_NOT_SENT;
  const r = v.submit({
    account: a,
    instrument: 0,
    side,
    quantity: qty,
    type: "limit",
    price,
    tif: "POST_ONLY",
  });
  return r.resting > 0 ? r.orderId : -1;
}

function run(steps: readonly Step[], quote: typeof quoteBySubmit) {
  const { v, makers, taker } = market();
  const log = record(v);
  const answers: number[] = [];
  for (const s of steps) {
    if (s.kind === "quote") answers.push(quote(v, makers[s.maker], s.side, s.qty, s.price));
    else if (s.kind === "take")
      v.submit({ account: taker, instrument: 0, side: s.side, quantity: s.qty, type: "market" });
    else if (s.kind === "cancelAll") v.cancelAll(makers[s.maker], 0);
    else if (s.frozen) v.freeze(makers[s.maker], "test");
    else v.unfreeze(makers[s.maker]);
  }
  return {
    answers,
    log,
    state: snapshot(v),
    nextId: v.submit({ account: taker, instrument: 0, side: BUY, quantity: 1, type: "limit", price: 1 })
      .orderId,
  };
}

describe("postQuote is marginAllows then a POST_ONLY submit, in one call", () => {
  it("same answers, order ids, books, ledger and streamed events as the two calls (random sequences)", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const bySubmit = run(steps, quoteBySubmit);
        const byQuote = run(steps, (v, a, side, qty, price) => v.postQuote(a, 0, side, qty, price));
        expect(byQuote).toEqual(bySubmit);
      }),
      { numRuns: 300 },
    );
  });

  it("a quote that would cross is cancelled (-1) and uses an order id; one margin refuses is not sent", () => {
    const { v, makers, taker } = market();
    v.submit({ account: taker, instrument: 0, side: SELL, quantity: 5, type: "limit", price: 101 });
    const before = snapshot(v);
    expect(v.postQuote(makers[0], 0, BUY, 5, 101)).toBe(-1);
    expect(snapshot(v)).toBe(before);
    // 3,000 cash at 12.5% of 1,000 per lot: 24 lots; 25 is refused before any order id is used
    expect(v.postQuote(makers[1], 0, BUY, 25, 100)).toBe(QUOTE_NOT_SENT);
    expect(v.postQuote(makers[1], 0, BUY, 20, 100)).toBe(3);
    expect(v.restingQuantity(makers[1], 0, BUY)).toBe(20);
  });

  it("bad input is refused as submit refuses it: same code and message, nothing changed", () => {
    const { v, makers } = market();
    const before = snapshot(v);
    const bad: Array<[number, number, Side, number, number]> = [
      [99, 0, BUY, 1, 100],
      [makers[0], 5, BUY, 1, 100],
      [makers[0], 0, 0 as Side, 1, 100],
      [makers[0], 0, BUY, 1.5, 100],
      [makers[0], 0, BUY, 0, 100],
      [makers[0], 0, BUY, 1, 100.5],
      [makers[0], 0, BUY, 1, Number.NaN],
    ];
    for (const [a, i, side, qty, price] of bad) {
      const bySubmit = thrown(() =>
        v.submit({ account: a, instrument: i, side, quantity: qty, type: "limit", price, tif: "POST_ONLY" }),
      );
      const byQuote = thrown(() => v.postQuote(a, i, side, qty, price));
      expect(byQuote, JSON.stringify([a, i, side, qty, price])).toEqual(bySubmit);
      expect(bySubmit.code).not.toBe("none");
    }
    expect(snapshot(v)).toBe(before);
  });
});

function thrown(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e instanceof CascadeError
      ? { code: e.code, message: e.message }
      : { code: "other", message: String(e) };
  }
  return { code: "none", message: "" };
}
