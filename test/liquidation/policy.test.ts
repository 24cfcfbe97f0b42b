/**
 * Hand-computed examples, one per policy part. The standard account (helpers.standardAccount):
 * cash 300 deposited, long 10 X bought @100 and 20 Y @50 -> cash -1700.
 * At marks X=85, Y=46: equity = -1700 + 850 + 920 = 70, maintenance = 0.05 * 1770 = 88.5.
 * The maker's bids: X 5@84, 10@83; Y 10@46, 20@45.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CascadeError, Rng, RunLoop } from "@cascade/core";
import { estimateSweep, LiquidationEngine, presets, validatePolicySpec } from "@cascade/liquidation";
import { BUY, dutchPrice, SELL, Venue } from "@cascade/market";
import { describe, expect, test } from "vitest";
import {
  ask,
  bid,
  conserved,
  engine,
  maker,
  open,
  setMarks,
  standardAccount,
  twoAssetVenue,
} from "./helpers.js";

/** A source file of @cascade/liquidation, whose JSDoc is what an editor shows for its exports. */
const src = (f: string) =>
  readFileSync(join(import.meta.dirname, "../../packages/liquidation/src", f), "utf8");

/** The JSDoc block that ends just before the first line containing `marker`, on one line. */
function docAbove(text: string, marker: string): string {
  const end = text.lastIndexOf("*/", text.indexOf(marker));
  return text.slice(text.lastIndexOf("/**", end), end).replace(/\s*\n\s*\*?/g, " ");
}

function setup(policy = presets.fullClose(), venueOver = {}) {
  const v = twoAssetVenue(venueOver);
  setMarks(v, [100, 50]);
  const mk = maker(v);
  const a = standardAccount(v, mk);
  const { engine: e } = engine(v, policy);
  v.advance(1);
  e.check(1);
  expect(e.records.length).toBe(0);
  setMarks(v, [85, 46]);
  bid(v, mk, 0, 5, 84);
  bid(v, mk, 0, 10, 83);
  bid(v, mk, 1, 10, 46);
  bid(v, mk, 1, 20, 45);
  v.advance(2);
  return { v, mk, a, e };
}

const pick = (r: {
  instrument: number;
  quantity: number;
  price: number;
  notional: number;
  penalty: number;
  execution: string;
}) => [r.instrument, r.quantity, r.price, r.notional, r.penalty, r.execution];

describe("trigger", () => {
  test("maintenance: not triggered at equity 100 > 90, triggered at 70 < 88.5", () => {
    const v = twoAssetVenue();
    setMarks(v, [100, 50]);
    const mk = maker(v);
    const a = standardAccount(v, mk);
    const { engine: e } = engine(v, presets.fullClose());
    setMarks(v, [90, 45]); // equity 100, maintenance 90
    e.check(1);
    expect(e.records.length).toBe(0);
    const calls: number[] = [];
    e.marginCalls$.subscribe((c) => calls.push(c.account, c.equity, c.maintenance));
    setMarks(v, [85, 46]);
    bid(v, mk, 0, 10, 85);
    bid(v, mk, 1, 20, 46);
    e.check(2);
    expect(calls).toEqual([a, 70, 88.5]);
    expect(v.position(a, 0)).toBe(0);
  });
  test("healthFactor below 1 = equity < maintenance; custom trigger liquidates a healthy account", () => {
    const { v, a, e } = setup(presets.fullClose({ trigger: { kind: "healthFactor", below: 1 } }));
    expect(v.healthFactor(a)).toBeCloseTo(1681.5 / 1700, 12);
    e.check(2);
    expect(e.records.length).toBe(2);
    const v2 = twoAssetVenue();
    setMarks(v2, [100, 50]);
    const mk2 = maker(v2);
    const b = standardAccount(v2, mk2);
    bid(v2, mk2, 0, 10, 100);
    bid(v2, mk2, 1, 20, 50);
    const { engine: e2 } = engine(
      v2,
      presets.fullClose({ trigger: { kind: "custom", test: (_v, acc) => acc === b } }),
    );
    e2.check(1);
    expect(e2.records.map(pick)).toEqual([
      [0, 10, 100, 1000, 10, "marketSweep"],
      [1, 20, 50, 1000, 10, "marketSweep"],
    ]);
    expect(v2.cash(b)).toBe(300 - 20);
  });
  test("a custom trigger that returns no boolean is refused (a missing return would liquidate nobody)", () => {
    for (const [out, shown] of [
      [undefined, "undefined"],
      ["no", '"no"'],
      [1, "1"],
    ] as const) {
      const v = twoAssetVenue();
      setMarks(v, [100, 50]);
      standardAccount(v, maker(v));
      const { engine: e } = engine(
        v,
        presets.fullClose({ trigger: { kind: "custom", test: () => out as unknown as boolean } }),
      );
      expect(() => e.check(1)).toThrow(
        `custom trigger failed: trigger.test(venue, account) = ${shown}; allowed: true or false`,
      );
    }
  });
});

describe("amount", () => {
  test("full close, largestNotional, market sweep, 1% penalty to the insurance fund", () => {
    const { v, a, e } = setup();
    e.check(2);
    // Y (920) before X (850): 10@46 + 10@45 = 910, penalty floor(9.1) = 9; X: 5@84 + 5@83 = 835, penalty 8
    expect(e.records.map(pick)).toEqual([
      [1, 20, 45.5, 910, 9, "marketSweep"],
      [0, 10, 83.5, 835, 8, "marketSweep"],
    ]);
    expect(e.records[0].slippage).toBe((46 - 45.5) / 46);
    expect(v.position(a, 0)).toBe(0);
    expect(v.position(a, 1)).toBe(0);
    expect(v.cash(a)).toBe(-1700 + 910 - 9 + 835 - 8);
    expect(v.equity(a)).toBe(28);
    expect(v.cash(e.insuranceFund)).toBe(17);
    expect(conserved(v)).toBe(true);
  });

  test("close factor 0.5 (Aave): budget 885 buys 19 Y; 5% bonus to the maker (liquidator)", () => {
    const { v, mk, a, e } = setup(presets.closeFactor());
    const makerCash = v.cash(mk);
    e.check(2);
    // 10@46 + 9@45 = 865; bonus floor(43.25) = 43
    expect(e.records.map(pick)).toEqual([[1, 19, 865 / 19, 865, 43, "marketSweep"]]);
    expect(v.position(a, 0)).toBe(10);
    expect(v.position(a, 1)).toBe(1);
    expect(v.cash(a)).toBe(-1700 + 865 - 43);
    expect(v.equity(a)).toBe(18);
    expect(v.cash(mk)).toBe(makerCash - 865 + 43);
    expect(conserved(v)).toBe(true);
  });

  test("close factor docs: the budget is of the portfolio's gross notional, as the step above spends it", () => {
    // The JSDoc an editor shows for the amount rule and the preset is where a risk team reads what
    // a step closes: "50% of the position" would have it expect 5 of 10 X and 10 of 20 Y above,
    // where the step closed 19 of 20 Y and no X (budget 0.5 x 1,770 spent along the ordering).
    const docs = [
      docAbove(src("types.ts"), '| { kind: "closeFactor"'),
      docAbove(src("presets.ts"), "closeFactor(\n"),
    ];
    for (const doc of docs) {
      expect(doc).toMatch(/gross notional/);
      expect(doc).toMatch(/ordering/);
      expect(doc).not.toMatch(/of the position( value)?[ ,;.]/);
    }
  });

  test("close factor: full close when HF <= fullBelowHealthFactor", () => {
    const { v, a, e } = setup(presets.closeFactor({ fullBelowHealthFactor: 0.99 }));
    e.check(2);
    expect(e.records.map((r) => r.quantity)).toEqual([20, 10]);
    expect(v.position(a, 0) + v.position(a, 1)).toBe(0);
  });

  test("restore to target 1.25, mostLiquid: all of Y (more depth within 1%) then 1 X", () => {
    const { v, a, e } = setup(presets.restoreToTarget());
    e.check(2);
    expect(e.records.map(pick)).toEqual([
      [1, 20, 45.5, 910, 9, "marketSweep"],
      [0, 1, 84, 84, 0, "marketSweep"],
    ]);
    expect(v.position(a, 0)).toBe(9);
    expect(v.cash(a)).toBe(-715);
    expect(v.equity(a)).toBe(50);
    expect(v.maintenanceRequirement(a)).toBeCloseTo(38.25, 12);
    expect(v.equity(a) / v.maintenanceRequirement(a) >= 1.25).toBe(true);
  });

  test("restore to target docs: the JSDoc counts the taker fee, as the plan below does", () => {
    // The amount rule and the preset said "slippage and penalty included" / nothing: a risk team
    // sizing the target from them would leave out the fee the next test shows the plan counts.
    const docs = [
      docAbove(src("types.ts"), '| { kind: "restoreToTarget"'),
      docAbove(src("presets.ts"), "restoreToTarget(o?"),
    ];
    for (const doc of docs) expect(doc).toMatch(/slippage, penalty and taker fees/);
  });

  test("restore to target counts the taker fee the sweep will pay (40 bps)", () => {
    // Opening fees leave equity 62 (not 70). Without the fee term the plan stopped at 3 X lots and
    // the account ended at 35 / 29.75 = 1.18 < 1.25; fees are estimated at rate x notional, at
    // least the per-fill floored fees paid, so the target is met.
    const { v, a, e } = setup(presets.restoreToTarget(), { fees: { makerBps: 0, takerBps: 40 } });
    e.check(2);
    expect(e.records.map(pick)).toEqual([
      [1, 20, 45.5, 910, 9, "marketSweep"],
      [0, 5, 84, 420, 4, "marketSweep"],
    ]);
    expect(v.equity(a)).toBe(31);
    expect(v.maintenanceRequirement(a)).toBeCloseTo(21.25, 12);
    expect(v.equity(a) / v.maintenanceRequirement(a) >= 1.25).toBe(true);
    expect(v.cash(v.feeAccount)).toBe(11);
  });

  test("restore to target walks every book level within the slippage bound, not only the first 256", () => {
    // Long 400 X bought @10,000; at mark 9,700 the bids are 1 lot at each of 9,699 .. 9,200 (500
    // levels, all within 5%). About 276 lots restore the 1.25 target; the book walk stopped at 256
    // levels, found the target out of reach and closed all 400.
    const v = new Venue({
      instruments: [{ symbol: "X", initialPrice: 10_000, margin: { initial: 0.05, maintenance: 0.05 } }],
      mark: { kind: "oracle" },
    });
    const mk = maker(v);
    const a = v.openAccount("trader");
    v.deposit(a, 260_000);
    open(v, a, mk, 0, 400, 10_000);
    const { engine: e } = engine(v, presets.restoreToTarget());
    setMarks(v, [9_700]);
    for (let p = 9_699; p >= 9_200; p--) bid(v, mk, 0, 1, p);
    expect(estimateSweep(v.book(0), SELL, 300, 9_215, 1)).toEqual({
      filled: 300,
      notional: 300 * 9_699 - (299 * 300) / 2,
    });
    v.advance(1);
    e.check(1);
    const sold = e.records.reduce((s, r) => s + r.quantity, 0);
    expect(sold).toBeGreaterThan(256);
    expect(sold).toBeLessThan(400);
    expect(v.equity(a) / v.maintenanceRequirement(a)).toBeGreaterThanOrEqual(1.25);
    expect(conserved(v)).toBe(true);
  });

  test("stepwise (Hyperliquid): 20% of each position above minNotional, then a cool-down", () => {
    const { v, a, e } = setup(presets.stepwise({ minNotional: 800, cooldownTicks: 5 }));
    e.check(2);
    expect(e.records.map(pick)).toEqual([
      [1, 4, 46, 184, 0, "marketSweep"],
      [0, 2, 84, 168, 0, "marketSweep"],
    ]);
    expect(v.position(a, 0)).toBe(8);
    expect(v.position(a, 1)).toBe(16);
    expect(v.equity(a)).toBe(68);
    for (let t = 3; t < 7; t++) {
      v.advance(t);
      e.check(t);
    }
    expect(e.records.length).toBe(2); // still liquidatable (68 < 70.8) but cooling down
    v.advance(7);
    e.check(7);
    // now both are below minNotional (Y 736, X 680): closed in full
    // Y: 6@46 + 10@45 = 726; X: 3@84 + 5@83 = 667
    expect(e.records.slice(2).map(pick)).toEqual([
      [1, 16, 726 / 16, 726, 0, "marketSweep"],
      [0, 8, 667 / 8, 667, 0, "marketSweep"],
    ]);
  });

  test("stepwise: smaller positions closed in full", () => {
    const { v, a, e } = setup(presets.stepwise({ minNotional: 900, cooldownTicks: 5 }));
    e.check(2);
    // Y 920 > 900: 4 lots; X 850 <= 900: all 10 (5@84 + 5@83)
    expect(e.records.map(pick)).toEqual([
      [1, 4, 46, 184, 0, "marketSweep"],
      [0, 10, 83.5, 835, 0, "marketSweep"],
    ]);
    expect(v.position(a, 0)).toBe(0);
  });

  test("tiered (Binance-like): X cut to the top of its lower tier, Y (lowest tier) untouched", () => {
    const v = twoAssetVenue({}, [
      {
        symbol: "X",
        initialPrice: 100,
        margin: {
          initial: 0.1,
          maintenance: 0.05,
          tiers: [{ notionalAbove: 500, initial: 0.2, maintenance: 0.1 }],
        },
      },
      { symbol: "Y", initialPrice: 50 },
    ]);
    setMarks(v, [100, 50]);
    const mk = maker(v);
    const a = v.openAccount("trader");
    v.deposit(a, 380);
    open(v, a, mk, 0, 10, 100);
    open(v, a, mk, 1, 20, 50);
    const { engine: e } = engine(v, presets.tieredPartial());
    // equity 100, maintenance (800 x 0.1 - 500 x (0.1 - 0.05)) + 46 = 55 + 46 = 101
    setMarks(v, [80, 46]);
    bid(v, mk, 0, 5, 79);
    bid(v, mk, 1, 20, 46);
    e.check(1);
    // keep floor(500 / 80) = 6 lots: sell 4 @79 = 316, fee floor(1.58) = 1
    expect(e.records.map(pick)).toEqual([[0, 4, 79, 316, 1, "marketSweep"]]);
    expect(v.position(a, 0)).toBe(6);
    expect(v.position(a, 1)).toBe(20);
    expect(v.cash(a)).toBe(-1305);
    expect(v.maintenanceRequirement(a)).toBeCloseTo(24 + 46, 9);
  });
});

describe("ordering", () => {
  test("worstPnl: X (-150) before Y (-80)", () => {
    const { e } = setup(presets.fullClose({ ordering: "worstPnl" }));
    e.check(2);
    expect(e.records.map((r) => r.instrument)).toEqual([0, 1]);
  });
  test("proRata with close factor 0.5: half of every position, instrument order", () => {
    const { v, a, e } = setup(presets.closeFactor({ ordering: "proRata" }));
    e.check(2);
    expect(e.records.map(pick)).toEqual([
      [0, 5, 84, 420, 21, "marketSweep"],
      [1, 10, 46, 460, 23, "marketSweep"],
    ]);
    expect(v.cash(a)).toBe(-1700 + 420 - 21 + 460 - 23);
  });
  test("mostLiquid vs largestNotional pick different first assets", () => {
    const { v, mk, e } = setup(presets.fullClose({ ordering: "mostLiquid" }));
    bid(v, mk, 0, 50, 84); // X now deepest within 1%
    e.check(2);
    expect(e.records[0].instrument).toBe(0);
  });
});

describe("execution", () => {
  test("sliced over 2 ticks", () => {
    const { v, a, e } = setup(
      presets.fullClose({ execution: { kind: "sliced", slices: 2, maxSlippage: 0.05 } }),
    );
    e.check(2);
    expect(e.records.map(pick)).toEqual([
      [1, 10, 46, 460, 4, "sliced"],
      [0, 5, 84, 420, 4, "sliced"],
    ]);
    v.advance(3);
    e.check(3);
    expect(e.records.slice(2).map(pick)).toEqual([
      [1, 10, 45, 450, 4, "sliced"],
      [0, 5, 83, 415, 4, "sliced"],
    ]);
    expect(v.position(a, 0) + v.position(a, 1)).toBe(0);
    expect(v.cash(a)).toBe(29);
  });

  test("slippage bound: nothing below mark*(1-s) is hit", () => {
    const { v, a, e } = setup(presets.fullClose({ maxSlippage: 0.01 }));
    e.check(2);
    // X worst ceil(84.15) = 85: no bid; Y worst ceil(45.54) = 46: 10 lots
    expect(e.records.map(pick)).toEqual([[1, 10, 46, 460, 4, "marketSweep"]]);
    expect(v.position(a, 0)).toBe(10);
    expect(v.position(a, 1)).toBe(10);
  });

  test("Dutch auction: a bidder takes Y; X expires and falls back to a market sweep", () => {
    const policy = presets.dutchAuction({
      startPremium: 0.2,
      decayPerTick: 0.1,
      durationTicks: 3,
      floorDiscount: 0.5,
    });
    const { v, a, e } = setup(policy);
    e.check(2);
    expect(e.records.length).toBe(0);
    const auctions = v.openAuctions();
    expect(auctions.map((x) => [x.instrument, x.quantity, x.startPrice, x.limitPrice])).toEqual([
      [1, 20, 55, 23],
      [0, 10, 102, 43],
    ]);
    const bidder = maker(v, 100_000);
    v.advance(3);
    const yId = auctions[0].id;
    const p = v.auctionPrice(yId);
    expect(p).toBe(55); // the start price, on the first tick keepers act (the schedule starts at 3)
    expect(v.takeAuction(yId, bidder, 20, 1000)).toBe(20);
    e.check(3);
    const pen = Math.floor(0.13 * 20 * p);
    expect(e.records.map(pick)).toEqual([[1, 20, p, 20 * p, pen, "dutchAuction"]]);
    for (const t of [4, 5]) {
      v.advance(t);
      e.check(t);
    }
    v.advance(6); // X auction expires (opened at 2, offered at 3, 4, 5)
    e.check(6);
    const eqBefore = -1700 + 20 * p - pen + 835;
    const penX = Math.min(Math.floor(0.13 * 835), eqBefore);
    expect(e.records.slice(1).map(pick)).toEqual([[0, 10, 83.5, 835, penX, "marketSweep"]]);
    expect(v.position(a, 0) + v.position(a, 1)).toBe(0);
    expect(v.cash(a)).toBe(eqBefore - penX);
    expect(conserved(v)).toBe(true);
  });

  test("Dutch auction schedule as the liquidation README states it: geometric decay, floor at k = 88 of 100 by default", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../packages/liquidation/README.md"), "utf8");
    const row = readme.split("\n").find((l) => l.startsWith("| `dutchAuction`")) as string;
    expect(row).toContain("start x (1 - decayPerTick)^k");
    expect(row).toContain("at k = 88, the 89th of the 100 prices");
    // the engine's auction follows it: Y opened at tick 2 (start round(46 x 1.2) = 55, floor 23),
    // k counted from tick 3; rounded to a tick
    const { v, e } = setup(presets.dutchAuction());
    e.check(2);
    const y = v.openAuctions()[0];
    expect([y.instrument, y.startPrice, y.limitPrice, y.decayPerTick, y.durationTicks]).toEqual([
      1, 55, 23, 0.01, 100,
    ]);
    for (const k of [0, 1, 2, 30, 60]) {
      v.advance(3 + k);
      expect(v.auctionPrice(y.id)).toBe(Math.max(23, Math.round(55 * 0.99 ** k)));
    }
    // the defaults on a reference of 10,000: 12,000 x 0.99^k, floor 5,000 first at k = 88
    const terms = { ...y, startPrice: 12_000, limitPrice: 5_000 };
    expect(dutchPrice(terms, 87)).toBe(Math.round(12_000 * 0.99 ** 87));
    expect(dutchPrice(terms, 87)).toBeGreaterThan(5_000);
    expect(dutchPrice(terms, 88)).toBe(5_000);
  });

  test("Dutch auction from the oracle price (Maker's Clipper) instead of the mark", () => {
    const over = { startPremium: 0.2, decayPerTick: 0.1, durationTicks: 3, floorDiscount: 0.5 };
    const fromMark = setup(presets.dutchAuction(over));
    const fromOracle = setup(presets.dutchAuction({ ...over, reference: "oracle" }));
    // The oracle moves after the marks phase: marks stay 85 / 46, the oracle is now 90 / 50.
    for (const { v } of [fromMark, fromOracle]) {
      v.setOraclePrice(0, 90);
      v.setOraclePrice(1, 50);
    }
    fromMark.e.check(2);
    fromOracle.e.check(2);
    const terms = (v: typeof fromMark.v) =>
      v.openAuctions().map((x) => [x.instrument, x.startPrice, x.limitPrice]);
    // start round(ref x 1.2), floor ceil(ref x 0.5)
    expect(terms(fromMark.v)).toEqual([
      [1, 55, 23],
      [0, 102, 43],
    ]);
    expect(terms(fromOracle.v)).toEqual([
      [1, 60, 25],
      [0, 108, 45],
    ]);
  });

  test("a Dutch auction's floor never crosses its start (no premium, a tiny discount, a fractional reference)", () => {
    const { v, e } = setup(
      presets.dutchAuction({ startPremium: 0, floorDiscount: 1e-9, durationTicks: 3, reference: "oracle" }),
    );
    v.setOraclePrice(0, 90.4); // start round(90.4) = 90; the floor ceil(90.4 - tiny) = 91 would cross it
    v.setOraclePrice(1, 49.6); // start 50, floor ceil(49.6) = 50: no crossing
    e.check(2);
    expect(v.openAuctions().map((x) => [x.instrument, x.startPrice, x.limitPrice])).toEqual([
      [1, 50, 50],
      [0, 90, 90],
    ]);
    expect(conserved(v)).toBe(true);
  });

  test("backstop vault at bankruptcy price: positions and margin to the vault", () => {
    const { v, a, e } = setup(presets.backstopVault());
    e.check(2);
    const vault = e.backstopVault as number;
    expect(e.records.map(pick)).toEqual([
      [1, 20, 46, 920, 0, "backstop"],
      [0, 10, 85, 850, 70, "backstop"],
    ]);
    expect(v.cash(a)).toBe(0);
    expect(v.position(vault, 0)).toBe(10);
    expect(v.position(vault, 1)).toBe(20);
    expect(v.cash(vault)).toBe(-1770 + 70);
    expect(e.stats().backstopNotional).toBe(1770);
  });

  test("backstop vault at bankruptcy price: a penalty rate is refused, as it would charge nothing (the vault takes the margin instead)", () => {
    // every case, and the policies that do charge a rate, in uncharged-penalty.test.ts
    expect(() => setup(presets.backstopVault({ penaltyRate: 0.01 }))).toThrow(
      "policy.penalty.rate = 0.01; allowed: 0 under this policy: an unbounded backstop vault at the bankruptcy price takes the account's whole remaining margin as its penalty",
    );
  });

  test("backstop vault at mark, 1% penalty to the fund", () => {
    const { v, a, e } = setup(presets.backstopVault({ price: "mark", penaltyRate: 0.01 }));
    e.check(2);
    expect(e.records.map(pick)).toEqual([
      [1, 20, 46, 920, 9, "backstop"],
      [0, 10, 85, 850, 8, "backstop"],
    ]);
    expect(v.cash(a)).toBe(53);
  });

  test("bankrupt account: the vault covers the deficit from its capital", () => {
    const v = twoAssetVenue();
    setMarks(v, [100, 50]);
    const mk = maker(v);
    const a = standardAccount(v, mk);
    const { engine: e } = engine(v, presets.backstopVault({ capital: 1000 }));
    setMarks(v, [80, 40]); // equity -100
    e.check(1);
    expect(e.records.map((r) => r.badDebt)).toEqual([0, 100]);
    expect(v.cash(a)).toBe(0);
    expect(v.cash(e.backstopVault as number)).toBe(1000 - 1600 - 100);
    const s = e.stats();
    expect([s.badDebt, s.backstopAbsorbed, s.insuranceDraw, s.unrecoveredDebt]).toEqual([100, 100, 0, 0]);
    expect(conserved(v)).toBe(true);
  });

  test("stepwise backstop threshold: equity < 2/3 maintenance -> vault takes over", () => {
    const { v, a, e } = setup(presets.stepwise({ minNotional: 800 }));
    setMarks(v, [82, 45]); // equity 20 < 2/3 * 0.05 * 1720 = 57.33
    e.check(2);
    expect(e.records.map((r) => r.execution)).toEqual(["backstop", "backstop"]);
    expect(v.cash(a)).toBe(0);
  });
});

describe("loss waterfall", () => {
  function bankrupt(policy = presets.fullClose({ penaltyRate: 0 })) {
    const v = twoAssetVenue();
    setMarks(v, [100, 50]);
    const mk = maker(v, 10_000);
    const a = standardAccount(v, mk);
    const { engine: e } = engine(v, policy);
    setMarks(v, [80, 40]); // equity -100
    bid(v, mk, 0, 10, 80);
    bid(v, mk, 1, 20, 40);
    return { v, mk, a, e };
  }
  test("insurance fund covers 60, 40 left as bad debt", () => {
    const { v, a, e } = bankrupt(presets.fullClose({ penaltyRate: 0, insuranceFund: 60 }));
    e.check(1);
    expect(e.records.map((r) => r.badDebt)).toEqual([0, 100]);
    expect(v.cash(a)).toBe(-40);
    expect(v.cash(e.insuranceFund)).toBe(0);
    const s = e.stats();
    expect([s.badDebt, s.insuranceDraw, s.unrecoveredDebt]).toEqual([100, 60, 40]);
    expect(conserved(v)).toBe(true);
  });
  test("socialised loss, pro rata to positive equity (largest remainder)", () => {
    const { v, mk, a, e } = bankrupt(presets.fullClose({ penaltyRate: 0, whenFundEmpty: "socialize" }));
    const p = v.openAccount("p");
    v.deposit(p, 5200);
    e.check(1);
    expect(v.cash(mk)).toBe(10_400 - 67);
    expect(v.cash(p)).toBe(5200 - 33);
    expect(v.cash(a)).toBe(0);
    expect(e.records.map((r) => [r.execution, r.badDebt])).toEqual([
      ["marketSweep", 0],
      ["marketSweep", 0],
      ["socialized", 100],
    ]);
    expect(e.stats().socializedLoss).toBe(100);
    expect(e.stats().liquidations).toBe(2);
    expect(conserved(v)).toBe(true);
  });
  test("ADL: bankrupt positions go to the most profitable opposing accounts, they cover the deficit pro rata", () => {
    const v = twoAssetVenue();
    setMarks(v, [100, 50]);
    const mk = maker(v);
    const mk2 = maker(v);
    const a = standardAccount(v, mk);
    const s = v.openAccount("short");
    v.deposit(s, 100);
    open(v, s, mk2, 0, -5, 100); // short 5 X @100; mk2 long 5
    const { engine: e } = engine(v, presets.tieredPartial({ penaltyRate: 0 }));
    setMarks(v, [80, 40]);
    // s: pnl 100, equity 200, leverage 2 -> ranked before the maker (huge equity)
    const makerCash = v.cash(mk);
    e.check(1);
    expect(
      e.records.map((r) => [r.instrument, r.quantity, r.price, r.notional, r.execution, r.badDebt]),
    ).toEqual([
      [0, 5, 80, 400, "adl", 0],
      [0, 5, 80, 400, "adl", 0],
      [1, 20, 40, 800, "adl", 100],
    ]);
    expect(v.position(s, 0)).toBe(0);
    expect(v.position(a, 0) + v.position(a, 1)).toBe(0);
    // The deficit of 100 is shared per notional taken (every lot bears the same loss, as at the
    // bankruptcy price): s took 400 of the 1600, the maker 1200 (5 X @80 and 20 Y @40).
    expect(v.cash(s)).toBe(100 + 500 - 400 - 25);
    expect(v.cash(mk) - makerCash).toBe(-(400 + 800) - 75); // it bought back its shorts, then paid its share
    expect(v.cash(a)).toBe(0);
    const st = e.stats();
    expect([st.adlVolume, st.adlCovered, st.badDebt]).toEqual([1600, 100, 100]);
    expect(conserved(v)).toBe(true);
    void ask;
  });
});

/** One instrument X at 100 with an oracle mark, and an account opener (cash 0: no deposit). */
function oracleVenue() {
  const v = new Venue({ instruments: [{ symbol: "X", initialPrice: 100 }], mark: { kind: "oracle" } });
  const acct = (label: string, cash: number) => {
    const id = v.openAccount(label);
    if (cash > 0) v.deposit(id, cash);
    return id;
  };
  return { v, acct };
}

/** Moves X's oracle mark to `mark`, then runs the engine's check of tick 1. */
function markAndCheck(v: Venue, e: LiquidationEngine, mark: number): void {
  v.setOraclePrice(0, mark);
  v.updateMarks();
  v.advance(1);
  e.check(1);
}

describe("ADL deficit shares", () => {
  /**
   * A bankrupt long of 10 X (cash -900) against two shorts of 5 each (s1 and s2, 200 and 1000 cash);
   * `drain` cash moves out of s1 first; the oracle mark then falls to 80 and the engine checks.
   */
  function bankruptAgainst(drain: number) {
    const { v, acct } = oracleVenue();
    const a = acct("bankrupt", 100);
    const s1 = acct("s1", 200);
    const s2 = acct("s2", 1000);
    const elsewhere = acct("elsewhere", 0);
    v.submit({ account: s1, instrument: 0, side: SELL, quantity: 5, type: "limit", price: 100 });
    v.submit({ account: s2, instrument: 0, side: SELL, quantity: 5, type: "limit", price: 100 });
    v.submit({ account: a, instrument: 0, side: BUY, quantity: 10, type: "market" });
    if (drain > 0) v.transferCash(s1, elsewhere, drain, "test: s1 spends its cash");
    const { engine: e } = engine(v, presets.tieredPartial({ penaltyRate: 0 }));
    markAndCheck(v, e, 80); // equity 100 - 1000 + 800 = -100: bankruptcy price 90
    return { v, e, a, s1, s2 };
  }

  test("every deleveraged lot bears the same loss: 5 x (90 - 80) each, whatever the rank", () => {
    const { v, e, a, s1, s2 } = bankruptAgainst(0);
    expect(e.records.map((r) => [r.quantity, r.price, r.execution])).toEqual([
      [5, 80, "adl"],
      [5, 80, "adl"],
    ]);
    expect([v.position(s1, 0), v.position(s2, 0), v.position(a, 0)]).toEqual([0, 0, 0]);
    // each bought back 5 @80 (400) and pays 50 of the deficit: its profit of 100 falls to 50
    expect([v.cash(s1), v.cash(s2), v.cash(a)]).toEqual([200 + 500 - 400 - 50, 1000 + 500 - 400 - 50, 0]);
    expect(e.stats().adlCovered).toBe(100);
    expect(conserved(v)).toBe(true);
  });

  test("a share above a counterparty's equity passes to the others", () => {
    // s1 keeps equity 300 - 260 = 40 at mark 80 (above its maintenance of 20): it pays 40 of its 50
    const { v, e, s1, s2 } = bankruptAgainst(260);
    expect(v.cash(s1)).toBe(200 + 500 - 260 - 400 - 40);
    expect(v.cash(s2)).toBe(1000 + 500 - 400 - 60);
    expect(e.stats().adlCovered).toBe(100);
    expect(conserved(v)).toBe(true);
  });
});

describe("ADL deficit shares: what one counterparty cannot pay", () => {
  test("is split again among the others pro rata, not loaded on the next in rank", () => {
    // a bankrupt long of 12 X against three shorts of 4 (1000 cash each); s1 then spends all but
    // 20 of its equity at mark 80 (above its maintenance of 16), so it is ranked first (leverage)
    const { v, acct } = oracleVenue();
    const a = acct("bankrupt", 120);
    const shorts = ["s1", "s2", "s3"].map((l) => acct(l, 1000));
    const elsewhere = acct("elsewhere", 0);
    for (const s of shorts)
      v.submit({ account: s, instrument: 0, side: SELL, quantity: 4, type: "limit", price: 100 });
    v.submit({ account: a, instrument: 0, side: BUY, quantity: 12, type: "market" }); // cash -1080
    v.transferCash(shorts[0], elsewhere, 1000 + 400 - 320 - 20, "test: s1 spends its cash");
    const { engine: e } = engine(v, presets.tieredPartial({ penaltyRate: 0 }));
    const before = shorts.map((s) => v.cash(s));
    markAndCheck(v, e, 80); // equity -1080 + 960 = -120
    expect(e.records.filter((r) => r.execution === "adl").map((r) => r.quantity)).toEqual([4, 4, 4]);
    // each bought back 4 @80 (320); then the deficit of 120: s1 can pay 20 of its third (40), and
    // the other 100 go to s2 and s3 in equal parts (the old rank order charged s2 its whole 80)
    const paid = shorts.map((s, k) => before[k] - 320 - v.cash(s));
    expect(paid).toEqual([20, 50, 50]);
    expect(v.cash(a)).toBe(0);
    expect(e.stats().adlCovered).toBe(120);
    expect(conserved(v)).toBe(true);
  });
});

describe("ADL deficit shares: a deficit left by book sales", () => {
  test("is shared pro rata to the opposing notional, not charged to the first in rank", () => {
    const { v, acct } = oracleVenue();
    const a = acct("long", 150);
    const s1 = acct("s1", 300);
    const s2 = acct("s2", 1000);
    const m = acct("bidder", 10_000);
    v.submit({ account: s1, instrument: 0, side: SELL, quantity: 5, type: "limit", price: 100 });
    v.submit({ account: s2, instrument: 0, side: SELL, quantity: 5, type: "limit", price: 100 });
    v.submit({ account: a, instrument: 0, side: BUY, quantity: 10, type: "market" }); // cash -850
    v.submit({ account: m, instrument: 0, side: BUY, quantity: 10, type: "limit", price: 80 });
    const { engine: e } = engine(
      v,
      presets.fullClose({ maxSlippage: 0.5, penaltyRate: 0, whenFundEmpty: "adl" }),
    );
    const before = [v.cash(s1), v.cash(s2)];
    markAndCheck(v, e, 86); // equity -850 + 860 = 10 < maintenance 43: liquidated, not bankrupt
    // sold 10 @80 on the book: cash -50, a deficit of 50; the shorts (5 each, profit 70 each) pay
    // 25 each (the rank order charged all 50 to the more leveraged s1)
    expect(e.records.filter((r) => r.quantity > 0).map((r) => [r.quantity, r.price, r.execution])).toEqual([
      [10, 80, "marketSweep"],
    ]);
    expect([before[0] - v.cash(s1), before[1] - v.cash(s2), v.cash(a)]).toEqual([25, 25, 0]);
    expect([v.position(s1, 0), v.position(s2, 0)]).toEqual([-5, -5]); // a cash levy: they keep them
    expect(e.stats().adlCovered).toBe(50);
    expect(conserved(v)).toBe(true);
  });
});

describe("engine options", () => {
  test("a missing venue or loop and a bad causeWindow are named, before anything is opened", () => {
    const venue = twoAssetVenue();
    const loop = new RunLoop({ rng: Rng.fromSeed(1) });
    const policy = presets.fullClose();
    const rng = Rng.fromSeed(2);
    const accounts = venue.accountCount();
    const cases: Array<[unknown, string]> = [
      [{ loop, policy, rng }, "venue = undefined; allowed: a Venue"],
      [{ venue, policy, rng }, "loop = undefined; allowed: a RunLoop"],
      [
        { venue, loop, policy, rng, causeWindow: -5 },
        "causeWindow = -5; allowed: an integer number of ticks >= 0 (default 50)",
      ],
      [{ venue, loop, policy, rng, causeWindow: Number.NaN }, "causeWindow = NaN; allowed:"],
      [{ venue, loop, policy, rng, causeWindow: "x" }, 'causeWindow = "x"; allowed:'],
    ];
    for (const [options, message] of cases) {
      expect(() => new LiquidationEngine(options as never)).toThrow(
        `invalid liquidation engine options: ${message}`,
      );
    }
    expect(venue.accountCount()).toBe(accounts); // no insurance fund opened by a refused engine
    expect(new LiquidationEngine({ venue, loop, policy, rng, causeWindow: 0 }).causeWindow).toBe(0);
  });
});

describe("preset overrides", () => {
  test("a shorthand that would be ignored is refused, naming the preset and the whole part", () => {
    expect(() =>
      presets.fullClose({ penaltyRate: 0.02, penalty: { rate: 0.05, to: "insuranceFund" } }),
    ).toThrow(
      "invalid liquidation policy: fullClose.penaltyRate = 0.02; allowed: undefined when penalty is given (set it inside penalty)",
    );
    expect(() =>
      presets.closeFactor({ maxSlippage: 0.1, execution: { kind: "marketSweep", maxSlippage: 0.05 } }),
    ).toThrow("closeFactor.maxSlippage = 0.1; allowed: undefined when execution is given");
    expect(() =>
      presets.fullClose({ insuranceFund: 10, loss: { insuranceFund: 0, whenFundEmpty: "badDebt" } }),
    ).toThrow("fullClose.insuranceFund = 10");
    // with the part dropped (null) there is nothing to set it inside: the message says so
    expect(() => presets.stepwise({ backstopCapital: 1e5, backstop: null })).toThrow(
      "stepwise.backstopCapital = 100000; allowed: undefined when backstop is null (backstop: null drops it, so backstopCapital would be ignored)",
    );
    expect(() => presets.backstopVault({ maxSlippage: 0.02 })).toThrow(
      "backstopVault.maxSlippage = 0.02; allowed: undefined: the backstop execution of this preset has no slippage bound",
    );
    // a preset's own option is refused next to the whole part it is written into
    expect(() => presets.closeFactor({ bonus: 0.1, penaltyRate: 0.02 })).toThrow(
      "closeFactor.bonus = 0.1; allowed: undefined when penaltyRate is given (give one of them)",
    );
    expect(() => presets.closeFactor({ fraction: 0.3, amount: { kind: "full" } })).toThrow(
      "closeFactor.fraction = 0.3",
    );
    expect(() =>
      presets.dutchAuction({ startPremium: 0.5, execution: { kind: "marketSweep", maxSlippage: 0.05 } }),
    ).toThrow("dutchAuction.startPremium = 0.5");
    expect(() =>
      presets.backstopVault({
        capital: 1000,
        backstop: { belowMaintenanceFraction: 1, price: "mark", capital: 0 },
      }),
    ).toThrow("backstopVault.capital = 1000");
    // backstop: null removes a preset's backstop (undefined keeps it, like every other part)
    // without backstopCapital the vault is unbounded: no capital key
    expect(presets.stepwise().backstop).toEqual({
      belowMaintenanceFraction: 2 / 3,
      price: "bankruptcy",
    });
    expect(presets.stepwise({ backstop: undefined }).backstop).toBeDefined();
    expect("backstop" in presets.stepwise({ backstop: null })).toBe(false);
    expect(() => presets.stepwise({ backstopCapital: 5, backstop: null })).toThrow(
      "stepwise.backstopCapital = 5",
    );
    expect(() => presets.backstopVault({ backstop: null })).toThrow(
      "backstopVault.backstop = null; allowed: a backstop spec or undefined (this policy's execution is the backstop vault)",
    );
    // each alone still works
    expect(presets.fullClose({ penaltyRate: 0.02 }).penalty.rate).toBe(0.02);
    expect(presets.fullClose({ maxSlippage: 0.1 }).execution).toEqual({
      kind: "marketSweep",
      maxSlippage: 0.1,
    });
  });
  test("an unknown option (a typo; experiment files are bundled without a type check) is refused, naming the options", () => {
    const loose = (o: Record<string, unknown>) => o as never;
    expect(() => presets.stepwise(loose({ cooldown: 10 }))).toThrow(
      "invalid liquidation policy: stepwise.cooldown = 10; allowed: one of the options name, trigger, amount, ordering, execution, backstop, penalty, loss, whileLiquidating, maxSlippage, penaltyRate, insuranceFund, whenFundEmpty, fraction, cooldownTicks, minNotional, backstopCapital",
    );
    expect(() => presets.fullClose(loose({ maxSlipage: 0.02 }))).toThrow(
      "fullClose.maxSlipage = 0.02; allowed: one of the options name, trigger, amount, ordering, execution, backstop, penalty, loss, whileLiquidating, maxSlippage, penaltyRate, insuranceFund, whenFundEmpty",
    );
    expect(() => presets.restoreToTarget(loose({ targetMarginRatoi: 1.5 }))).toThrow(
      "restoreToTarget.targetMarginRatoi = 1.5; allowed: one of the options",
    );
    expect(() => presets.closeFactor(loose({ bonnus: 0.1 }))).toThrow("closeFactor.bonnus = 0.1");
    // the nearest option is named: misspelt, or the beginning of one
    expect(() => presets.stepwise(loose({ cooldown: 10 }))).toThrow(
      /backstopCapital; did you mean "cooldownTicks"\?$/,
    );
    expect(() => presets.stepwise(loose({ insuranceFnd: 5 }))).toThrow('did you mean "insuranceFund"?');
    expect(() => presets.closeFactor(loose({ factor: 0.5 }))).toThrow(/fullBelowHealthFactor, bonus$/);
    const policy = { ...presets.fullClose(), loss: { insuranceFund: 0, whenFundEmpty: "adl2" } };
    expect(() => validatePolicySpec("liquidation", policy)).toThrow(
      'liquidation.loss.whenFundEmpty = "adl2"; allowed: one of "adl", "socialize", "badDebt"; did you mean "adl"?',
    );
    expect(() => validatePolicySpec("liquidation", { ...presets.fullClose(), penality: {} })).toThrow(
      'did you mean "penalty"?',
    );
    expect(() => presets.dutchAuction(loose({ decay: 0.02 }))).toThrow("dutchAuction.decay = 0.02");
    expect(() => presets.backstopVault(loose({ vaultCapital: 5 }))).toThrow("backstopVault.vaultCapital = 5");
    expect(() => presets.tieredPartial(loose({ tiers: [] }))).toThrow("tieredPartial.tiers = []");
    // every preset's own options are still accepted
    expect(presets.backstopVault({ price: "mark", capital: 5 }).backstop?.capital).toBe(5);
    expect(presets.dutchAuction({ reference: "oracle", floorDiscount: 0.4 }).execution).toMatchObject({
      reference: "oracle",
      floorDiscount: 0.4,
    });
  });
});

describe("a preset's name where a policy belongs", () => {
  test("is refused with the way to call the preset", () => {
    let err: unknown;
    try {
      validatePolicySpec("variants.full", "fullClose");
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: "INVALID_VALUE", field: "variants.full", value: "fullClose" });
    expect((err as Error).message).toContain("call the preset, e.g. presets.fullClose()");
    // an object still gets the keys a policy has
    expect(() => validatePolicySpec("policy", 3)).toThrow(/an object with keys/);
  });
});

describe("custom amount (your own lots per holding)", () => {
  const customLots = (lots: (hs: ReadonlyArray<{ instrument: number; q: number }>) => unknown) =>
    presets.fullClose({ amount: { kind: "custom", lots: (_v, _a, hs) => lots(hs) as number[] } });

  test("closes the lots asked of each holding, in the policy's ordering, as a built-in plan is executed", () => {
    const seen: Array<[number, number[], number[]]> = [];
    const { v, a, e } = setup(
      presets.fullClose({
        amount: {
          kind: "custom",
          lots: (_v, acc, hs) => {
            seen.push([acc, hs.map((h) => h.instrument), hs.map((h) => h.q)]);
            return hs.map((h) => (h.instrument === 0 ? 4 : 3));
          },
        },
      }),
    );
    e.check(2);
    // largestNotional: Y (920) before X (850); 3 Y @46 = 138 (penalty 1), 4 X @84 = 336 (penalty 3)
    expect(seen).toEqual([[a, [1, 0], [20, 10]]]);
    expect(e.records.map(pick)).toEqual([
      [1, 3, 46, 138, 1, "marketSweep"],
      [0, 4, 84, 336, 3, "marketSweep"],
    ]);
    expect([v.position(a, 0), v.position(a, 1), v.cash(a)]).toEqual([6, 17, -1700 + 138 - 1 + 336 - 3]);
    expect(conserved(v)).toBe(true);
  });

  test("what the book cannot fill within the slippage bound stays open", () => {
    // X's bids within 5% of 85 (>= 81): 5@84 and 10@83 only; ask all 10 X and 0 Y
    const { v, mk, a, e } = setup(customLots((hs) => hs.map((h) => (h.instrument === 0 ? 10 : 0))));
    v.cancelAll(mk);
    bid(v, mk, 0, 3, 84);
    bid(v, mk, 0, 50, 80);
    e.check(2);
    expect(e.records.map(pick)).toEqual([[0, 3, 84, 252, 2, "marketSweep"]]);
    expect([v.position(a, 0), v.position(a, 1)]).toEqual([7, 20]);
  });

  test.each([
    [
      undefined,
      "amount.lots(venue, account, holdings) = undefined; allowed: an array of 2 integer numbers of lots, one per holding in the policy's ordering",
    ],
    [
      [3],
      "amount.lots(venue, account, holdings) = [3]; allowed: an array of 2 integer numbers of lots, one per holding in the policy's ordering",
    ],
    [
      [1, 2, 3],
      "amount.lots(venue, account, holdings) = [1,2,3]; allowed: an array of 2 integer numbers of lots, one per holding in the policy's ordering",
    ],
    [
      [1, Number.NaN],
      "amount.lots(venue, account, holdings)[1] = NaN; allowed: an integer number of lots in [0, 10] (holdings[1]: instrument 0, position 10)",
    ],
    [
      [Number.POSITIVE_INFINITY, 1],
      "amount.lots(venue, account, holdings)[0] = Infinity; allowed: an integer number of lots in [0, 20] (holdings[0]: instrument 1, position 20)",
    ],
    [
      [2.5, 1],
      "amount.lots(venue, account, holdings)[0] = 2.5; allowed: an integer number of lots in [0, 20] (holdings[0]: instrument 1, position 20)",
    ],
    [
      [1, -1],
      "amount.lots(venue, account, holdings)[1] = -1; allowed: an integer number of lots in [0, 10] (holdings[1]: instrument 0, position 10)",
    ],
    [
      [1, 11],
      "amount.lots(venue, account, holdings)[1] = 11; allowed: an integer number of lots in [0, 10] (holdings[1]: instrument 0, position 10)",
    ],
    [
      ["3", 1],
      'amount.lots(venue, account, holdings)[0] = "3"; allowed: an integer number of lots in [0, 20] (holdings[0]: instrument 1, position 20)',
    ],
  ])("lots returning [%s] fails the step before any lot is closed", (out, message) => {
    const { v, a, e } = setup(customLots(() => out));
    const before = [v.position(a, 0), v.position(a, 1), v.cash(a), v.totalCash()];
    let err: unknown;
    try {
      e.check(2);
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(CascadeError);
    expect(err).toMatchObject({ code: "INVALID_AMOUNT_RESULT" });
    expect((err as Error).message).toBe(`custom amount failed: ${message}`);
    expect([v.position(a, 0), v.position(a, 1), v.cash(a), v.totalCash()]).toEqual(before);
    expect([e.records.length, e.stats().liquidations]).toEqual([0, 0]);
  });

  // Experiment files are bundled without a type check: Readonly<Holding> does not stop a rule that
  // changes a holding or sorts the array in place, which would change the step's plan behind checkedLots.
  test.each([
    [
      "changes a holding's q",
      (hs: ReadonlyArray<{ q: number }>) => {
        (hs[0] as { q: number }).q = 1;
        return hs.map(() => 1);
      },
      "Cannot assign to read only property 'q'",
    ],
    [
      "sorts the holdings in place",
      (hs: ReadonlyArray<{ instrument: number }>) =>
        (hs as Array<{ instrument: number }>).sort((x, y) => x.instrument - y.instrument).map(() => 1),
      "Cannot assign to read only property '0'",
    ],
  ])(
    "a lots that %s throws (the holdings are read-only) before any lot is closed",
    (_what, lots, message) => {
      const { v, a, e } = setup(
        customLots(lots as (hs: ReadonlyArray<{ instrument: number; q: number }>) => unknown),
      );
      const before = [v.position(a, 0), v.position(a, 1), v.cash(a), v.totalCash()];
      expect(() => e.check(2)).toThrow(message);
      expect([v.position(a, 0), v.position(a, 1), v.cash(a), v.totalCash()]).toEqual(before);
      expect(e.records.length).toBe(0);
    },
  );

  test("a bankrupt account is closed in full without asking lots (as under every amount rule)", () => {
    let calls = 0;
    const { v, a, e } = setup(
      customLots((hs) => {
        calls++;
        return hs.map(() => 0);
      }),
    );
    setMarks(v, [60, 40]); // equity -1700 + 600 + 800 = -300
    e.check(2);
    expect(calls).toBe(0);
    expect([v.position(a, 0), v.position(a, 1)]).toEqual([0, 0]);
  });

  test("all zero is an empty plan: margin-called, nothing closed, still in liquidation, asked again next tick", () => {
    let calls = 0;
    const { v, a, e } = setup(
      customLots((hs) => {
        calls++;
        return hs.map(() => 0);
      }),
    );
    e.check(2);
    expect([calls, e.stats().marginCalls, e.records.length, v.isFrozen(a)]).toEqual([1, 1, 0, true]);
    v.advance(3);
    e.check(3);
    expect([calls, e.stats().marginCalls, e.records.length, v.isFrozen(a)]).toEqual([2, 2, 0, true]);
  });
});

describe("custom ordering (your own key per holding)", () => {
  const keyed = (key: (h: { instrument: number; q: number }) => unknown) =>
    presets.fullClose({ ordering: { kind: "custom", key: (_v, _a, h) => key(h) as number } });

  test("ascending key, ties by instrument id", () => {
    // largestNotional would close Y (920) first; key -1 for X puts it first
    const { e } = setup(keyed((h) => (h.instrument === 0 ? -1 : 5)));
    e.check(2);
    expect(e.records.map((r) => r.instrument)).toEqual([0, 1]);
    const { e: e2 } = setup(keyed((h) => (h.instrument === 0 ? 5 : -1)));
    e2.check(2);
    expect(e2.records.map((r) => r.instrument)).toEqual([1, 0]);
    const { e: e3 } = setup(keyed(() => 7));
    e3.check(2);
    expect(e3.records.map((r) => r.instrument)).toEqual([0, 1]);
  });

  test("the holdings a custom amount gets are in the custom ordering", () => {
    const seen: number[][] = [];
    const { e } = setup(
      presets.fullClose({
        ordering: { kind: "custom", key: (_v, _a, h) => -h.instrument },
        amount: {
          kind: "custom",
          lots: (_v, _a, hs) => {
            seen.push(hs.map((h) => h.instrument));
            return hs.map(() => 1);
          },
        },
      }),
    );
    e.check(2);
    expect(seen).toEqual([[1, 0]]);
    expect(e.records.map((r) => [r.instrument, r.quantity])).toEqual([
      [1, 1],
      [0, 1],
    ]);
  });

  test("a key that changes the holding it is given throws (the holding is read-only) before any lot is closed", () => {
    const { v, a, e } = setup(
      keyed((h) => {
        h.instrument = 0;
        return 0;
      }),
    );
    expect(() => e.check(2)).toThrow("Cannot assign to read only property 'instrument'");
    expect([v.position(a, 0), v.position(a, 1)]).toEqual([10, 20]);
    expect(e.records.length).toBe(0);
  });

  test.each([
    [Number.NaN, "NaN"],
    [undefined, "undefined"],
    ["1", '"1"'],
    [Number.POSITIVE_INFINITY, "Infinity"],
    [Number.NEGATIVE_INFINITY, "-Infinity"],
  ])("a key of %s fails the step before any lot is closed", (out, shown) => {
    const { v, a, e } = setup(keyed(() => out));
    const before = [v.position(a, 0), v.position(a, 1), v.cash(a), v.totalCash()];
    expect(() => e.check(2)).toThrow(
      `custom ordering failed: ordering.key(venue, account, holding) = ${shown}; allowed: a finite number (for the holding of instrument 0, position 10; ascending keys are closed first, ties by instrument id)`,
    );
    expect([v.position(a, 0), v.position(a, 1), v.cash(a), v.totalCash()]).toEqual(before);
    expect(e.records.length).toBe(0);
  });
});

describe("custom parts in validatePolicySpec", () => {
  const lots = () => [];
  const key = () => 0;
  test.each([
    [
      { amount: { kind: "custom", lots: 3 } },
      "policy.amount.lots = 3; allowed: a function (venue, account, holdings) => an array of lots to close, one integer in [0, |q|] per holding",
    ],
    [
      { amount: { kind: "custom", lots: async () => [] } },
      "policy.amount.lots = a function; allowed: a function (venue, account, holdings) => an array of lots to close, one integer in [0, |q|] per holding, not async",
    ],
    [
      { amount: { kind: "custom", lots: function* () {} } },
      "policy.amount.lots = a function; allowed: a function (venue, account, holdings) => an array of lots to close, one integer in [0, |q|] per holding, not a generator",
    ],
    [
      { amount: { kind: "custom", lots, fraction: 0.5 } },
      "policy.amount.fraction = 0.5; allowed: one of the keys kind, lots",
    ],
    [
      { ordering: { kind: "costum", key } },
      'policy.ordering.kind = "costum"; allowed: "custom" (an ordering written as an object is your own, { kind: "custom", key }; the built-in ones are the words "largestNotional", "mostLiquid", "worstPnl", "proRata")',
    ],
    [
      { ordering: { kind: "custom", key: "volatility" } },
      'policy.ordering.key = "volatility"; allowed: a function (venue, account, holding) => a finite number (ascending: closed first)',
    ],
    [
      { ordering: { kind: "custom", key: async () => 0 } },
      "policy.ordering.key = a function; allowed: a function (venue, account, holding) => a finite number (ascending: closed first), not async",
    ],
    [
      { ordering: { kind: "custom", key, by: 1 } },
      "policy.ordering.by = 1; allowed: one of the keys kind, key",
    ],
    [
      { ordering: "mostVolatile" },
      'policy.ordering = "mostVolatile"; allowed: one of "largestNotional", "mostLiquid", "worstPnl", "proRata" or { kind: "custom", key: (venue, account, holding) => number }',
    ],
    [
      { trigger: { kind: "custom", test: async () => true } },
      "policy.trigger.test = a function; allowed: a function (venue, account) => boolean, not async",
    ],
  ])("%j is refused", (over, message) => {
    expect(() => validatePolicySpec("policy", { ...presets.fullClose(), ...over })).toThrow(
      `invalid liquidation policy: ${message}`,
    );
  });
  test("a custom amount and ordering are accepted, as given", () => {
    const p = presets.fullClose({ amount: { kind: "custom", lots }, ordering: { kind: "custom", key } });
    expect(validatePolicySpec("policy", p)).toBe(p);
  });
});
