/**
 * A custom trigger cannot be bounded: the check tests it for every account holding a position,
 * every tick (the liquidation README's contract). So it pushes no trigger prices into the bounded
 * check's heaps: they would only go stale before the next tick's full scan.
 */
import { presets } from "@cascade/liquidation";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TriggerHeap } from "../../packages/liquidation/src/heap.js";
import { engineFor, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** 30 traders long or short X and Y (2,000 of notional) on 220 to 800 of cash against a maker; X and Y then move. */
function run(trigger: "custom" | "maintenance") {
  const venue = twoAssetVenue();
  const m = maker(venue);
  const traders: number[] = [];
  for (let k = 0; k < 30; k++) {
    const a = venue.openAccount(`t${k}`);
    venue.deposit(a, 220 + 20 * k);
    open(venue, a, m, 0, k % 2 === 0 ? 10 : -10, 100);
    open(venue, a, m, 1, k % 3 === 0 ? -20 : 20, 50);
    traders.push(a);
  }
  // the test is called once per account and check here (whileLiquidating "free": no second call)
  const tested: number[][] = [];
  const policy = presets.closeFactor({
    maxSlippage: 1,
    ...(trigger === "custom"
      ? {
          trigger: {
            kind: "custom" as const,
            test: (v: typeof venue, a: number) => {
              tested[tested.length - 1].push(a);
              return v.marginRatio(a) < 3;
            },
          },
        }
      : {}),
  });
  const e = engineFor(venue, policy);
  const pushes = vi.spyOn(TriggerHeap.prototype, "push");
  const called: number[][] = [];
  e.marginCalls$.subscribe((c) => called[called.length - 1].push(c.account));
  const holding: number[][] = [];
  const path = [
    [100, 50],
    [99, 51],
    [97, 52],
    [98, 50],
    [101, 49],
  ];
  for (let t = 1; t <= path.length; t++) {
    setMarks(venue, path[t - 1]);
    venue.advance(t);
    holding.push([...venue.accountsWithPositions()].sort((x, y) => x - y));
    tested.push([]);
    called.push([]);
    e.check(t);
  }
  return { e, pushes: pushes.mock.calls.length, tested, called, holding };
}

describe("a custom trigger's check", () => {
  it("pushes no trigger prices, and still tests every account holding a position once per tick", () => {
    const { pushes, tested, called, holding } = run("custom");
    expect(pushes).toBe(0);
    // in ascending account order, every account holding a position at the check (the maker too)
    expect(tested).toEqual(holding);
    expect(called.flat().length).toBeGreaterThan(0);
  });

  it("(a built-in trigger pushes its bounds)", () => {
    expect(run("maintenance").pushes).toBeGreaterThan(0);
  });
});
