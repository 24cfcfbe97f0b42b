/**
 * Liquidation-engine defects left by earlier audits: each test fails on the code before its fix
 * (two instruments X 100 and Y 50, oracle marks, default margins: 10% initial, 5% maintenance, no
 * fees, unless a test says otherwise).
 */
import { type AmountSpec, amountPlan, type Holding, presets } from "@cascade/liquidation";
import { describe, expect, test } from "vitest";
import { ceilMulDiv } from "../../packages/liquidation/src/policy.js";
import { bid, conserved, engineFor, maker, setMarks, standardAccount, twoAssetVenue } from "./helpers.js";

describe("lot counts of the amount rules are exact above 1e7 lots", () => {
  // 0.7 x 45,672,200 = 31,970,539.999999996 in doubles: a fixed +1e-9 left it one lot short
  const q = 45_672_200;
  const h: Holding = { instrument: 0, q, mark: 1, cv: 1, notional: q, rate: 0.05, amount: 0 };
  const v = twoAssetVenue({}, [{ symbol: "X", initialPrice: 1, maxPrice: 10 }]);
  const ctx = (onBook: boolean) => ({
    venue: v,
    account: 0,
    holdings: [h],
    equity: 0,
    maintenance: 1,
    penaltyRate: 0,
    maxSlippage: 1,
    feeRate: 0,
    onBook,
  });
  const lots = (spec: AmountSpec, ordering: "largestNotional" | "proRata") =>
    amountPlan(spec, { ...ctx(false), ordering }).map((it) => it.quantity);

  test("stepwise: floor(0.7 x 45,672,200) = 31,970,540", () => {
    expect(
      lots({ kind: "stepwise", fraction: 0.7, cooldownTicks: 0, minNotional: 0 }, "largestNotional"),
    ).toEqual([31_970_540]);
  });

  test("closeFactor, pro rata and along the ordering: 31,970,540", () => {
    expect(lots({ kind: "closeFactor", fraction: 0.7 }, "proRata")).toEqual([31_970_540]);
    expect(lots({ kind: "closeFactor", fraction: 0.7 }, "largestNotional")).toEqual([31_970_540]);
  });

  test("restoreToTarget pro rata: ceil(j x |q| / N) exactly, past 1e9 lots and past 2^53", () => {
    // (N - 1)^2 / N = N - 2 + 1/N: with N = 2e9 the old ceil(x - 1e-9) gave N - 2
    const n = 2_000_000_000;
    expect(Math.ceil(((n - 1) * (n - 1)) / n - 1e-9)).toBe(n - 2);
    expect(ceilMulDiv(n - 1, n - 1, n)).toBe(n - 1);
    expect(ceilMulDiv(n, n - 1, n)).toBe(n - 1);
    expect(ceilMulDiv(3, 10, 4)).toBe(8);
    expect(ceilMulDiv(0, 10, 4)).toBe(0);
  });
});

describe("a bounded vault taking over at the mark counts the penalty the takeover pays it", () => {
  /** The standard account at X 85, Y 46: equity 70 < maintenance 0.05 x 1,770 = 88.5. */
  function underwater(capital: number, to: "liquidator" | "insuranceFund") {
    const v = twoAssetVenue();
    setMarks(v, [100, 50]);
    const mk = maker(v);
    const a = standardAccount(v, mk);
    const e = engineFor(v, presets.backstopVault({ price: "mark", capital, penalty: { rate: 0.02, to } }));
    setMarks(v, [85, 46]);
    bid(v, mk, 0, 10, 84);
    bid(v, mk, 1, 20, 45);
    v.advance(1);
    e.check(1);
    return { v, a, e, vault: e.backstopVault as number };
  }

  test("54 + the 35 it collects (2% of 850 and of 920) covers 88.5: taken; before, declined", () => {
    const { v, a, e, vault } = underwater(54, "liquidator");
    expect(e.records.map((r) => [r.execution, r.penalty])).toEqual([
      ["backstop", 18],
      ["backstop", 17],
    ]);
    expect(e.stats().backstopDeclined).toBe(0);
    // what the check promised: the vault's equity after the step covers its maintenance
    expect(v.equity(vault)).toBe(89);
    expect(v.maintenanceRequirement(vault)).toBe(88.5);
    expect(v.cash(a)).toBe(35);
    expect(conserved(v)).toBe(true);
  });

  test("53 + 35 < 88.5 declines; a penalty to the insurance fund is not the vault's", () => {
    expect(underwater(53, "liquidator").e.stats().backstopDeclined).toBe(1);
    expect(underwater(54, "insuranceFund").e.stats().backstopDeclined).toBe(1);
    expect(underwater(89, "insuranceFund").e.stats().backstopDeclined).toBe(0);
  });
});
