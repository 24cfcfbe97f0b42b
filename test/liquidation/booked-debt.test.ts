/**
 * A deficit is booked once: an account's bad debt is the largest deficit it was found flat with
 * (its negative cash plus what the loss waterfall paid for it), booked in parts as it grows, also for
 * a margin-exempt account (an experiment's shock account) that trades again while in debt. Two
 * instruments X 100 and Y 50, oracle marks, 10% initial, 5% maintenance, no fees; only X is traded.
 */

import { type PolicySpec, presets } from "@cascade/liquidation";
import { BUY, SELL, type Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ask, bid, conserved, engineFor, maker, setMarks, twoAssetVenue } from "./helpers.js";

/** `a` buys (q > 0) or sells q lots of X at `price` against the maker (its resting orders cancelled first). */
function trade(v: Venue, a: number, mk: number, q: number, price: number): void {
  v.cancelAll(mk);
  if (q > 0) ask(v, mk, 0, q, price);
  else bid(v, mk, 0, -q, price);
  v.submit({ account: a, instrument: 0, side: q > 0 ? BUY : SELL, quantity: Math.abs(q), type: "market" });
  v.cancelAll(mk);
}

/** `a` closes its X position at `price` with its own reduce-only market order. */
function close(v: Venue, a: number, mk: number, price: number): void {
  const q = v.position(a, 0);
  if (q === 0) return;
  v.cancelAll(mk);
  if (q > 0) bid(v, mk, 0, q, price);
  else ask(v, mk, 0, -q, price);
  v.submit({
    account: a,
    instrument: 0,
    side: q > 0 ? SELL : BUY,
    quantity: Math.abs(q),
    type: "market",
    reduceOnly: true,
  });
  v.cancelAll(mk);
}

const booked = (records: ReadonlyArray<{ account: number; badDebt: number }>, a: number) =>
  records.reduce((s, r) => s + (r.account === a ? r.badDebt : 0), 0);

describe("a margin-exempt account that trades again while in debt", () => {
  test("its old debt is not booked again when it ends flat at the same debt", () => {
    const v = twoAssetVenue();
    const mk = maker(v);
    const a = v.openAccount("shock", { marginExempt: true });
    v.deposit(a, 100);
    const e = engineFor(v, presets.fullClose({ whileLiquidating: "free" }));
    setMarks(v, [100, 50]);
    let t = 0;
    const step = () => {
      v.advance(++t);
      e.check(t);
    };
    trade(v, a, mk, 10, 100);
    step();
    close(v, a, mk, 80); // flat, 100 in debt: booked
    step();
    expect(v.cash(a)).toBe(-100);
    expect(e.stats().badDebt).toBe(100);
    // in debt, it buys again (exempt: no margin check) and is checked holding the position
    trade(v, a, mk, 10, 100);
    step();
    close(v, a, mk, 100); // flat at the same debt: nothing new
    step();
    expect(v.cash(a)).toBe(-100);
    expect(e.stats().badDebt).toBe(100);
    // a further loss of 30 is booked, and only it
    trade(v, a, mk, -10, 100);
    step();
    close(v, a, mk, 103);
    step();
    expect(v.cash(a)).toBe(-130);
    const s = e.stats();
    expect([s.badDebt, s.unrecoveredDebt]).toEqual([130, 130]);
    expect(booked(e.records, a)).toBe(130);
    expect(conserved(v)).toBe(true);
  });

  type Op =
    | { kind: "trade"; q: number; price: number }
    | { kind: "close"; price: number }
    | { kind: "mark"; price: number }
    | { kind: "deposit"; amount: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant("trade" as const),
      q: fc.integer({ min: -20, max: 20 }).filter((q) => q !== 0),
      price: fc.integer({ min: 60, max: 140 }),
    }),
    fc.record({ kind: fc.constant("close" as const), price: fc.integer({ min: 1, max: 200 }) }),
    fc.record({ kind: fc.constant("mark" as const), price: fc.integer({ min: 40, max: 160 }) }),
    fc.record({ kind: fc.constant("deposit" as const), amount: fc.integer({ min: 1, max: 400 }) }),
  );
  const policy: fc.Arbitrary<PolicySpec> = fc
    .record({
      fund: fc.constantFrom(0, 50, 1000),
      mode: fc.constantFrom("badDebt" as const, "socialize" as const),
      whileLiquidating: fc.constantFrom("free" as const, "frozen" as const),
    })
    .map(({ fund, mode, whileLiquidating }) =>
      presets.fullClose({ insuranceFund: fund, whenFundEmpty: mode, whileLiquidating }),
    );

  test("its booked bad debt is the largest deficit it was found flat with, net of what the waterfall paid", () => {
    fc.assert(
      fc.property(policy, fc.array(op, { minLength: 1, maxLength: 40 }), (p, ops) => {
        const v = twoAssetVenue();
        const mk = maker(v);
        // a bystander with equity for a socialised loss to land on
        const other = v.openAccount("other");
        v.deposit(other, 10_000);
        const a = v.openAccount("shock", { marginExempt: true });
        v.deposit(a, 200);
        const e = engineFor(v, p);
        // what the waterfall paid for a's deficits (insurance fund, socialised loss)
        let paid = 0;
        v.transfers$.subscribe((x) => {
          if (x.kind === "cash" && x.to === a && x.from !== a && x.reason !== "liquidation penalty")
            paid += x.amount;
        });
        let largest = 0;
        let t = 0;
        for (const o of ops) {
          if (o.kind === "trade") {
            if (!v.isFrozen(a)) trade(v, a, mk, o.q, o.price);
          } else if (o.kind === "close") {
            if (!v.isFrozen(a)) close(v, a, mk, o.price);
          } else if (o.kind === "mark") setMarks(v, [o.price, 50]);
          else v.deposit(a, o.amount);
          v.advance(++t);
          e.check(t);
          if (v.position(a, 0) === 0) largest = Math.max(largest, paid - v.cash(a));
          expect(booked(e.records, a)).toBe(largest);
          expect(conserved(v)).toBe(true);
        }
        const s = e.stats();
        expect(s.badDebt).toBe(s.insuranceDraw + s.socializedLoss + s.unrecoveredDebt);
      }),
      { numRuns: 300 },
    );
  });
});
