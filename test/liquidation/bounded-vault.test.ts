/**
 * A backstop vault with a `capital` is bounded: it takes an account over only if, after the
 * takeover, its equity at the mark covers the maintenance requirement of all it holds; otherwise
 * the step goes on as without a vault. Hand-computed on the standard account (helpers): cash -1700,
 * long 10 X and 20 Y; at marks X 85, Y 46 its equity is 70 and its maintenance 0.05 x 1770 = 88.5.
 */
import { type LiquidationRecord, type PolicySpec, presets, validatePolicySpec } from "@cascade/liquidation";
import { describe, expect, test } from "vitest";
import { bid, conserved, engine, maker, open, setMarks, standardAccount, twoAssetVenue } from "./helpers.js";

/** The standard account at marks 85 / 46 (equity 70 < maintenance 88.5), bids under it. */
function underwater(policy: PolicySpec) {
  const v = twoAssetVenue();
  setMarks(v, [100, 50]);
  const mk = maker(v);
  const a = standardAccount(v, mk);
  const { engine: e } = engine(v, policy);
  setMarks(v, [85, 46]);
  bid(v, mk, 0, 5, 84);
  bid(v, mk, 0, 10, 83);
  bid(v, mk, 1, 10, 46);
  bid(v, mk, 1, 20, 45);
  v.advance(1);
  e.check(1);
  return { v, a, e, vault: e.backstopVault as number };
}

const trades = (records: readonly LiquidationRecord[]) =>
  records.map((r) => [
    r.account,
    r.instrument,
    r.side,
    r.quantity,
    r.price,
    r.notional,
    r.execution,
    r.badDebt,
  ]);

describe("bounded backstop vault", () => {
  test("capital 0 declines the takeover: the account is sold on the book, as a full close would", () => {
    const { v, a, e, vault } = underwater(presets.backstopVault({ capital: 0 }));
    // 0 + 70 (the margin it would take) < 88.5: declined
    expect(e.records.map((r) => [r.instrument, r.quantity, r.execution])).toEqual([
      [1, 20, "marketSweep"],
      [0, 10, "marketSweep"],
    ]);
    expect([v.position(vault, 0), v.position(vault, 1), v.cash(vault)]).toEqual([0, 0, 0]);
    expect([v.position(a, 0), v.position(a, 1)]).toEqual([0, 0]);
    expect(e.stats().backstopDeclined).toBe(1);
    expect(e.stats().backstopNotional).toBe(0);
    // the same trades as a policy without a vault selling on the book without a slippage bound
    const book = underwater(presets.fullClose({ maxSlippage: 1, penaltyRate: 0 }));
    expect(trades(e.records)).toEqual(trades(book.e.records));
    expect(v.cash(a)).toBe(book.v.cash(book.a));
    expect(conserved(v)).toBe(true);
  });

  test("the unbounded vault (capital omitted, the presets' default) still takes it", () => {
    const { e } = underwater(presets.backstopVault());
    expect(presets.backstopVault().backstop).toEqual({ belowMaintenanceFraction: 1, price: "bankruptcy" });
    expect(e.records.map((r) => r.execution)).toEqual(["backstop", "backstop"]);
    expect(e.stats().backstopDeclined).toBe(0);
  });

  test("takes it when its equity after covers its maintenance: 19 + 70 >= 88.5, 18 + 70 < 88.5", () => {
    const takes = underwater(presets.backstopVault({ capital: 19 }));
    expect(takes.e.records.map((r) => r.execution)).toEqual(["backstop", "backstop"]);
    expect(takes.v.equity(takes.vault)).toBe(89);
    expect(takes.v.maintenanceRequirement(takes.vault)).toBe(88.5);
    expect(takes.e.stats().backstopDeclined).toBe(0);
    const declines = underwater(presets.backstopVault({ capital: 18 }));
    expect(declines.e.records.every((r) => r.execution === "marketSweep")).toBe(true);
    expect(declines.e.stats().backstopDeclined).toBe(1);
    expect(declines.v.cash(declines.vault)).toBe(18);
    // at the mark price the vault pays for the positions and gets no margin: 88 < 88.5 <= 89
    expect(underwater(presets.backstopVault({ price: "mark", capital: 88 })).e.stats().backstopDeclined).toBe(
      1,
    );
    const mark = underwater(presets.backstopVault({ price: "mark", capital: 89 }));
    expect(mark.e.records.map((r) => r.execution)).toEqual(["backstop", "backstop"]);
    expect(mark.v.cash(mark.a)).toBe(70);
  });

  test("stepwise with capital 0: the step goes on as with backstop: null (a 20% step on the book)", () => {
    const run = (policy: PolicySpec) => {
      const v = twoAssetVenue();
      setMarks(v, [100, 50]);
      const mk = maker(v);
      const a = standardAccount(v, mk);
      const { engine: e } = engine(v, policy);
      setMarks(v, [82, 45]); // equity 20 < 2/3 x 0.05 x 1720 = 57.33
      bid(v, mk, 0, 10, 82);
      bid(v, mk, 1, 20, 45);
      v.advance(1);
      e.check(1);
      return { v, a, e };
    };
    const bounded = run(presets.stepwise({ minNotional: 800, backstopCapital: 0 }));
    const none = run(presets.stepwise({ minNotional: 800, backstop: null }));
    expect(bounded.e.records.map((r) => [r.instrument, r.quantity, r.execution])).toEqual([
      [1, 4, "marketSweep"],
      [0, 2, "marketSweep"],
    ]);
    expect(trades(bounded.e.records)).toEqual(trades(none.e.records));
    expect([bounded.v.position(bounded.a, 0), bounded.v.position(bounded.a, 1)]).toEqual([8, 16]);
    expect(bounded.e.stats().backstopDeclined).toBe(1);
    // the cool-down of the book step then holds it, as without a vault (the vault would not wait)
    bounded.v.advance(2);
    bounded.e.check(2);
    expect(bounded.e.records.length).toBe(2);
    expect(bounded.e.stats().backstopDeclined).toBe(1);
    expect(conserved(bounded.v)).toBe(true);
  });

  test("stepwise with capital 0: a bankrupt account goes to ADL, the stage after the vault", () => {
    const run = (policy: PolicySpec) => {
      const v = twoAssetVenue();
      setMarks(v, [100, 50]);
      const mk = maker(v);
      const mk2 = maker(v);
      const a = standardAccount(v, mk);
      const s = v.openAccount("short");
      v.deposit(s, 100);
      open(v, s, mk2, 0, -5, 100);
      const { engine: e } = engine(v, policy);
      setMarks(v, [80, 40]); // a: equity -100
      v.advance(1);
      e.check(1);
      return { v, a, s, e };
    };
    const unbounded = run(presets.stepwise());
    expect(unbounded.e.records.map((r) => r.execution)).toEqual(["backstop", "backstop"]);
    const { v, a, s, e } = run(presets.stepwise({ backstopCapital: 0 }));
    // as in the ADL example of policy.test.ts: s and the maker take the positions and the deficit
    expect(e.records.map((r) => [r.instrument, r.quantity, r.price, r.execution, r.badDebt])).toEqual([
      [0, 5, 80, "adl", 0],
      [0, 5, 80, "adl", 0],
      [1, 20, 40, "adl", 100],
    ]);
    expect(v.cash(a)).toBe(0);
    expect(v.cash(s)).toBe(100 + 500 - 400 - 25);
    const st = e.stats();
    expect([st.backstopDeclined, st.adlCovered, st.backstopAbsorbed, st.badDebt]).toEqual([1, 100, 0, 100]);
    expect(conserved(v)).toBe(true);
  });

  test("adlVolume counts positions closed by ADL only: the unbounded vault's cash levy is in adlCovered", () => {
    const v = twoAssetVenue();
    setMarks(v, [100, 50]);
    const mk = maker(v);
    const mk2 = maker(v);
    const a = standardAccount(v, mk);
    const s = v.openAccount("short");
    v.deposit(s, 100);
    open(v, s, mk2, 0, -5, 100);
    const { engine: e } = engine(v, presets.stepwise());
    setMarks(v, [80, 40]); // a: equity -100, taken over by the vault
    v.advance(1);
    e.check(1);
    expect(e.records.map((r) => r.execution)).toEqual(["backstop", "backstop"]);
    const st = e.stats();
    // the deficit is levied in cash from the profitable shorts, who keep their positions: no ADL trade
    expect([st.adlVolume, st.adlCovered, st.backstopAbsorbed, st.badDebt]).toEqual([0, 100, 0, 100]);
    expect(v.position(s, 0)).toBe(-5);
    expect(v.cash(s)).toBe(100 + 500 - 20);
    expect(v.cash(a)).toBe(0);
    expect(conserved(v)).toBe(true);
  });

  test("a vault under its maintenance is not liquidated and declines the next account, until it recovers", () => {
    const v = twoAssetVenue();
    setMarks(v, [100, 50]);
    const mk = maker(v);
    const a = standardAccount(v, mk); // equity 70 at 85 / 46
    const b = v.openAccount("b"); // the same positions with 200 more cash: equity 0 at 70 / 40
    v.deposit(b, 500);
    open(v, b, mk, 0, 10, 100);
    open(v, b, mk, 1, 20, 50);
    const { engine: e } = engine(v, presets.backstopVault({ capital: 100 }));
    const vault = e.backstopVault as number;
    const step = (t: number, marks: number[]) => {
      setMarks(v, marks);
      v.advance(t);
      e.check(t);
    };
    step(1, [85, 46]); // a: 100 + 70 = 170 >= 88.5, taken; b: equity 270 > 88.5
    expect(e.records.map((r) => [r.account, r.execution])).toEqual([
      [a, "backstop"],
      [a, "backstop"],
    ]);
    expect(v.cash(vault)).toBe(100 - 1770 + 70);
    bid(v, mk, 0, 10, 70);
    bid(v, mk, 1, 20, 40);
    step(2, [70, 40]); // vault: equity -1600 + 1500 = -100 < maintenance 75; b: equity 0 < 75
    expect(v.equity(vault)).toBe(-100);
    expect(e.records.slice(2).map((r) => [r.account, r.execution])).toEqual([
      [b, "marketSweep"],
      [b, "marketSweep"],
    ]);
    expect(e.stats().backstopDeclined).toBe(1);
    // not liquidated, never sells: it still holds what it took from a
    expect([v.position(vault, 0), v.position(vault, 1)]).toEqual([10, 20]);
    // prices come back: the vault's equity covers its maintenance again, and it takes a short
    // (net X 0 after it: maintenance 0.05 x 20 x 50 = 50 only) whose mark rose against it
    const c = v.openAccount("c");
    v.deposit(c, 150);
    open(v, c, mk, 0, -10, 100); // cash 1150
    step(3, [112, 50]); // c: equity 30 < 56; vault: -1600 + 1120 + 1000 = 520, + 30 >= 50
    expect(e.records.slice(4).map((r) => [r.account, r.execution])).toEqual([[c, "backstop"]]);
    expect([v.position(vault, 0), v.position(vault, 1)]).toEqual([0, 20]);
    expect(v.equity(vault)).toBe(550);
    expect(e.stats().backstopDeclined).toBe(1);
    expect(conserved(v)).toBe(true);
  });

  test("capital: a safe integer >= 0, or omitted; the message names the field, the value and what is allowed", () => {
    const spec = (capital: unknown) => ({
      ...presets.stepwise(),
      backstop: { belowMaintenanceFraction: 0.5, price: "mark", capital },
    });
    const allowed =
      "allowed: an integer number of cash units in [0, 2^53 - 1 = 9007199254740991], where money stays exact (a bounded vault), or undefined (an unbounded vault, the default)";
    for (const [bad, shown] of [
      [-1, "-1"],
      [0.5, "0.5"],
      ["1000", '"1000"'],
      [null, "null"],
      [2 ** 53, "9007199254740992"],
    ] as const) {
      expect(() => validatePolicySpec("policy", spec(bad))).toThrow(
        `policy.backstop.capital = ${shown}; ${allowed}`,
      );
    }
    expect(() => presets.stepwise({ backstopCapital: -5 })).not.toThrow(); // checked where the engine or run validates
    expect(() => validatePolicySpec("policy", presets.stepwise({ backstopCapital: -5 }))).toThrow(
      "policy.backstop.capital = -5",
    );
    expect(validatePolicySpec("policy", spec(undefined)).backstop?.capital).toBeUndefined();
    expect(presets.stepwise({ backstopCapital: 0 }).backstop?.capital).toBe(0);
    expect("capital" in (presets.stepwise().backstop ?? {})).toBe(false);
  });
});
