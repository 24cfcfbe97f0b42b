/**
 * The venue's own cost around its order books: accounts requoting as the agents do (cancelAll of
 * their instrument, then each quote checked with marginAllows and placed with submit), a taker's
 * small market orders filling some quotes, timed against the same order stream on bare OrderBooks
 * with a no-op listener. The ratio (venue / book) is the bookkeeping's weight: margin checks, the
 * ledger of resting quantities, the per-account order lists and the active-instrument lists. Both
 * are timed in CPU time, in alternating blocks of one process, so the ratio holds on a loaded host.
 *
 *   npx tsx test/bench/venue.ts (after `pnpm build`; it runs the built packages)   (BENCH_REPS=n blocks, default 15; BENCH_STEPS=n requotes per block, default 20,000)
 */
import {
  type BookListener,
  BUY,
  OrderBook,
  type OrderRequest,
  type OrderResult,
  SELL,
  type Side,
  Venue,
} from "@cascade/market";
import { mulberry32 } from "../market/reference-book.js";

const reps = Number(process.env.BENCH_REPS ?? 15);
const N_INSTRUMENTS = 3;
const N_MAKERS = 120;
const QUOTES = 4; // per side
const STEPS = Number(process.env.BENCH_STEPS ?? 20_000); // requotes per block
const MID = 100_000;

// The stream, drawn up front: step s requotes maker s % N_MAKERS around a jittered mid.
const rnd = mulberry32(7);
const jitter = new Int32Array(STEPS);
const takeSide = new Int8Array(STEPS); // 0: no take this step
for (let s = 0; s < STEPS; s++) {
  jitter[s] = Math.floor(rnd() * 9) - 4;
  takeSide[s] = s % 4 === 0 ? (rnd() < 0.5 ? BUY : SELL) : 0;
}
/** Maker m quotes instrument m % 3; every fifth maker also quotes the next one (two books). */
const instrumentOf = (m: number, s: number) =>
  m % 5 === 0 && s % 2 === 1 ? (m + 1) % N_INSTRUMENTS : m % N_INSTRUMENTS;

function venueBlock(): () => number {
  const venue = new Venue({
    instruments: Array.from({ length: N_INSTRUMENTS }, (_, i) => ({ symbol: `I${i}`, initialPrice: MID })),
    fees: { makerBps: 1, takerBps: 5 },
  });
  const makers = Array.from({ length: N_MAKERS }, (_, m) => {
    const a = venue.openAccount(`maker ${m}`);
    venue.deposit(a, 1e11);
    return a;
  });
  const taker = venue.openAccount("taker", { marginExempt: true });
  const order: OrderRequest = { account: 0, instrument: 0, side: BUY, quantity: 5, type: "limit", price: 0 };
  const take: OrderRequest = { account: taker, instrument: 0, side: BUY, quantity: 12, type: "market" };
  const out: OrderResult = { orderId: 0, filled: 0, resting: 0, notional: 0, averagePrice: 0 };
  return () => {
    let placed = 0;
    for (let s = 0; s < STEPS; s++) {
      const m = s % N_MAKERS;
      const a = makers[m];
      const i = instrumentOf(m, s);
      venue.cancelAll(a, i);
      order.account = a;
      order.instrument = i;
      for (let l = 0; l < QUOTES; l++) {
        for (let k = 0; k < 2; k++) {
          const side: Side = k === 0 ? BUY : SELL;
          const price = side === BUY ? MID - 5 - 2 * l + jitter[s] : MID + 5 + 2 * l + jitter[s];
          if (!venue.marginAllows(a, i, side, 5, price)) continue;
          order.side = side;
          order.price = price;
          venue.submit(order, out);
          placed++;
        }
      }
      if (takeSide[s] !== 0) {
        take.instrument = i;
        take.side = takeSide[s] as Side;
        venue.submit(take, out);
      }
    }
    return placed;
  };
}

class Silent implements BookListener {
  onFill(): void {}
  onCancel(): void {}
  onRest(): void {}
}

function bookBlock(): () => number {
  const books = Array.from(
    { length: N_INSTRUMENTS },
    () => new OrderBook({ minPrice: 1, maxPrice: 4 * MID, listener: new Silent() }),
  );
  // each maker's quotes (on up to two books) as (book, id); filled ones are skipped at cancel time (has)
  const SLOTS = 4 * QUOTES;
  const ids = new Float64Array(N_MAKERS * SLOTS);
  const ins = new Int8Array(N_MAKERS * SLOTS);
  const count = new Int32Array(N_MAKERS);
  let nextId = 1;
  return () => {
    let placed = 0;
    for (let s = 0; s < STEPS; s++) {
      const m = s % N_MAKERS;
      const i = instrumentOf(m, s);
      const base = m * SLOTS;
      let kept = 0;
      for (let k = 0; k < count[m]; k++) {
        const b = books[ins[base + k]];
        const id = ids[base + k];
        if (ins[base + k] !== i) {
          ids[base + kept] = id;
          ins[base + kept++] = ins[base + k];
        } else if (b.has(id)) b.cancel(id);
      }
      count[m] = kept;
      for (let l = 0; l < QUOTES; l++) {
        for (let k = 0; k < 2; k++) {
          const side: Side = k === 0 ? BUY : SELL;
          const price = side === BUY ? MID - 5 - 2 * l + jitter[s] : MID + 5 + 2 * l + jitter[s];
          const id = nextId++;
          books[i].limit(id, m, side, price, 5);
          if (count[m] < SLOTS) {
            ids[base + count[m]] = id;
            ins[base + count[m]++] = i;
          }
          placed++;
        }
      }
      if (takeSide[s] !== 0) books[i].market(nextId++, N_MAKERS, takeSide[s] as Side, 12);
    }
    return placed;
  };
}

/** CPU time of the process (user + system), not wall time: time the host gives other processes does not count. */
function time(f: () => number): { ns: number; placed: number } {
  const t0 = process.cpuUsage();
  const placed = f();
  const t = process.cpuUsage(t0);
  return { ns: ((t.user + t.system) * 1e3) / placed, placed };
}

// Fresh venue and books per block (the same stream), both warmed by a first block.
time(venueBlock());
time(bookBlock());
let bestVenue = Number.POSITIVE_INFINITY;
let bestBook = Number.POSITIVE_INFINITY;
let placedVenue = 0;
for (let r = 0; r < reps; r++) {
  const v = time(venueBlock());
  const b = time(bookBlock());
  bestVenue = Math.min(bestVenue, v.ns);
  bestBook = Math.min(bestBook, b.ns);
  placedVenue = v.placed;
}
console.log(
  `venue ns_per_quote=${bestVenue.toFixed(0)} book_ns_per_quote=${bestBook.toFixed(0)} ratio=${(bestVenue / bestBook).toFixed(2)} (${N_MAKERS} makers x ${2 * QUOTES} quotes on ${N_INSTRUMENTS} instruments, ${STEPS} requotes and ${STEPS / 4} takes per block, ${placedVenue} quotes placed; best of ${reps} blocks each, alternating)`,
);
