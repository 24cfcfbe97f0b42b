/**
 * Follow-ups of the liquidation-engine audit: each test pins what the docs and the cited mechanism
 * (REFERENCES.md) say where the engine did something else. The standard account
 * (helpers.standardAccount): cash 300, long 10 X @100 and 20 Y @50 (cash -1700), its counterparty
 * the maker (short 10 X, 20 Y).
 */
import { type PolicySpec, presets, validatePolicySpec } from "@cascade/liquidation";
import { describe, expect, test } from "vitest";
import { bid, conserved, engine, maker, open, setMarks, standardAccount, twoAssetVenue } from "./helpers.js";

/** The standard account at marks X 85, Y 46 (equity 70 < maintenance 88.5), policy built after the move. */
function atRisk(policy: (hf: number) => PolicySpec) {
  const v = twoAssetVenue();
  setMarks(v, [100, 50]);
  const mk = maker(v);
  const a = standardAccount(v, mk);
  setMarks(v, [85, 46]);
  const { engine: e } = engine(v, policy(v.healthFactor(a)));
  v.advance(2);
  return { v, mk, a, e };
}

describe("closeFactor (Aave v3): 100% close at HF <= 0.95", () => {
  test("an account exactly at fullBelowHealthFactor is closed in full (Aave: HF > 0.95 ? 50% : 100%)", () => {
    const { v, mk, a, e } = atRisk((hf) => presets.closeFactor({ fullBelowHealthFactor: hf }));
    bid(v, mk, 0, 10, 84);
    bid(v, mk, 1, 20, 46);
    e.check(2);
    expect(e.records.map((r) => [r.instrument, r.quantity])).toEqual([
      [1, 20],
      [0, 10],
    ]);
    expect(v.position(a, 0) + v.position(a, 1)).toBe(0);
  });
});

describe("stepwise without its vault: the cool-down does not hold back a bankrupt account", () => {
  test("an account bankrupt during the cool-down is deleveraged at once, not 30 ticks later", () => {
    const { v, mk, a, e } = atRisk(() =>
      presets.stepwise({ backstop: null, minNotional: 800, cooldownTicks: 5 }),
    );
    bid(v, mk, 0, 5, 84);
    bid(v, mk, 1, 10, 46);
    e.check(2);
    expect(e.records.map((r) => [r.instrument, r.quantity, r.execution])).toEqual([
      [1, 4, "marketSweep"],
      [0, 2, "marketSweep"],
    ]);
    // cash -1700 + 184 + 168 = -1348; at X 70, Y 38: equity -1348 + 560 + 608 = -180
    setMarks(v, [70, 38]);
    v.advance(3);
    e.check(3);
    const now = e.records.slice(2);
    expect(now.length).toBeGreaterThan(0);
    expect(new Set(now.map((r) => r.execution))).toEqual(new Set(["adl"]));
    expect(v.position(a, 0) + v.position(a, 1)).toBe(0);
    // the maker (short, in profit) took the positions at the mark and covered the deficit of 180
    expect(v.cash(a)).toBe(0);
    expect(e.stats().adlCovered).toBe(180);
    expect(conserved(v)).toBe(true);
  });
});

describe("a health-factor trigger above 1 with restoreToTarget", () => {
  test("is refused at validation, naming the field, the value and what is allowed", () => {
    const spec = presets.restoreToTarget({ trigger: { kind: "healthFactor", below: 1.2 } });
    expect(() => validatePolicySpec("policy", spec)).toThrow(/policy\.trigger\.below/);
    try {
      validatePolicySpec("policy", spec);
    } catch (err) {
      const e = err as { field: string; value: unknown; message: string };
      expect(e.field).toBe("policy.trigger.below");
      expect(e.value).toBe(1.2);
      expect(e.message).toContain("restoreToTarget");
    }
    // at or below 1 (HF < 1 is equity < maintenance) it is fine
    expect(() =>
      validatePolicySpec("policy", presets.restoreToTarget({ trigger: { kind: "healthFactor", below: 1 } })),
    ).not.toThrow();
    expect(() =>
      validatePolicySpec("policy", presets.closeFactor({ trigger: { kind: "healthFactor", below: 1.2 } })),
    ).not.toThrow();
  });
});

describe("ADL levy (whenFundEmpty adl) when the positions left by other routes than one book sweep", () => {
  test("a deficit left once auctions sold everything is levied on the profitable opposing accounts", () => {
    const { v, mk, a, e } = atRisk(() =>
      presets.dutchAuction({
        whenFundEmpty: "adl",
        penaltyRate: 0,
        startPremium: 0,
        decayPerTick: 0.5,
        floorDiscount: 0.5,
        durationTicks: 5,
      }),
    );
    e.check(2); // equity 70 > 0: auctions, not ADL
    const keeper = maker(v, 100_000);
    v.advance(3);
    e.check(3);
    v.advance(4); // the price has halved at least once: Y 23, X 43
    for (const au of v.openAuctions()) v.takeAuction(au.id, keeper, au.remaining, 1_000);
    e.check(4);
    expect(v.position(a, 0) + v.position(a, 1)).toBe(0);
    const sold = e.records.reduce((s, r) => s + r.notional, 0);
    const deficit = 1700 - sold;
    expect(deficit).toBeGreaterThan(0);
    // the maker is short both, in profit 150 (X) + 80 (Y): it pays up to that
    const s = e.stats();
    expect(s.adlCovered).toBe(Math.min(deficit, 230));
    expect(s.unrecoveredDebt).toBe(deficit - s.adlCovered);
    expect(v.cash(a)).toBe(-(deficit - s.adlCovered));
    expect(v.position(mk, 0)).toBe(-10); // a cash levy: it keeps its positions
    expect(conserved(v)).toBe(true);
  });

  test("with sliced execution the instruments closed in earlier slices share the levy", () => {
    const v = twoAssetVenue();
    setMarks(v, [100, 50]);
    const mk = maker(v);
    const sX = v.openAccount("short X");
    v.deposit(sX, 100);
    const sY = v.openAccount("short Y");
    v.deposit(sY, 200);
    const a = v.openAccount("trader");
    v.deposit(a, 200);
    open(v, a, sX, 0, 1, 100); // sX short 1 X @100
    open(v, a, sY, 1, 20, 50); // sY short 20 Y @50; a's cash -900
    const { engine: e } = engine(
      v,
      presets.fullClose({
        penaltyRate: 0,
        whenFundEmpty: "adl",
        execution: { kind: "sliced", slices: 2, maxSlippage: 0.1 },
      }),
    );
    // equity -900 + 60 + 860 = 20 < maintenance 46
    setMarks(v, [60, 43]);
    bid(v, mk, 0, 1, 59);
    bid(v, mk, 1, 10, 42);
    v.advance(1);
    e.check(1); // slice 1: all of X (1 lot), 10 Y
    expect(v.position(a, 0)).toBe(0);
    bid(v, mk, 1, 10, 39);
    v.advance(2);
    const before = [v.cash(sX), v.cash(sY)];
    e.check(2); // slice 2: 10 Y @39: cash -900 + 59 + 420 + 390 = -31
    expect(v.position(a, 1)).toBe(0);
    // shared pro rata to opposing notional: sX 1 x 60, sY 20 x 43 (sX was left out before)
    const paid = [before[0] - v.cash(sX), before[1] - v.cash(sY)];
    expect(paid[0] + paid[1]).toBe(31);
    expect(paid).toEqual([2, 29]);
    expect(v.cash(a)).toBe(0);
    expect(conserved(v)).toBe(true);
  });
});

describe("penalty cap over a whole step", () => {
  test("no penalty is collected from a step that leaves the account bankrupt", () => {
    const { v, mk, a, e } = atRisk(() => presets.fullClose({ maxSlippage: 0.1 }));
    bid(v, mk, 1, 20, 45); // Y first (largest): 900, equity after it 50
    bid(v, mk, 0, 10, 77); // then X: 770
    e.check(2);
    // before penalties: cash -1700 + 900 + 770 = -30. The 1% on Y (9) was taken while equity was
    // 50, then came back out of the insurance fund as part of a deficit of 39.
    expect(e.records.filter((r) => r.quantity > 0).map((r) => [r.instrument, r.notional, r.penalty])).toEqual(
      [
        [1, 900, 0],
        [0, 770, 0],
      ],
    );
    const s = e.stats();
    expect([s.penalties, s.badDebt, s.insuranceDraw, s.unrecoveredDebt]).toEqual([0, 30, 0, 30]);
    expect(v.cash(a)).toBe(-30);
    expect(v.cash(e.insuranceFund)).toBe(0);
    expect(conserved(v)).toBe(true);
  });

  test("penalties still come in record order, each capped at what is left of the step's positive equity", () => {
    const { v, mk, a, e } = atRisk(() => presets.fullClose({ maxSlippage: 0.1 }));
    bid(v, mk, 1, 20, 45); // 900: penalty 9
    bid(v, mk, 0, 10, 81); // 810: penalty 8
    e.check(2);
    // before penalties: cash -1700 + 900 + 810 = 10: Y's 9 in full, then 1 of X's 8
    expect(e.records.map((r) => r.penalty)).toEqual([9, 1]);
    expect(v.cash(a)).toBe(0);
    expect(e.stats().badDebt).toBe(0);
  });
});

describe("restoreToTarget with proRata ordering", () => {
  test("closes the same fraction of every position, the smallest that reaches the target", () => {
    const { v, mk, a, e } = atRisk(() => presets.restoreToTarget({ ordering: "proRata" }));
    bid(v, mk, 0, 5, 84);
    bid(v, mk, 0, 10, 83);
    bid(v, mk, 1, 10, 46);
    bid(v, mk, 1, 20, 45);
    e.check(2);
    // j lots in 20 of each: ceil(j x 10 / 20) X and j Y (1% penalty estimated at rate x notional).
    // j = 9: X 5 @84 (slippage 5, penalty 4.2), Y 9 @46 (4.14): 56.66 < 1.25 x 0.05 x 931 = 58.19.
    // j = 10: X 5, Y 10 @46 (4.6): 56.2 >= 1.25 x 0.05 x 885 = 55.31. (Instrument order, as
    // before, sold all 10 X and then 5 Y.)
    expect(e.records.map((r) => [r.instrument, r.quantity, r.notional])).toEqual([
      [0, 5, 420],
      [1, 10, 460],
    ]);
    expect(v.position(a, 0)).toBe(5);
    expect(v.position(a, 1)).toBe(10);
    expect(v.equity(a) / v.maintenanceRequirement(a)).toBeGreaterThanOrEqual(1.25);
  });
});

describe("Dutch auction timing (Maker Clipper: a keeper can take at the top price right after kick)", () => {
  test("keepers, who act in the next tick's agents phase, are offered the start price and durationTicks prices", () => {
    const { v, e } = atRisk(() =>
      presets.dutchAuction({ startPremium: 0.2, decayPerTick: 0.1, durationTicks: 3, floorDiscount: 0.5 }),
    );
    e.check(2); // liquidation phase of tick 2: the agents of tick 2 have already acted
    const [y] = v.openAuctions();
    expect([y.instrument, y.startPrice]).toEqual([1, 55]);
    const offered: number[] = [];
    for (let t = 3; t <= 6; t++) {
      v.advance(t); // the agents phase of tick t comes next
      if (v.openAuctions().some((x) => x.id === y.id)) offered.push(v.auctionPrice(y.id));
      e.check(t);
    }
    // round(55 x 0.9^k) for k = 0, 1, 2; expired at the start of tick 6
    expect(offered).toEqual([55, 50, 45]);
    expect(v.auction(y.id).status).toBe("expired");
  });
});
