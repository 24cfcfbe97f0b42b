import {
  buildPopulation,
  type Fundamentalist,
  fundamentalists,
  type LeveragedTrader,
  type Liquidator,
  leveragedTraders,
  liquidators,
  type MarketMaker,
  type MomentumTrader,
  marketMakers,
  momentumTraders,
  type NoiseTrader,
  noiseTraders,
} from "@cascade/agents";
import type { Dist } from "@cascade/core";
import { BUY, SELL, type Venue } from "@cascade/market";
import { describe, expect, it } from "vitest";
import { makeMarket } from "./helpers.js";

const NEVER = { once: 1e12 } as const;

/** A liquidity account resting `levels` levels of `qty` lots on each side around `mid`. */
function seedBook(venue: Venue, mid: number, levels = 20, qty = 50, step = 2): number {
  const lp = venue.openAccount("lp");
  venue.deposit(lp, 1e13);
  for (let l = 0; l < levels; l++) {
    venue.submit({
      account: lp,
      instrument: 0,
      side: BUY,
      quantity: qty,
      type: "limit",
      price: mid - 1 - l * step,
    });
    venue.submit({
      account: lp,
      instrument: 0,
      side: SELL,
      quantity: qty,
      type: "limit",
      price: mid + 1 + l * step,
    });
  }
  return lp;
}

describe("archetype decision rules", () => {
  it("a fundamentalist whose estimate is above the mid buys, below sells", () => {
    for (const [shock, sign] of [
      [0.01, 1],
      [-0.01, -1],
    ] as const) {
      const m = makeMarket();
      seedBook(m.venue, 100_000);
      m.fundamentals.shock(0, shock);
      const pop = buildPopulation(
        fundamentalists({
          count: 1,
          activation: NEVER,
          observationNoise: 0,
          aggression: 1,
          threshold: 0.001,
        }),
        m.ctx,
        0,
      );
      (pop.agents[0] as Fundamentalist).act(1);
      expect(Math.sign(m.venue.position(pop.accounts[0], 0))).toBe(sign);
    }
  });

  it("a fundamentalist near the value does nothing", () => {
    const m = makeMarket();
    seedBook(m.venue, 100_000);
    const pop = buildPopulation(
      fundamentalists({ count: 1, activation: NEVER, observationNoise: 0, threshold: 0.001 }),
      m.ctx,
      0,
    );
    (pop.agents[0] as Fundamentalist).act(1);
    expect(m.venue.position(pop.accounts[0], 0)).toBe(0);
    expect(m.venue.openOrders(pop.accounts[0]).length).toBe(0);
  });

  it("a market maker long inventory skews its quotes down (short: up)", () => {
    const m = makeMarket();
    const lp = seedBook(m.venue, 100_000);
    const pop = buildPopulation(
      marketMakers({ count: 3, activation: NEVER, gamma: 0.01, withdrawMove: 1e9, withdrawVolatility: 1e9 }),
      m.ctx,
      0,
    );
    const [flat, long, short] = pop.agents as MarketMaker[];
    // Give the tape some volatility so sigma_p > 0.
    m.venue.submit({ account: lp, instrument: 0, side: BUY, quantity: 50, type: "limit", price: 100_001 });
    for (let t = 0; t < 50; t++) {
      m.loop.step();
      const side = t % 2 === 0 ? BUY : SELL;
      m.venue.submit({
        account: lp,
        instrument: 0,
        side,
        quantity: 1,
        type: "limit",
        price: side === BUY ? 99_990 - t : 100_010 + t,
      });
    }
    m.venue.submit({ account: pop.accounts[1], instrument: 0, side: BUY, quantity: 40, type: "market" });
    m.venue.submit({ account: pop.accounts[2], instrument: 0, side: SELL, quantity: 40, type: "market" });
    expect(m.venue.position(pop.accounts[1], 0)).toBe(40);
    const qf = flat.quote();
    const ql = long.quote();
    const qs = short.quote();
    expect(ql.reservation).toBeLessThan(qf.reservation);
    expect(qs.reservation).toBeGreaterThan(qf.reservation);
    expect(ql.bid).toBeLessThanOrEqual(qf.bid);
    expect(ql.ask).toBeLessThanOrEqual(qf.ask);
    long.act(m.loop.now + 1);
    const own = m.venue.openOrders(pop.accounts[1]);
    expect(own.length).toBeGreaterThan(0);
  });

  it("a market maker's inventory skew is capped at its half-spread", () => {
    const m = makeMarket();
    const lp = seedBook(m.venue, 100_000);
    const gamma = 0.005;
    const pop = buildPopulation(
      marketMakers({ count: 2, activation: NEVER, gamma, withdrawMove: 1e9, withdrawVolatility: 1e9 }),
      m.ctx,
      0,
    );
    const [long, short] = pop.agents as MarketMaker[];
    // Some volatility on the tape: each tick a taker clears the best level on alternate sides (the
    // mid ends the tick 1 tick up, then 1 down), and the level is refilled the next tick.
    const taker = m.venue.openAccount("taker");
    m.venue.deposit(taker, 1e13);
    for (let t = 0; t < 50; t++) {
      m.loop.step();
      const side = t % 2 === 0 ? BUY : SELL;
      if (t > 0) {
        const refill = side === BUY ? BUY : SELL; // the book side the taker cleared the tick before
        const price = refill === BUY ? 99_999 : 100_001;
        m.venue.submit({ account: lp, instrument: 0, side: refill, quantity: 50, type: "limit", price });
      }
      m.venue.submit({ account: taker, instrument: 0, side, quantity: 50, type: "market" });
    }
    m.venue.submit({ account: pop.accounts[0], instrument: 0, side: BUY, quantity: 200, type: "market" });
    m.venue.submit({ account: pop.accounts[1], instrument: 0, side: SELL, quantity: 200, type: "market" });
    const mid = long.view.mid(0);
    const sigmaP = long.view.volatility(0, 1) * mid;
    const ql = long.quote();
    const qs = short.quote();
    // Uncapped, Avellaneda-Stoikov would shift the reservation by q * gamma * sigma_p^2 * horizon.
    const uncapped = 200 * gamma * sigmaP * sigmaP * long.p.horizon;
    expect(uncapped).toBeGreaterThan(5 * ql.halfSpread);
    expect(ql.reservation).toBe(mid - ql.halfSpread);
    expect(qs.reservation).toBe(mid + qs.halfSpread);
    // The unwinding side quotes at the mid at most; the other side a full spread away.
    expect(ql.ask).toBe(Math.ceil(mid));
    expect(ql.bid).toBe(Math.floor(mid - 2 * ql.halfSpread));
    expect(qs.bid).toBe(Math.floor(mid));
    expect(qs.ask).toBe(Math.ceil(mid + 2 * qs.halfSpread));
    expect(qs.ask).toBeLessThan(mid + 0.01 * (long.view.maxPrice(0) - mid));
  });

  it("an agent's order is capped at the venue's largest order (its notional at maxPrice exact)", () => {
    const m = makeMarket({ instruments: [{ symbol: "X", initialPrice: 1000, maxPrice: 1_000_000 }] });
    seedBook(m.venue, 1000);
    const pop = buildPopulation(
      leveragedTraders({ count: 1, capital: 1e14, leverage: 0.4, maxSlippage: 0, activation: NEVER }),
      m.ctx,
      0,
    );
    const view = (pop.agents[0] as LeveragedTrader).view;
    const maxLots = Math.floor(Number.MAX_SAFE_INTEGER / 1_000_000);
    // 4e10 lots were sent as they were, and the venue refused them (quantity above 9007199254)
    const id = view.limit(0, BUY, 4e10, 900);
    expect(id).toBeGreaterThan(0);
    expect(m.venue.book(0).remaining(id)).toBe(maxLots);
  });

  it("a keeper neither re-sells lots its own auction holds nor bids on its own auction", () => {
    const m = makeMarket();
    seedBook(m.venue, 100_000);
    const pop = buildPopulation(
      liquidators({ count: 1, capital: 1e9, discount: 0, unwindFraction: 1, activation: NEVER }),
      m.ctx,
      0,
    );
    const keeper = pop.agents[0] as Liquidator;
    const k = pop.accounts[0];
    m.venue.submit({ account: k, instrument: 0, side: BUY, quantity: 20, type: "market" }); // from the lp's asks
    // Its own position under liquidation: an auction holds all 20 lots, priced well below the reference.
    const auction = m.venue.openAuction({
      seller: k,
      instrument: 0,
      side: SELL,
      quantity: 20,
      startPrice: 90_000,
      limitPrice: 80_000,
      decayPerTick: 0.01,
      durationTicks: 10,
    });
    expect(keeper.view.limit(0, SELL, 20, 100_001, "GTC", true)).toBe(-1); // the venue refused it before
    expect(() => keeper.act(m.loop.now + 1)).not.toThrow(); // it tried to take its own auction
    expect(m.venue.auction(auction).remaining).toBe(20);
    expect(m.venue.position(k, 0)).toBe(20);
  });

  it("a market maker quotes 10 levels per side and pulls its quotes under stress", () => {
    const m = makeMarket();
    const lp = seedBook(m.venue, 100_000, 3);
    const pop = buildPopulation(
      marketMakers({
        count: 1,
        activation: NEVER,
        levels: 10,
        levelSpacing: 5,
        withdrawMove: 0.01,
        horizon: 5,
      }),
      m.ctx,
      0,
    );
    const mm = pop.agents[0] as MarketMaker;
    for (let t = 0; t < 10; t++) m.loop.step();
    mm.act(m.loop.now);
    expect(m.venue.openOrders(pop.accounts[0]).length).toBe(20);
    expect(mm.withdrawals).toBe(0);
    // A crash: the whole book moves 5% down within two ticks.
    m.venue.cancelAll(pop.accounts[0]);
    m.venue.cancelAll(lp);
    m.venue.submit({ account: lp, instrument: 0, side: BUY, quantity: 10, type: "limit", price: 95_000 });
    m.venue.submit({ account: lp, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 95_010 });
    m.loop.step();
    m.loop.step();
    mm.act(m.loop.now);
    expect(mm.withdrawals).toBe(1);
    expect(m.venue.openOrders(pop.accounts[0]).length).toBe(0);
  });

  it("a momentum trader buys after an up-trend and sells after a down-trend", () => {
    for (const dir of [1, -1]) {
      const m = makeMarket();
      const lp = m.venue.openAccount("lp");
      m.venue.deposit(lp, 1e13);
      const pop = buildPopulation(
        momentumTraders({
          count: 1,
          activation: NEVER,
          shortWindow: 5,
          longWindow: 30,
          aggression: 1,
          threshold: 0.0001,
        }),
        m.ctx,
        0,
      );
      for (let t = 0; t < 40; t++) {
        m.venue.cancelAll(lp);
        const mid = 100_000 + dir * t * 20;
        m.venue.submit({
          account: lp,
          instrument: 0,
          side: BUY,
          quantity: 100,
          type: "limit",
          price: mid - 1,
        });
        m.venue.submit({
          account: lp,
          instrument: 0,
          side: SELL,
          quantity: 100,
          type: "limit",
          price: mid + 1,
        });
        m.loop.step();
      }
      const mom = pop.agents[0] as MomentumTrader;
      expect(mom.signal()).toBe(dir);
      mom.act(m.loop.now + 1);
      expect(Math.sign(m.venue.position(pop.accounts[0], 0))).toBe(dir);
    }
  });

  it("a noise trader places limit orders around the mid", () => {
    const m = makeMarket();
    seedBook(m.venue, 100_000, 5, 50, 40);
    const pop = buildPopulation(
      noiseTraders({
        count: 1,
        activation: NEVER,
        limitWeight: 1,
        marketWeight: 0,
        cancelWeight: 0,
        maxOpenOrders: 1000,
        priceOffset: { dist: "uniform", min: 0, max: 30 },
      }),
      m.ctx,
      0,
    );
    const nt = pop.agents[0] as NoiseTrader;
    for (let k = 0; k < 200; k++) nt.act();
    const book = m.venue.book(0);
    const prices: number[] = [];
    const sides: number[] = [];
    for (const side of [BUY, SELL] as const) {
      book.forEachOrder(side, (_id, owner, price) => {
        if (owner === pop.accounts[0]) {
          prices.push(price);
          sides.push(side);
        }
      });
    }
    expect(prices.length).toBe(200);
    for (let k = 0; k < prices.length; k++) {
      expect(Math.abs(prices[k] - 100_000)).toBeLessThanOrEqual(31);
      if (sides[k] === BUY) expect(prices[k]).toBeLessThan(100_001);
      else expect(prices[k]).toBeGreaterThan(99_999);
    }
    const buys = sides.filter((s) => s === BUY).length;
    expect(buys).toBeGreaterThan(60);
    expect(buys).toBeLessThan(140);
  });

  it("a noise trader's limit order never crosses, also against quotes at the edge of the price band", () => {
    // ask - 1 below minPrice was clamped back up to minPrice: a buy at the best ask, which filled.
    for (const edge of ["min", "max"] as const) {
      const m = makeMarket({
        instruments: [{ symbol: "X", initialPrice: 100, minPrice: 90, maxPrice: 110 }],
      });
      const lp = m.venue.openAccount("lp");
      m.venue.deposit(lp, 1e9);
      m.venue.submit(
        edge === "min"
          ? { account: lp, instrument: 0, side: SELL, quantity: 1000, type: "limit", price: 90 }
          : { account: lp, instrument: 0, side: BUY, quantity: 1000, type: "limit", price: 110 },
      );
      const pop = buildPopulation(
        noiseTraders({
          count: 1,
          activation: NEVER,
          limitWeight: 1,
          marketWeight: 0,
          cancelWeight: 0,
          priceOffset: 0,
        }),
        m.ctx,
        0,
      );
      const nt = pop.agents[0] as NoiseTrader;
      for (let k = 0; k < 100; k++) nt.act();
      expect(m.venue.position(pop.accounts[0], 0), edge).toBe(0);
      expect(m.venue.position(lp, 0), edge).toBe(0);
    }
  });

  it("a liquidator takes a discounted auction and not an expensive one", () => {
    const m = makeMarket();
    const lp = seedBook(m.venue, 100_000);
    const seller = m.venue.openAccount("seller");
    m.venue.deposit(seller, 1e10);
    m.venue.submit({ account: seller, instrument: 0, side: BUY, quantity: 40, type: "market" });
    expect(m.venue.position(seller, 0)).toBe(40);
    m.loop.step();
    const pop = buildPopulation(
      liquidators({
        count: 1,
        capital: 1e9,
        activation: "onEvent",
        discount: 0.05,
        bookDiscount: 1e9,
        unwindFraction: 0,
      }),
      m.ctx,
      0,
    );
    const liq = pop.agents[0] as Liquidator;
    const cheap = m.venue.openAuction({
      seller,
      instrument: 0,
      side: SELL,
      quantity: 10,
      startPrice: 90_000,
      limitPrice: 80_000,
      decayPerTick: 0.001,
      durationTicks: 100,
    });
    const dear = m.venue.openAuction({
      seller,
      instrument: 0,
      side: SELL,
      quantity: 10,
      startPrice: 99_000,
      limitPrice: 98_000,
      decayPerTick: 0.0001,
      durationTicks: 100,
    });
    m.loop.step(); // the keeper is woken by auctions$ and acts in this tick's agents phase
    expect(m.venue.auction(cheap).remaining).toBe(0);
    expect(m.venue.auction(dear).remaining).toBe(10);
    expect(m.venue.position(pop.accounts[0], 0)).toBe(10);
    expect(liq.room(0, BUY, 90_000)).toBeGreaterThan(0);
    void lp;
  });

  it("a liquidator trades only its instruments: auctions and book buying in others are left alone", () => {
    const m = makeMarket({
      instruments: [
        { symbol: "A", initialPrice: 100_000 },
        { symbol: "B", initialPrice: 100_000 },
      ],
    });
    const lp = m.venue.openAccount("lp");
    m.venue.deposit(lp, 1e13);
    const seller = m.venue.openAccount("seller");
    m.venue.deposit(seller, 1e10);
    for (const i of [0, 1]) {
      // B's book sits 20% under its oracle (a crash the keeper's book buying would chase).
      const mid = i === 0 ? 100_000 : 80_000;
      for (let l = 0; l < 5; l++) {
        m.venue.submit({
          account: lp,
          instrument: i,
          side: BUY,
          quantity: 50,
          type: "limit",
          price: mid - 1 - l,
        });
        m.venue.submit({
          account: lp,
          instrument: i,
          side: SELL,
          quantity: 50,
          type: "limit",
          price: mid + 1 + l,
        });
      }
      m.venue.submit({ account: seller, instrument: i, side: BUY, quantity: 20, type: "market" });
    }
    m.loop.step();
    const pop = buildPopulation(
      liquidators({ count: 1, capital: 1e9, activation: "onEvent", discount: 0.05, instruments: ["A"] }),
      m.ctx,
      0,
    );
    const auction = (instrument: number) =>
      m.venue.openAuction({
        seller,
        instrument,
        side: SELL,
        quantity: 10,
        startPrice: 90_000,
        limitPrice: 80_000,
        decayPerTick: 0.001,
        durationTicks: 100,
      });
    const b = auction(1);
    m.loop.step();
    expect(m.venue.auction(b).remaining).toBe(10);
    expect(m.venue.position(pop.accounts[0], 1)).toBe(0);
    const a = auction(0);
    m.loop.step();
    expect(m.venue.auction(a).remaining).toBe(0);
    expect(m.venue.position(pop.accounts[0], 0)).toBe(10);
    expect(m.venue.auction(b).remaining).toBe(10);
    expect(m.venue.position(pop.accounts[0], 1)).toBe(0);
  });

  it("a liquidator respects its risk limit (capital-limited)", () => {
    const m = makeMarket();
    seedBook(m.venue, 100_000);
    const seller = m.venue.openAccount("seller");
    m.venue.deposit(seller, 1e11);
    m.venue.submit({ account: seller, instrument: 0, side: BUY, quantity: 500, type: "market" });
    m.loop.step();
    // capital 1e6 and maxLeverage 2: at most ~2e6 / 90,000 = 22 lots
    const pop = buildPopulation(
      liquidators({
        count: 1,
        capital: 1e6,
        maxLeverage: 2,
        activation: "onEvent",
        discount: 0.05,
        bookDiscount: 1e9,
        unwindFraction: 0,
      }),
      m.ctx,
      0,
    );
    const a = m.venue.openAuction({
      seller,
      instrument: 0,
      side: SELL,
      quantity: 400,
      startPrice: 90_000,
      limitPrice: 80_000,
      decayPerTick: 0.001,
      durationTicks: 100,
    });
    m.loop.step();
    const q = m.venue.position(pop.accounts[0], 0);
    expect(q).toBeGreaterThan(0);
    expect(q * m.venue.mark(0)).toBeLessThanOrEqual(2 * m.venue.equity(pop.accounts[0]) + 1e-6);
    expect(m.venue.auction(a).remaining).toBe(400 - q);
  });

  it("a leveraged trader rebalances toward its target portfolio", () => {
    const m = makeMarket({
      instruments: [
        { symbol: "A", initialPrice: 10_000 },
        { symbol: "B", initialPrice: 20_000 },
      ],
    });
    for (const [ins, mid] of [
      [0, 10_000],
      [1, 20_000],
    ]) {
      const lp = m.venue.openAccount("lp");
      m.venue.deposit(lp, 1e13);
      for (let l = 0; l < 50; l++) {
        m.venue.submit({
          account: lp,
          instrument: ins,
          side: BUY,
          quantity: 100,
          type: "limit",
          price: mid - 1 - l,
        });
        m.venue.submit({
          account: lp,
          instrument: ins,
          side: SELL,
          quantity: 100,
          type: "limit",
          price: mid + 1 + l,
        });
      }
    }
    const pop = buildPopulation(
      leveragedTraders({
        count: 1,
        activation: NEVER,
        leverage: 4,
        capital: 10_000_000,
        crowding: 1,
        rebalanceThreshold: 0.05,
        dipBuying: 0,
      }),
      m.ctx,
      0,
    );
    const lt = pop.agents[0] as LeveragedTrader;
    const acct = pop.accounts[0];
    const t0 = [lt.target(0), lt.target(1)];
    expect(t0[0]).toBeGreaterThan(0);
    expect(t0[1]).toBeGreaterThan(0);
    lt.act(1);
    for (const j of [0, 1]) {
      const tgt = lt.target(j);
      expect(Math.abs(m.venue.position(acct, j) - tgt)).toBeLessThanOrEqual(Math.max(2, 0.06 * tgt));
    }
    const lev = m.venue.leverage(acct);
    expect(lev).toBeGreaterThan(3.5);
    expect(lev).toBeLessThan(4.5);
    // After a sale of half of leg A by the engine (simulated), the trader buys back toward target.
    const before = m.venue.position(acct, 0);
    m.venue.submit({
      account: acct,
      instrument: 0,
      side: SELL,
      quantity: Math.floor(before / 2),
      type: "market",
    });
    lt.act(2);
    expect(m.venue.position(acct, 0)).toBeGreaterThan(Math.floor(before / 2) + 1);
  });

  it('an "onEvent" leveraged trader is woken by trades in any instrument of its portfolio', () => {
    const m = makeMarket({
      instruments: [
        { symbol: "A", initialPrice: 10_000 },
        { symbol: "B", initialPrice: 10_000 },
      ],
    });
    const pop = buildPopulation(
      leveragedTraders({ count: 2, activation: "onEvent", leverage: 2, capital: 1e6 }),
      m.ctx,
      0,
    );
    const lp = m.venue.openAccount("lp");
    m.venue.deposit(lp, 1e12);
    const taker = m.venue.openAccount("taker");
    m.venue.deposit(taker, 1e12);
    m.loop.step();
    // A trade in B only: agent 0 (assigned A by k % n) holds B too and must look at it.
    m.loop.on("agents", (t) => {
      if (t !== 2) return;
      m.venue.submit({ account: lp, instrument: 1, side: SELL, quantity: 5, type: "limit", price: 10_001 });
      m.venue.submit({ account: taker, instrument: 1, side: BUY, quantity: 5, type: "market" });
    });
    m.loop.step();
    for (const idx of pop.schedulerIndices) expect(m.loop.scheduler.nextWake(idx)).toBe(3);
  });

  it("shortProbability as a distribution shorts the common legs too (a leg is short as often as with the constant)", () => {
    const instruments = [
      { symbol: "A", initialPrice: 1_000 },
      { symbol: "B", initialPrice: 1_000 },
      { symbol: "C", initialPrice: 1_000 },
    ];
    const shortShare = (shortProbability: Dist, crowding: number) => {
      let short = 0;
      let legs = 0;
      for (let seed = 1; seed <= 30; seed++) {
        const m = makeMarket({ seed, instruments });
        const pop = buildPopulation(
          leveragedTraders({
            count: 20,
            activation: NEVER,
            leverage: 2,
            capital: 1e6,
            crowding,
            shortProbability,
          }),
          m.ctx,
          0,
        );
        for (const a of pop.agents as LeveragedTrader[])
          for (const w of a.p.weights) {
            legs++;
            if (w < 0) short++;
          }
      }
      return short / legs;
    };
    const half = { dist: "uniform", min: 0.5, max: 0.5 } as const;
    for (const crowding of [0, 0.5, 1]) {
      expect(shortShare(0.5, crowding), `constant, crowding ${crowding}`).toBeGreaterThan(0.35);
      expect(shortShare(half, crowding), `distribution, crowding ${crowding}`).toBeGreaterThan(0.35);
      expect(shortShare(half, crowding), `distribution, crowding ${crowding}`).toBeLessThan(0.65);
    }
    // A weighted choice: a quarter of the legs short (its weighted mean), not half.
    const quarter = shortShare({ dist: "choice", values: [0, 1], weights: [3, 1] }, 1);
    expect(quarter).toBeGreaterThan(0.12);
    expect(quarter).toBeLessThan(0.38);
  });
});
