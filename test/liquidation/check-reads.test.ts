import { presets } from "@cascade/liquidation";
import { BUY, type OrderRequest, type OrderResult, SELL, Venue } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deepMaker, engineFor, maker, open, setMarks, TIERED_X, twoAssetVenue } from "./helpers.js";

/**
 * X (100, tiered above 2,000 notional), Y (50, contract value 3) and Z (20); oracle marks; a
 * margin-exempt maker quoting 10,000 lots a price around each start price.
 */
function threeAssetVenue(): Venue {
  const venue = new Venue({
    instruments: [
      TIERED_X,
      { symbol: "Y", initialPrice: 50, contractValue: 3 },
      { symbol: "Z", initialPrice: 20 },
    ],
    mark: { kind: "oracle" },
  });
  deepMaker(venue);
  return venue;
}

/** Per trader: lots of X, Y, Z (opened in the order given by `first`), a resting bid on Z, margin. */
const traderSpec = fc.tuple(
  fc.integer({ min: -40, max: 40 }),
  fc.integer({ min: -40, max: 40 }),
  fc.integer({ min: -60, max: 60 }),
  fc.integer({ min: 0, max: 2 }),
  fc.boolean(),
  fc.double({ min: 0.25, max: 0.6, noNaN: true }),
);
const marksSpec = fc.tuple(
  fc.double({ min: 60, max: 140, noNaN: true }),
  fc.double({ min: 30, max: 70, noNaN: true }),
  fc.double({ min: 12, max: 28, noNaN: true }),
);

function openTraders(
  venue: Venue,
  specs: ReadonlyArray<typeof traderSpec extends fc.Arbitrary<infer T> ? T : never>,
): number[] {
  const traders: number[] = [];
  for (const [qx, qy, qz, first, rests, margin] of specs) {
    const lots = [qx, qy, qz];
    const a = venue.openAccount("trader");
    venue.deposit(a, Math.ceil((Math.abs(qx) * 101 + Math.abs(qy) * 153 + Math.abs(qz) * 21) * margin) + 10);
    if (rests) venue.submit({ account: a, instrument: 2, side: BUY, quantity: 1, type: "limit", price: 2 });
    for (let k = 0; k < 3; k++) {
      const i = (first + 2 * k) % 3; // X Z Y, Y X Z or Z Y X
      if (lots[i] === 0) continue;
      const side = lots[i] > 0 ? BUY : SELL;
      venue.submit({ account: a, instrument: i, side, quantity: Math.abs(lots[i]), type: "market" });
    }
    traders.push(a);
  }
  return traders;
}

function moveMarks(venue: Venue, mx: number, my: number, mz: number): void {
  venue.setOraclePrice(0, mx);
  venue.setOraclePrice(1, my);
  venue.setOraclePrice(2, mz);
  venue.advance(1);
  venue.updateMarks();
}

describe("the check reads an account's equity and maintenance in one pass", () => {
  it("calls neither venue.equity nor venue.maintenanceRequirement for the accounts it evaluates", () => {
    const venue = twoAssetVenue();
    const m = maker(venue);
    const traders: number[] = [];
    for (let k = 0; k < 20; k++) {
      const a = venue.openAccount(`t${k}`);
      venue.deposit(a, 100_000);
      open(venue, a, m, 1, k % 3 === 0 ? -20 : 20, 50);
      open(venue, a, m, 0, k % 2 === 0 ? 10 : -10, 100);
      traders.push(a);
    }
    const e = engineFor(venue, presets.fullClose({ maxSlippage: 1 }));
    let reads = 0;
    const equity = venue.equity.bind(venue);
    const maintenance = venue.maintenanceRequirement.bind(venue);
    venue.equity = (a) => {
      reads++;
      return equity(a);
    };
    venue.maintenanceRequirement = (a) => {
      reads++;
      return maintenance(a);
    };
    e.check(1);
    // the traders and the maker: each evaluated, none read through the venue's two extra passes
    expect(e.lastChecked).toBe(traders.length + 1);
    expect(e.stats().marginCalls).toBe(0);
    expect(reads).toBe(0);
  });

  it("margin-calls with the venue's equity and maintenance to the last bit, whatever order the positions were opened in", () => {
    fc.assert(
      fc.property(fc.array(traderSpec, { minLength: 1, maxLength: 8 }), marksSpec, (specs, [mx, my, mz]) => {
        const venue = threeAssetVenue();
        const traders = openTraders(venue, specs);
        const e = engineFor(venue, presets.fullClose({ maxSlippage: 1 }));
        moveMarks(venue, mx, my, mz);
        const expected = new Map<number, [number, number]>();
        for (const a of traders) {
          const eq = venue.equity(a);
          const mm = venue.maintenanceRequirement(a);
          if (eq < mm) expected.set(a, [eq, mm]);
        }
        const called = new Map<number, [number, number]>();
        e.marginCalls$.subscribe((c) => called.set(c.account, [c.equity, c.maintenance]));
        e.check(1);
        expect(called).toEqual(expected);
      }),
      { numRuns: 200, seed: 26 },
    );
  });
});

describe("a health-factor trigger is tested from the same one pass", () => {
  it("calls neither venue.healthFactorBelow nor venue.healthFactor for the accounts it evaluates", () => {
    const venue = threeAssetVenue();
    const traders = openTraders(venue, [
      [10, -20, 0, 0, false, 0.3],
      [-10, 5, 30, 1, true, 0.4],
      [0, 0, -40, 2, false, 0.5],
    ]);
    const e = engineFor(
      venue,
      presets.fullClose({ maxSlippage: 1, trigger: { kind: "healthFactor", below: 1.05 } }),
    );
    let reads = 0;
    const below = venue.healthFactorBelow.bind(venue);
    const hf = venue.healthFactor.bind(venue);
    venue.healthFactorBelow = (a, x) => {
      reads++;
      return below(a, x);
    };
    venue.healthFactor = (a) => {
      reads++;
      return hf(a);
    };
    e.check(1);
    expect(e.lastChecked).toBe(traders.length + 1);
    expect(e.stats().marginCalls).toBe(0);
    expect(reads).toBe(0);
  });

  it("margin-calls exactly the accounts venue.healthFactorBelow names, at a threshold on one's health factor to the last bit", () => {
    // the threshold is a trader's own health factor, or the next double above or below it: an
    // account exactly there is called only when its factor, as the venue computes it, is below
    const nudge = fc.constantFrom(-1, 0, 1);
    fc.assert(
      fc.property(
        fc.array(traderSpec, { minLength: 1, maxLength: 8 }),
        marksSpec,
        fc.nat(),
        nudge,
        fc.double({ min: 0.5, max: 1.5, noNaN: true }),
        (specs, [mx, my, mz], pick, step, fallback) => {
          const venue = threeAssetVenue();
          const traders = openTraders(venue, specs);
          moveMarks(venue, mx, my, mz);
          const at = venue.healthFactor(traders[pick % traders.length]);
          let x = Number.isFinite(at) && at > 0 ? at : fallback;
          if (step !== 0) x = nextDouble(x, step);
          const e = engineFor(
            venue,
            presets.fullClose({ maxSlippage: 1, trigger: { kind: "healthFactor", below: x } }),
          );
          const expected = new Map<number, [number, number]>();
          for (const a of traders) {
            if (venue.healthFactorBelow(a, x))
              expected.set(a, [venue.equity(a), venue.maintenanceRequirement(a)]);
          }
          const called = new Map<number, [number, number]>();
          e.marginCalls$.subscribe((c) => called.set(c.account, [c.equity, c.maintenance]));
          e.check(1);
          expect(called).toEqual(expected);
        },
      ),
      { numRuns: 300, seed: 27 },
    );
  });
});

describe("under whileLiquidating frozen, the check asks the venue whether an account is frozen only for accounts in liquidation", () => {
  it("asks once for the account it margin-calls and once for its release, never for the healthy ones", () => {
    const venue = twoAssetVenue();
    const m = maker(venue);
    const healthy: number[] = [];
    for (let k = 0; k < 20; k++) {
      const a = venue.openAccount(`t${k}`);
      venue.deposit(a, 100_000);
      open(venue, a, m, 0, k % 2 === 0 ? 10 : -10, 100);
      healthy.push(a);
    }
    // long 100 X at 100 on 600: X at 96 puts it below maintenance (equity 200 < 480), and without
    // bids within the 1% bound it stays open and frozen
    const risky = venue.openAccount("risky", { marginExempt: true });
    venue.deposit(risky, 600);
    open(venue, risky, m, 0, 100, 100);
    const e = engineFor(venue, presets.fullClose({ maxSlippage: 0.01, whileLiquidating: "frozen" }));
    const asked: number[] = [];
    const isFrozen = venue.isFrozen.bind(venue);
    venue.isFrozen = (a) => {
      asked.push(a);
      return isFrozen(a);
    };
    setMarks(venue, [96, 50]);
    venue.advance(1);
    e.check(1);
    expect(e.lastChecked).toBe(healthy.length + 2);
    expect(e.stats().marginCalls).toBe(1);
    expect(isFrozen(risky)).toBe(true);
    expect(asked).toEqual([risky]);
    // back to 100 and every account touched: all evaluated again, the risky one released
    asked.length = 0;
    setMarks(venue, [100, 50]);
    for (const a of [...healthy, risky]) {
      venue.transferCash(m, a, 1, "test");
      venue.transferCash(a, m, 1, "test");
    }
    venue.advance(2);
    e.check(2);
    expect(e.lastChecked).toBe(healthy.length + 2);
    expect(isFrozen(risky)).toBe(false);
    expect(asked).toEqual([risky]);
  });
});

/** The next double after x (x > 0) upwards (dir 1) or downwards (dir -1). */
function nextDouble(x: number, dir: number): number {
  const b = new Float64Array([x]);
  const u = new BigInt64Array(b.buffer);
  u[0] += BigInt(dir);
  return b[0];
}

describe("a liquidation sweep allocates no order of its own", () => {
  it("sends every liquidation order in one reused order and result object", () => {
    const venue = twoAssetVenue();
    const m = maker(venue);
    const traders: number[] = [];
    for (let k = 0; k < 4; k++) {
      const a = venue.openAccount(`t${k}`);
      venue.deposit(a, 150);
      open(venue, a, m, 0, 10, 100);
      open(venue, a, m, 1, -10, 50);
      traders.push(a);
    }
    for (let p = 80; p < 100; p++)
      venue.submit({ account: m, instrument: 0, side: BUY, quantity: 100, type: "limit", price: p });
    for (let p = 51; p < 70; p++)
      venue.submit({ account: m, instrument: 1, side: SELL, quantity: 100, type: "limit", price: p });
    const e = engineFor(venue, presets.fullClose({ maxSlippage: 1 }));
    const orders = new Set<OrderRequest>();
    const results = new Set<OrderResult | undefined>();
    const submit = venue.submitLiquidationOrder.bind(venue);
    venue.submitLiquidationOrder = (order, out) => {
      orders.add(order);
      results.add(out);
      return submit(order, out);
    };
    venue.setOraclePrice(0, 90);
    venue.setOraclePrice(1, 55);
    venue.advance(1);
    venue.updateMarks();
    e.check(1);
    // every trader closed in both instruments: 8 orders
    expect(e.stats().liquidations).toBe(2 * traders.length);
    expect(orders.size).toBe(1);
    expect(results.size).toBe(1);
    expect([...results][0]).toBeDefined();
    for (const a of traders) expect([venue.position(a, 0), venue.position(a, 1)]).toEqual([0, 0]);
  });
});
