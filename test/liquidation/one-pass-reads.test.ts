/**
 * The engine decides from its one-pass read of an account (readAccount) what it once asked the
 * venue: closeFactor's "everything below fullBelowHealthFactor" (venue.healthFactor) and, under
 * whileLiquidating "frozen", whether a step leaves the account below its trigger (venue.equity,
 * maintenanceRequirement, healthFactor). Both are held here to those venue formulas, written out,
 * at the boundary doubles (the threshold at the health factor, one ulp either side, 1 - EPSILON, 1).
 */
import {
  type AmountSpec,
  amountPlan,
  holdingsOf,
  orderHoldings,
  type PolicySpec,
  presets,
} from "@cascade/liquidation";
import type { Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { deepMaker, engineFor, maker, open, setMarks, tieredXYVenue } from "./helpers.js";

/** The next double above (dir 1) or below (dir -1) a positive finite x. */
function nextDouble(x: number, dir: 1 | -1): number {
  const f = new Float64Array([x]);
  const b = new BigInt64Array(f.buffer);
  b[0] += BigInt(dir);
  return f[0];
}

interface Case {
  qx: number;
  qy: number;
  mx: number;
  my: number;
  /** equity = maintenance - slack, to the integer cash */
  slack: number;
}

const caseArb = fc
  .record({
    qx: fc.integer({ min: -40, max: 40 }),
    qy: fc.integer({ min: -30, max: 30 }),
    mx: fc.integer({ min: 60, max: 140 }),
    my: fc.integer({ min: 30, max: 70 }),
    slack: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.integer({ min: -50, max: 400 })),
  })
  .filter((c) => c.qx !== 0 || c.qy !== 0);

/**
 * X (tiered above 2,000 of notional) and Y (contract value 3) on a deep book; a margin-exempt
 * trader opened at 100 and 50, the marks moved to (mx, my), its cash set so that its equity is
 * its maintenance requirement less `slack`.
 */
function trader(c: Case): { venue: Venue; a: number } {
  const venue = tieredXYVenue(false);
  deepMaker(venue);
  const m = maker(venue);
  const a = venue.openAccount("trader", { marginExempt: true });
  venue.deposit(a, 1_000_000);
  if (c.qx !== 0) open(venue, a, m, 0, c.qx, 100);
  if (c.qy !== 0) open(venue, a, m, 1, c.qy, 50);
  setMarks(venue, [c.mx, c.my]);
  const positions = venue.equity(a) - venue.cash(a);
  const cash = Math.floor(venue.maintenanceRequirement(a) - positions) - c.slack;
  const d = venue.cash(a) - cash;
  if (d > 0) venue.transferCash(a, m, d, "test");
  else if (d < 0) venue.deposit(a, -d);
  venue.advance(1);
  return { venue, a };
}

/** Lots closed per instrument by the engine's records. */
function closed(
  records: ReadonlyArray<{ account: number; instrument: number; quantity: number }>,
  a: number,
) {
  const out = [0, 0];
  for (const r of records) if (r.account === a && r.instrument >= 0) out[r.instrument] += r.quantity;
  return out;
}

describe("closeFactor's full close from the engine's read (was venue.healthFactor per margin call)", () => {
  it("closes everything exactly when venue.healthFactor(a) <= fullBelowHealthFactor, at the boundary doubles, without asking it", () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom("at", "below", "above", "oneMinusEps", "one"), (c, where) => {
        const { venue, a } = trader(c);
        const hf = venue.healthFactor(a);
        const equity = venue.equity(a);
        const maintenance = venue.maintenanceRequirement(a);
        const threshold =
          where === "at"
            ? hf
            : where === "below"
              ? nextDouble(hf, -1)
              : where === "above"
                ? nextDouble(hf, 1)
                : where === "oneMinusEps"
                  ? 1 - Number.EPSILON
                  : 1;
        fc.pre(Number.isFinite(threshold) && threshold > 0);
        const partial: AmountSpec = { kind: "closeFactor", fraction: 0.5 };
        // The old formulas: the trigger venue.healthFactor(a) < 1, the amount rule's full close
        // below the threshold (or bankrupt), else the fraction's plan along the ordering.
        const calls = hf < 1 ? 1 : 0;
        const full = equity < 0 || hf <= threshold;
        const q = [venue.position(a, 0), venue.position(a, 1)];
        const expected = [0, 0];
        if (calls === 1) {
          if (full) {
            expected[0] = Math.abs(q[0]);
            expected[1] = Math.abs(q[1]);
          } else {
            const plan = amountPlan(partial, {
              venue,
              account: a,
              holdings: orderHoldings("largestNotional", holdingsOf(venue, a), venue, a),
              equity,
              maintenance,
              ordering: "largestNotional",
              penaltyRate: 0,
              maxSlippage: 1,
              feeRate: 0,
              onBook: true,
            });
            for (const it of plan) expected[it.instrument] += it.quantity;
          }
        }
        const e = engineFor(
          venue,
          presets.closeFactor({
            amount: { ...partial, fullBelowHealthFactor: threshold },
            maxSlippage: 1,
            bonus: 0,
          }),
        );
        const asked = vi.spyOn(venue, "healthFactor");
        e.check(1);
        expect(e.stats().marginCalls).toBe(calls);
        expect(closed(e.records, a)).toEqual(expected);
        expect(asked).not.toHaveBeenCalled(); // the engine's read, not three passes of the venue's
      }),
      { numRuns: 400, seed: 28 },
    );
  });
});

describe('"frozen": whether a step leaves the account below its trigger, from the engine\'s read', () => {
  /** A partial step (half the notional, never all of it) under `trigger`, frozen while liquidated. */
  const policy = (trigger: PolicySpec["trigger"]): PolicySpec =>
    presets.closeFactor({
      trigger,
      amount: { kind: "closeFactor", fraction: 0.5 },
      maxSlippage: 1,
      bonus: 0,
      whileLiquidating: "frozen",
    });

  /** The account after one check under `trigger`: margin-called, flat, frozen, and the venue's read. */
  function step(c: Case, trigger: PolicySpec["trigger"]) {
    const { venue, a } = trader(c);
    const before = { hf: venue.healthFactor(a), under: venue.equity(a) < venue.maintenanceRequirement(a) };
    const e = engineFor(venue, policy(trigger));
    const asked = [vi.spyOn(venue, "maintenanceRequirement"), vi.spyOn(venue, "healthFactorBelow")];
    e.check(1);
    // the engine's read, not the venue's two or three passes
    for (const spy of asked) expect(spy).not.toHaveBeenCalled();
    return {
      before,
      called: e.stats().marginCalls === 1,
      flat: venue.position(a, 0) === 0 && venue.position(a, 1) === 0,
      frozen: venue.isFrozen(a),
      equity: venue.equity(a),
      maintenance: venue.maintenanceRequirement(a),
      hf: venue.healthFactor(a),
    };
  }

  it("maintenance trigger: frozen after the step exactly when venue.equity(a) < venue.maintenanceRequirement(a)", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const r = step(c, { kind: "maintenance" });
        expect(r.called).toBe(r.before.under);
        expect(r.frozen).toBe(r.called && !r.flat && r.equity < r.maintenance);
      }),
      { numRuns: 300, seed: 28 },
    );
  });

  it("health-factor trigger: frozen exactly when venue.healthFactor(a) < below, below at the health factor the step leaves", () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom("at", "below", "above"), (c, where) => {
        // the step does not depend on the threshold (it sells half the notional): probe what it leaves
        const after = step(c, { kind: "healthFactor", below: 1e9 }).hf;
        fc.pre(Number.isFinite(after) && after > 0);
        const below = where === "at" ? after : nextDouble(after, where === "below" ? -1 : 1);
        const r = step(c, { kind: "healthFactor", below });
        expect(r.called).toBe(r.before.hf < below);
        if (r.called && !r.flat) expect(r.hf).toBe(after);
        expect(r.frozen).toBe(r.called && !r.flat && r.hf < below);
      }),
      { numRuns: 300, seed: 28 },
    );
  });
});
