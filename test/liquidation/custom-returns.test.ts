/**
 * What a custom amount rule or ordering returns, as the engine takes it: a typed array of lots is
 * an array of lots (and one that is no plan is printed as the typed array it is), and a refused
 * lots or key fails the step before its margin call is counted or announced.
 */
import { CascadeError } from "@cascade/core";
import { type LiquidationEngine, type PolicySpec, presets } from "@cascade/liquidation";
import type { Venue } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { bid, conserved, engine, maker, setMarks, standardAccount, twoAssetVenue } from "./helpers.js";

/**
 * The standard account (long 10 X and 20 Y, cash 300) under `policy`, checked at tick 1 (healthy),
 * then marked down to X 85, Y 46 (equity 70 < maintenance 88.5) over bids of 15 X and 30 Y.
 */
function underwater(policy: PolicySpec): { v: Venue; a: number; e: LiquidationEngine } {
  const v = twoAssetVenue();
  setMarks(v, [100, 50]);
  const mk = maker(v);
  const a = standardAccount(v, mk);
  const { engine: e } = engine(v, policy);
  v.advance(1);
  e.check(1);
  setMarks(v, [85, 46]);
  bid(v, mk, 0, 5, 84);
  bid(v, mk, 0, 10, 83);
  bid(v, mk, 1, 10, 46);
  bid(v, mk, 1, 20, 45);
  v.advance(2);
  return { v, a, e };
}

const lotsOf = (lots: () => unknown): PolicySpec =>
  presets.fullClose({ amount: { kind: "custom", lots: () => lots() as number[] } });

/** The step's refusal, with what the account and the engine hold after it. */
function refused(policy: PolicySpec) {
  const { v, a, e } = underwater(policy);
  const calls: number[] = [];
  e.marginCalls$.subscribe((c) => calls.push(c.account));
  let err: unknown;
  try {
    e.check(2);
  } catch (x) {
    err = x;
  }
  expect(err).toBeInstanceOf(CascadeError);
  return {
    err: err as CascadeError,
    calls,
    marginCalls: e.stats().marginCalls,
    positions: [v.position(a, 0), v.position(a, 1)],
    records: e.records.length,
  };
}

describe("a typed array of lots", () => {
  // the holdings in the ordering (largestNotional): Y (920) before X (850)
  test.each([
    ["an array", () => [3, 4]],
    ["an Int32Array", () => Int32Array.from([3, 4])],
    ["a Float64Array of whole numbers", () => Float64Array.from([3, 4])],
  ])("%s of valid lots is the plan it lists", (_what, lots) => {
    const { v, a, e } = underwater(lotsOf(lots));
    e.check(2);
    expect(e.records.map((r) => [r.instrument, r.quantity])).toEqual([
      [1, 3],
      [0, 4],
    ]);
    expect([v.position(a, 0), v.position(a, 1)]).toEqual([6, 17]);
    expect(conserved(v)).toBe(true);
  });

  test.each([
    [
      () => Int32Array.from([1, 2, 3]),
      "amount.lots(venue, account, holdings) = Int32Array [1, 2, 3]; allowed: an array of 2 integer numbers of lots, one per holding in the policy's ordering",
    ],
    [
      () => Float64Array.from([2.5, 1]),
      "amount.lots(venue, account, holdings)[0] = 2.5; allowed: an integer number of lots in [0, 20] (holdings[0]: instrument 1, position 20)",
    ],
    [
      () => BigInt64Array.from([1n, 1n]),
      "amount.lots(venue, account, holdings)[0] = 1n; allowed: an integer number of lots in [0, 20] (holdings[0]: instrument 1, position 20)",
    ],
    [
      () => new DataView(new ArrayBuffer(2)),
      "amount.lots(venue, account, holdings) = {}; allowed: an array of 2 integer numbers of lots, one per holding in the policy's ordering",
    ],
  ])("one that is no plan is refused, printed as the typed array it is (%#)", (lots, message) => {
    const r = refused(lotsOf(lots));
    expect(r.err).toMatchObject({ code: "INVALID_AMOUNT_RESULT" });
    expect(r.err.message).toBe(`custom amount failed: ${message}`);
    expect([r.positions, r.records]).toEqual([[10, 20], 0]);
  });
});

describe("a refused lots or key fails the step before its margin call is counted or announced", () => {
  test.each([
    ["lots", lotsOf(() => [2.5, 1]), "INVALID_AMOUNT_RESULT"],
    [
      "key",
      presets.fullClose({ ordering: { kind: "custom", key: () => Number.NaN } }),
      "INVALID_ORDERING_RESULT",
    ],
  ])("a refused %s: no margin call event, none counted, nothing closed", (_part, policy, code) => {
    const r = refused(policy);
    expect(r.err.code).toBe(code);
    expect([r.calls, r.marginCalls, r.positions, r.records]).toEqual([[], 0, [10, 20], 0]);
  });

  test("a valid one: the margin call is announced and counted once, before the step's records", () => {
    const { e } = underwater(lotsOf(() => [3, 4]));
    const seen: Array<[number, number]> = [];
    e.marginCalls$.subscribe((c) => seen.push([c.tick, e.records.length]));
    e.check(2);
    expect([seen, e.stats().marginCalls, e.records.length]).toEqual([[[2, 0]], 1, 2]);
  });
});
