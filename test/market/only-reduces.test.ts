import { BUY, initialMargin, type MarkSpec, SELL, type Side, Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const FEES = { makerBps: 2, takerBps: 5 };

/** Three instruments (one with tiers), a margin-exempt market maker quoting each, three traders. */
function market(mark?: MarkSpec) {
  const v = new Venue({
    instruments: [
      { symbol: "A", initialPrice: 1_000, contractValue: 10 },
      {
        symbol: "B",
        initialPrice: 500,
        contractValue: 3,
        margin: {
          initial: 0.1,
          maintenance: 0.05,
          tiers: [{ notionalAbove: 20_000, initial: 0.2, maintenance: 0.1 }],
        },
      },
      { symbol: "C", initialPrice: 2_000, margin: { initial: 0.25, maintenance: 0.125 } },
    ],
    fees: FEES,
    mark,
  });
  const mm = v.openAccount("mm", { marginExempt: true });
  v.deposit(mm, 1e12);
  for (const ins of v.instruments) {
    v.submit({
      account: mm,
      instrument: ins.id,
      side: BUY,
      quantity: 1_000,
      type: "limit",
      price: ins.initialPrice - 1,
    });
    v.submit({
      account: mm,
      instrument: ins.id,
      side: SELL,
      quantity: 1_000,
      type: "limit",
      price: ins.initialPrice + 1,
    });
  }
  const traders = [0, 1, 2].map((k) => {
    const a = v.openAccount(`t${k}`);
    v.deposit(a, 200_000 * (k + 1));
    return a;
  });
  return { v, traders };
}

/** The pre-trade check as the venue documents it, from public reads, summed in heldInstruments order. */
function model(v: Venue, a: number, ins: number, side: Side, qty: number, price: number): boolean {
  const list = [...v.heldInstruments(a)];
  if (!list.includes(ins)) list.push(ins);
  let e = v.cash(a);
  let im = 0;
  let reducing = false;
  for (const i of list) {
    const q = v.position(a, i);
    const m = v.mark(i) * v.instruments[i].contractValue;
    e += q * m;
    let up = q + v.restingQuantity(a, i, BUY);
    let dn = q - v.restingQuantity(a, i, SELL);
    if (i === ins) {
      if (side === BUY) {
        up += qty;
        reducing = q < 0 && up <= 0;
      } else {
        dn -= qty;
        reducing = q > 0 && dn >= 0;
      }
    }
    const w = Math.max(Math.abs(up), Math.abs(dn)) * m;
    if (w > 0) im += initialMargin(v.instruments[i].margin, w);
  }
  if (reducing) return true;
  const cv = v.instruments[ins].contractValue;
  const adverse = side * (price - v.mark(ins)) * qty * cv;
  if (adverse > 0) e -= adverse;
  e -= (price * qty * cv * Math.max(0, FEES.makerBps, FEES.takerBps)) / 10_000;
  return im - e <= 0;
}

/** One step building an account that trades one instrument (see singleInstrumentAccount). */
const singleStep = fc.record({
  kind: fc.constantFrom("limit", "market", "reduceOnly", "mark", "cancel"),
  side: fc.constantFrom(BUY, SELL),
  quantity: fc.integer({ min: 1, max: 40 }),
  offset: fc.integer({ min: -30, max: 30 }),
  // an oracle move in tenths of a tick (float marks, as ema's)
  move: fc.integer({ min: -3_000, max: 3_000 }).map((x) => x / 10),
});

type SingleStep = typeof singleStep extends fc.Arbitrary<infer T> ? T : never;

/**
 * The market with its mark of `mark` and an account of `cash` that trades instrument `ins` alone:
 * orders checked with marginAllows (limit, crossing the maker's quotes or resting, and market),
 * reduce-only orders resting against its position, cancels, oracle moves; marks updated each step.
 */
function singleInstrumentAccount(mark: MarkSpec, ins: number, cash: number, steps: SingleStep[]) {
  const { v } = market(mark);
  const a = v.openAccount("single");
  v.deposit(a, cash);
  const p0 = v.instruments[ins].initialPrice;
  const resting: number[] = [];
  for (const s of steps) {
    const q = v.position(a, ins);
    if (s.kind === "mark") {
      v.setOraclePrice(ins, p0 + s.move);
    } else if (s.kind === "cancel") {
      if (resting.length > 0) v.cancelIfResting(a, resting.shift() as number);
    } else if (s.kind === "reduceOnly") {
      if (q === 0) continue;
      const r = v.submit({
        account: a,
        instrument: ins,
        side: q > 0 ? SELL : BUY,
        quantity: s.quantity,
        type: "limit",
        price: p0 + (q > 0 ? 2 : -2),
        reduceOnly: true,
      });
      if (r.resting > 0) resting.push(r.orderId);
    } else if (v.marginAllows(a, ins, s.side, s.quantity, p0 + s.offset)) {
      const r =
        s.kind === "market"
          ? v.submit({
              account: a,
              instrument: ins,
              side: s.side,
              quantity: s.quantity,
              type: "market",
            })
          : v.submit({
              account: a,
              instrument: ins,
              side: s.side,
              quantity: s.quantity,
              type: "limit",
              price: p0 + s.offset,
            });
      if (r.resting > 0) resting.push(r.orderId);
    }
    v.updateMarks();
  }
  expect(v.heldInstruments(a).every((i) => i === ins)).toBe(true);
  return { v, a };
}

describe("the pre-trade margin check (onlyReduces)", () => {
  it("decides an order that only reduces from its own instrument, without reading the account's other instruments", () => {
    const { v, traders } = market();
    const [t] = traders;
    v.submit({ account: t, instrument: 0, side: BUY, quantity: 20, type: "market" });
    v.submit({ account: t, instrument: 2, side: SELL, quantity: 10, type: "market" });
    v.submit({ account: t, instrument: 1, side: BUY, quantity: 2, type: "limit", price: 400 });
    const active = (v as unknown as { active: number[][] }).active;
    let reads = 0;
    active[t] = new Proxy(active[t], {
      get(target, key, receiver) {
        reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    // a sell of at most the long (20 lots of A), a buy of at most the short (10 lots of C)
    expect(v.marginAllows(t, 0, SELL, 20, 900)).toBe(true);
    expect(v.marginAllows(t, 2, BUY, 7, 2_100)).toBe(true);
    expect(reads).toBe(0);
    // one lot more is not a reduction: the whole account is summed
    expect(v.marginAllows(t, 0, SELL, 21, 900)).toBe(model(v, t, 0, SELL, 21, 900));
    expect(reads).toBeGreaterThan(0);
  });

  it("answers as the documented check, to the last bit, on random ledgers of three instruments", () => {
    const order = fc.record({
      trader: fc.nat(2),
      instrument: fc.nat(2),
      side: fc.constantFrom(BUY, SELL),
      quantity: fc.integer({ min: 1, max: 60 }),
      offset: fc.integer({ min: -30, max: 30 }),
      market: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(order, { maxLength: 25 }),
        fc.array(order, { minLength: 1, maxLength: 20 }),
        (build, probes) => {
          const { v, traders } = market();
          for (const o of build) {
            const a = traders[o.trader];
            const price = v.instruments[o.instrument].initialPrice + o.offset;
            if (!v.marginAllows(a, o.instrument, o.side, o.quantity, price)) continue;
            if (o.market)
              v.submit({
                account: a,
                instrument: o.instrument,
                side: o.side,
                quantity: o.quantity,
                type: "market",
              });
            else
              v.submit({
                account: a,
                instrument: o.instrument,
                side: o.side,
                quantity: o.quantity,
                type: "limit",
                price,
              });
            v.updateMarks();
          }
          for (const p of probes) {
            const a = traders[p.trader];
            const price = v.instruments[p.instrument].initialPrice + p.offset;
            expect(v.marginAllows(a, p.instrument, p.side, p.quantity, price)).toBe(
              model(v, a, p.instrument, p.side, p.quantity, price),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
  it("decides an account active in the order's instrument alone from one read of its position there", () => {
    const { v, traders } = market();
    const [t] = traders;
    v.submit({ account: t, instrument: 1, side: BUY, quantity: 12, type: "market" });
    v.submit({ account: t, instrument: 1, side: SELL, quantity: 3, type: "limit", price: 510 });
    expect(v.heldInstruments(t)).toEqual([1]);
    const ledger = v as unknown as { posA: Float64Array };
    const positions = ledger.posA;
    let reads = 0;
    ledger.posA = new Proxy(positions, {
      get(target, key) {
        if (key === String(t * v.instruments.length + 1)) reads++;
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    // a buy adds to the long (summed); the sum's one term reuses the reduction test's read
    const allowed = v.marginAllows(t, 1, BUY, 5, 505);
    ledger.posA = positions;
    expect(reads).toBe(1);
    expect(allowed).toBe(model(v, t, 1, BUY, 5, 505));
  });

  it("answers as the documented check for an account active in one instrument: tiers crossed, marks moving, reduce-only orders resting, orders crossing zero", () => {
    const probe = fc.record({
      side: fc.constantFrom(BUY, SELL),
      quantity: fc.integer({ min: 1, max: 120 }),
      offset: fc.integer({ min: -60, max: 60 }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom<MarkSpec>({ kind: "mid" }, { kind: "ema", emaAlpha: 0.3 }, { kind: "oracle" }),
        fc.nat(2),
        fc.integer({ min: 5_000, max: 400_000 }),
        fc.array(singleStep, { maxLength: 25 }),
        fc.array(probe, { minLength: 1, maxLength: 15 }),
        (mark, ins, cash, steps, probes) => {
          const { v, a } = singleInstrumentAccount(mark, ins, cash, steps);
          const p0 = v.instruments[ins].initialPrice;
          expect(v.heldInstruments(a).every((i) => i === ins)).toBe(true);
          for (const p of probes) {
            const price = p0 + p.offset;
            expect(v.marginAllows(a, ins, p.side, p.quantity, price)).toBe(
              model(v, a, ins, p.side, p.quantity, price),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
  it("decides an auction take (a trade at the auction's price) of an account active in one instrument as the documented check", () => {
    const take = fc.record({
      auction: fc.constantFrom(SELL, BUY),
      quantity: fc.integer({ min: 1, max: 120 }),
    });
    fc.assert(
      fc.property(
        fc.constantFrom<MarkSpec>({ kind: "mid" }, { kind: "ema", emaAlpha: 0.3 }, { kind: "oracle" }),
        fc.nat(2),
        fc.integer({ min: 5_000, max: 400_000 }),
        fc.integer({ min: -60, max: 60 }),
        fc.array(singleStep, { maxLength: 25 }),
        fc.array(take, { minLength: 1, maxLength: 10 }),
        (mark, ins, cash, off, steps, takes) => {
          const { v, a } = singleInstrumentAccount(mark, ins, cash, steps);
          const p0 = v.instruments[ins].initialPrice;
          const cv = v.instruments[ins].contractValue;
          // an exempt seller's long (a SELL auction: the account buys) and short (a BUY auction: it sells)
          const auctions = new Map<Side, number>();
          for (const side of [SELL, BUY] as const) {
            const seller = v.openAccount(`seller ${side}`, { marginExempt: true });
            v.deposit(seller, 1e9);
            v.submit({
              account: seller,
              instrument: ins,
              side: -side as Side,
              quantity: 500,
              type: "market",
            });
            const id = v.openAuction({
              seller,
              instrument: ins,
              side,
              quantity: 500,
              startPrice: p0 + off,
              limitPrice: side === SELL ? 1 : 2 * (p0 + 61),
              decayPerTick: 0.01,
              durationTicks: 100,
            });
            auctions.set(side, id);
          }
          for (const t of takes) {
            const id = auctions.get(t.auction) as number;
            const side = -t.auction as Side;
            const qty = Math.min(t.quantity, v.auction(id).remaining);
            if (qty === 0) continue;
            const price = v.auctionPrice(id);
            // the documented check at immediate = true: the fill moves position and both worst cases
            const q = v.position(a, ins);
            const m = v.mark(ins) * cv;
            const up = q + v.restingQuantity(a, ins, BUY) + side * qty;
            const dn = q - v.restingQuantity(a, ins, SELL) + side * qty;
            const w = Math.max(Math.abs(up), Math.abs(dn)) * m;
            const im = w > 0 ? initialMargin(v.instruments[ins].margin, w) : 0;
            const e = v.cash(a) + q * m - side * (price - v.mark(ins)) * qty * cv;
            const reduces = side === BUY ? q < 0 && q + qty <= 0 : q > 0 && q - qty >= 0;
            const allowed = reduces || im - e <= 0;
            let taken = true;
            try {
              v.takeAuction(id, a, qty, side === BUY ? 2 * (p0 + 61) : 1);
            } catch (err) {
              expect((err as { code: string }).code).toBe("INSUFFICIENT_MARGIN");
              taken = false;
            }
            expect(taken).toBe(allowed);
            expect(v.heldInstruments(a).every((i) => i === ins)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
