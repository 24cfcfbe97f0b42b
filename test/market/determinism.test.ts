import { Rng, RunLoop } from "@cascade/core";
import { BUY, connectVenue, SELL, Venue } from "@cascade/market";
import { describe, expect, it } from "vitest";

/** A small seeded market on the RunLoop: random traders placing limit/market orders around the mark. */
function run(seed: number, ticks = 2000): { log: string; fills: number } {
  const root = Rng.fromSeed(seed);
  const loop = new RunLoop({ rng: root.split("order") });
  const venue = new Venue({
    instruments: [
      { symbol: "AAA", initialPrice: 1000, margin: { initial: 0.2, maintenance: 0.1 } },
      { symbol: "BBB", initialPrice: 250, contractValue: 4 },
    ],
    fees: { makerBps: 1, takerBps: 5 },
    mark: { kind: "ema", emaAlpha: 0.2 },
  });
  connectVenue(loop, venue);
  const out: string[] = [];
  let fills = 0;
  venue.fills$.subscribe((f) => {
    fills++;
    out.push(
      `F${f.tick},${f.instrument},${f.price},${f.quantity},${f.buyer},${f.seller},${f.makerFee},${f.takerFee}`,
    );
  });
  venue.marks$.subscribe((m) => out.push(`M${m.tick},${m.instrument},${m.mark}`));
  for (let k = 0; k < 12; k++) {
    const rng = root.split("trader").split(k);
    const account = venue.openAccount(`t${k}`);
    venue.deposit(account, 2_000_000);
    loop.scheduler.add(
      () => {
        const i = rng.int(2);
        const side = rng.bernoulli(0.5) ? BUY : SELL;
        const mark = Math.round(venue.mark(i));
        const open = venue.openOrders(account);
        if (open.length > 4) venue.cancel(account, open[0]);
        if (rng.bernoulli(0.2)) {
          const q = Math.min(1 + rng.int(5), venue.maxOrderQuantity(account, i, side, mark));
          if (q > 0) venue.submit({ account, instrument: i, side, quantity: q, type: "market" });
        } else {
          const price = mark - side * (1 + rng.int(8)) + rng.int(3);
          const q = Math.min(1 + rng.int(10), venue.maxOrderQuantity(account, i, side, price));
          if (q > 0) venue.submit({ account, instrument: i, side, quantity: q, type: "limit", price });
        }
      },
      { kind: "poisson", rate: 0.3 },
      0,
      rng.split("activation"),
    );
  }
  loop.run(ticks);
  expect(venue.totalCash()).toBe(venue.totalDeposits);
  expect(venue.totalPosition(0)).toBe(0);
  expect(venue.totalPosition(1)).toBe(0);
  return { log: out.join("\n"), fills };
}

describe("determinism", () => {
  it("same seed gives identical bytes; a different seed differs", () => {
    const a = run(42);
    const b = run(42);
    const c = run(43);
    expect(a.fills).toBeGreaterThan(500);
    expect(a.log.length).toBeGreaterThan(10_000);
    expect(a.log === b.log).toBe(true);
    expect(a.log === c.log).toBe(false);
  });
});
