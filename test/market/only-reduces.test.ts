import { BUY, initialMargin, SELL, type Side, Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const FEES = { makerBps: 2, takerBps: 5 };

/** Three instruments (one with tiers), a margin-exempt market maker quoting each, three traders. */
function market() {
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
});
