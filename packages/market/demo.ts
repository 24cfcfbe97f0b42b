/**
 * Seeded demo of the venue: `npx tsx packages/market/demo.ts [seed]`.
 * Two instruments, a few dozen random traders placing limit/market orders around the mark,
 * and two leveraged accounts; prints what happened. Same seed => same output.
 */
import { Rng, RunLoop } from "@cascade/core";
import { BUY, connectVenue, SELL, type Side, Venue } from "./src/index.js";

const seed = Number(process.argv[2] ?? 1);
const TICKS = 3000;
const root = Rng.fromSeed(seed);
const loop = new RunLoop({ rng: root.split("order") });
const venue = new Venue({
  instruments: [
    { symbol: "ETH", initialPrice: 2000, contractValue: 1, margin: { initial: 0.1, maintenance: 0.05 } },
    { symbol: "SOL", initialPrice: 150, contractValue: 10, margin: { initial: 0.2, maintenance: 0.1 } },
  ],
  fees: { makerBps: 1, takerBps: 5 },
  mark: { kind: "ema", emaAlpha: 0.3 },
});
connectVenue(loop, venue);

const n = venue.instruments.length;
const trades = new Array<number>(n).fill(0);
const volume = new Array<number>(n).fill(0);
const lo = venue.instruments.map((i) => i.initialPrice);
const hi = venue.instruments.map((i) => i.initialPrice);
venue.fills$.subscribe((f) => {
  trades[f.instrument]++;
  volume[f.instrument] += f.quantity;
  lo[f.instrument] = Math.min(lo[f.instrument], f.price);
  hi[f.instrument] = Math.max(hi[f.instrument], f.price);
});

// Random traders: Poisson arrivals, limit orders a few ticks around the mark, sometimes market orders.
for (let k = 0; k < 40; k++) {
  const rng = root.split("trader").split(k);
  const account = venue.openAccount(`noise${k}`);
  venue.deposit(account, 5_000_000);
  const drift = rng.normal(0, 0.02); // each trader leans a little
  loop.scheduler.add(
    () => {
      const i = rng.int(n);
      const side: Side = rng.bernoulli(0.5 + drift) ? BUY : SELL;
      const mark = Math.round(venue.mark(i));
      const open = venue.openOrders(account);
      if (open.length > 3) venue.cancel(account, open[0]);
      const spread = Math.max(1, Math.round(mark * 0.002));
      const market = rng.bernoulli(0.15);
      const price = market ? mark : mark - side * spread * (rng.int(6) - 1); // k = -1 crosses the mark
      const q = Math.min(1 + rng.int(20), venue.maxOrderQuantity(account, i, side, price));
      if (q <= 0) return;
      if (market) venue.submit({ account, instrument: i, side, quantity: q, type: "market" });
      else venue.submit({ account, instrument: i, side, quantity: q, type: "limit", price });
    },
    { kind: "poisson", rate: 0.4 },
    0,
    rng.split("activation"),
  );
}

// Two leveraged accounts: build a long ETH / short SOL book once the market has depth.
const levered = [venue.openAccount("levered-long-ETH"), venue.openAccount("levered-short-SOL")];
venue.deposit(levered[0], 100_000);
venue.deposit(levered[1], 100_000);
loop.scheduler.add(
  () => {
    const [a, b] = levered;
    const qa = venue.maxOrderQuantity(a, 0, BUY, Math.round(venue.mark(0)));
    if (qa > 0)
      venue.submit({ account: a, instrument: 0, side: BUY, quantity: Math.floor(qa * 0.8), type: "market" });
    const qb = venue.maxOrderQuantity(b, 1, SELL, Math.round(venue.mark(1)));
    if (qb > 0)
      venue.submit({ account: b, instrument: 1, side: SELL, quantity: Math.floor(qb * 0.8), type: "market" });
  },
  { kind: "once", at: 200 },
);

loop.run(TICKS);

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
console.log(`Cascade venue demo  seed=${seed}  ticks=${TICKS}  accounts=${venue.accountCount()}`);
for (const ins of venue.instruments) {
  const b = venue.book(ins.id);
  console.log(
    `${ins.symbol.padEnd(4)} trades=${trades[ins.id]} volume=${volume[ins.id]} range=[${lo[ins.id]}, ${hi[ins.id]}] ` +
      `mid=${fmt(b.mid(), 1)} mark=${fmt(venue.mark(ins.id))} bid=${b.bestBid()} ask=${b.bestAsk()} resting=${b.orderCount()}`,
  );
}
for (const a of levered) {
  console.log(
    `${venue.label(a).padEnd(18)} equity=${fmt(venue.equity(a), 0)} leverage=${fmt(venue.leverage(a))} ` +
      `marginRatio=${fmt(venue.marginRatio(a))} distanceToLiq=${fmt(venue.distanceToLiquidation(a) * 100)}% ` +
      `liquidatable=${venue.isLiquidatable(a)}`,
  );
}
console.log(`fees collected: ${venue.cash(venue.feeAccount)}`);
const ok =
  venue.totalCash() === venue.totalDeposits &&
  venue.instruments.every((i) => venue.totalPosition(i.id) === 0);
console.log(
  `conservation: totalCash=${venue.totalCash()} totalDeposits=${venue.totalDeposits} ` +
    `positions=[${venue.instruments.map((i) => venue.totalPosition(i.id)).join(", ")}] ${ok ? "OK" : "VIOLATED"}`,
);
if (!ok) process.exitCode = 1;
