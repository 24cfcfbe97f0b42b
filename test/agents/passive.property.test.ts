import {
  buildPopulation,
  type Fundamentalist,
  fundamentalists,
  type MomentumTrader,
  marketMakers,
  momentumTraders,
  noiseTraders,
} from "@cascade/agents";
import { BUY, SELL } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeMarket } from "./helpers.js";

const NEVER = { once: 1e12 } as const;
const MAX_PRICE = 400_000; // the default band of a 100,000-tick instrument: [1, 4 x initial]

/**
 * A book with either side possibly empty, after a last trade anywhere near it: the mid an agent
 * sees is then the last trade, which can lie beyond the side still quoted.
 */
const bookArb = fc
  .record({
    last: fc.integer({ min: 90_000, max: 110_000 }),
    bid: fc.option(fc.oneof(fc.integer({ min: 90_000, max: 110_000 }), fc.constant(MAX_PRICE)), {
      nil: undefined,
    }),
    ask: fc.option(fc.oneof(fc.integer({ min: 90_000, max: 110_000 }), fc.constant(1)), { nil: undefined }),
    side: fc.constantFrom(BUY, SELL),
    offset: fc.integer({ min: 0, max: 30 }),
    gap: fc.double({ min: 0.001, max: 0.2, noNaN: true }),
  })
  .filter((b) => b.bid === undefined || b.ask === undefined || b.bid < b.ask);

type Book = typeof bookArb extends fc.Arbitrary<infer T> ? T : never;

function marketWith(b: Book) {
  const m = makeMarket();
  const lp = m.venue.openAccount("lp");
  const taker = m.venue.openAccount("taker");
  m.venue.deposit(lp, 1e13);
  m.venue.deposit(taker, 1e13);
  m.venue.submit({ account: lp, instrument: 0, side: BUY, quantity: 1, type: "limit", price: b.last });
  m.venue.submit({ account: taker, instrument: 0, side: SELL, quantity: 1, type: "market" });
  if (b.bid !== undefined)
    m.venue.submit({ account: lp, instrument: 0, side: BUY, quantity: 5, type: "limit", price: b.bid });
  if (b.ask !== undefined)
    m.venue.submit({ account: lp, instrument: 0, side: SELL, quantity: 5, type: "limit", price: b.ask });
  return m;
}

/** The agent traded nothing and each of its resting orders is off the opposite side. */
function expectPassive(m: ReturnType<typeof makeMarket>, account: number): void {
  expect(m.venue.position(account, 0)).toBe(0);
  const book = m.venue.book(0);
  for (const id of m.venue.openOrders(account)) {
    const price = book.orderPrice(id);
    if (book.orderSide(id) === BUY) expect(book.bestAsk() === 0 || price < book.bestAsk()).toBe(true);
    else expect(book.bestBid() === 0 || price > book.bestBid()).toBe(true);
  }
}

describe("passive orders never cross, whichever side of the book is empty", () => {
  it("a momentum trader's order at its own best (aggression 0)", () => {
    fc.assert(
      fc.property(bookArb, (b) => {
        const m = marketWith(b);
        const pop = buildPopulation(
          momentumTraders({ count: 1, activation: NEVER, aggression: 0 }),
          m.ctx,
          0,
        );
        const mom = pop.agents[0] as MomentumTrader;
        mom.signal = () => (b.side === BUY ? 1 : -1);
        mom.act(1);
        expectPassive(m, pop.accounts[0]);
        // It still quotes unless the opposite best is at the band's edge.
        const edge = b.side === BUY ? b.ask === 1 : b.bid === MAX_PRICE;
        expect(m.venue.openOrders(pop.accounts[0]).length).toBe(edge ? 0 : 1);
      }),
      { numRuns: 200 },
    );
  });

  it("a fundamentalist's order behind its own best (aggression 0)", () => {
    fc.assert(
      fc.property(bookArb, (b) => {
        const m = marketWith(b);
        const pop = buildPopulation(
          fundamentalists({
            count: 1,
            activation: NEVER,
            aggression: 0,
            threshold: 0,
            observationNoise: 0,
            priceOffset: b.offset,
          }),
          m.ctx,
          0,
        );
        const f = pop.agents[0] as Fundamentalist;
        const est = pop.views[0].mid(0) * (b.side === BUY ? 1 + b.gap : 1 - b.gap);
        f.estimate = () => est;
        f.act(1);
        expectPassive(m, pop.accounts[0]);
      }),
      { numRuns: 200 },
    );
  });

  it("a noise trader's limit order and a market maker's POST_ONLY quotes", () => {
    fc.assert(
      fc.property(bookArb, (b) => {
        const m = marketWith(b);
        const noise = buildPopulation(
          noiseTraders({
            count: 1,
            activation: NEVER,
            limitWeight: 1,
            marketWeight: 0,
            cancelWeight: 0,
            priceOffset: b.offset,
          }),
          m.ctx,
          0,
        );
        noise.agents[0].act(1);
        expectPassive(m, noise.accounts[0]);
        const mm = buildPopulation(marketMakers({ count: 1, activation: NEVER }), m.ctx, 1);
        mm.agents[0].act(1);
        expectPassive(m, mm.accounts[0]);
      }),
      { numRuns: 100 },
    );
  });
});
