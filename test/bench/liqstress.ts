/**
 * Liquidation engine under moving prices: the per-account evaluation and the execution, not the skip.
 *
 *   npx tsx test/bench/liqstress.ts   (after `pnpm build`: it runs the built packages;
 *                                      LIQ_ACCOUNTS=..., LIQ_TICKS=..., LIQ_SD=... change the size)
 *
 * The `liq` bench's calm prices cross no account's bound, so its check only peeks at the heaps.
 * Here 20,000 leveraged accounts (2x-9.9x, long or short 1-4 of 4 instruments against one
 * margin-exempt maker) live through a volatile market: each tick every oracle mark moves by a
 * normal relative step of sd 0.6% (LIQ_SD), so every tick many accounts' bounds are crossed and
 * they are rechecked, and over the run a share of them fall under maintenance and are closed
 * (presets.fullClose: a market sweep bounded at 5%) through thin books: the maker requotes each
 * tick a ladder of 40 levels a side, 30 lots a level, one tick apart around the oracle price.
 *
 * Timed per tick: engine.check(t) as a whole, split in three by wrapping methods of these two
 * objects: execution (the venue's submitLiquidationOrder: the sweeps through the book, and
 * cancelAll of a margin-called account's orders), steps (the engine's private liquidate: a margin
 * call's plan, records, penalties, the waterfall, minus the execution within it) and evaluation
 * (the rest: heap pops, each candidate's trigger test, the bounds pushed back).
 * Prints the check's cost per tick, the evaluation's per rechecked account, and the three shares. Every account a
 * full scan finds below maintenance before a check must be margin-called by it (mismatches = 0;
 * the thin books may leave it open until a later tick, so records are not the test).
 *
 * That full scan (engine.fullScan: the trigger test of every account with a position) is timed too,
 * as the same-run reference the absolute times lack on a shared host: check_ratio_vs_full_scan is the
 * whole check against it (as in the `liq` bench, but under stress), evaluation_ratio_vs_full_scan
 * only the part a full scan replaces (steps and execution are paid either way).
 */
import { Rng, RunLoop } from "@cascade/core";
import { LiquidationEngine, presets } from "@cascade/liquidation";
import { BUY, type OrderRequest, type OrderResult, SELL, Venue } from "@cascade/market";

const N = Number(process.env.LIQ_ACCOUNTS ?? 20_000);
const TICKS = Number(process.env.LIQ_TICKS ?? 200);
const SD = Number(process.env.LIQ_SD ?? 0.006);
const N_INST = 4;
const PRICE = 10_000;
const LADDER = 40;
const LOTS_PER_LEVEL = 30;

const rng = Rng.fromSeed("liq-stress-bench");
const venue = new Venue({
  instruments: Array.from({ length: N_INST }, (_, i) => ({ symbol: `I${i}`, initialPrice: PRICE })),
  mark: { kind: "oracle" },
});
const mk = venue.openAccount("maker", { marginExempt: true });
venue.deposit(mk, 1e14);

/** The maker's thin ladder around `price`: cancels what it had on instrument i and quotes again. */
function requote(i: number, price: number): void {
  venue.cancelAll(mk, i);
  const p = Math.round(price);
  for (let k = 0; k < LADDER; k++) {
    venue.submit({
      account: mk,
      instrument: i,
      side: SELL,
      quantity: LOTS_PER_LEVEL,
      type: "limit",
      price: p + 1 + k,
    });
    venue.submit({
      account: mk,
      instrument: i,
      side: BUY,
      quantity: LOTS_PER_LEVEL,
      type: "limit",
      price: p - 1 - k,
    });
  }
}

// Accounts open their positions against a deep quote at PRICE (thin books only from the first tick).
for (let i = 0; i < N_INST; i++) {
  venue.submit({ account: mk, instrument: i, side: SELL, quantity: 1e9, type: "limit", price: PRICE });
  venue.submit({ account: mk, instrument: i, side: BUY, quantity: 1e9, type: "limit", price: PRICE - 1 });
}
for (let k = 0; k < N; k++) {
  const a = venue.openAccount();
  const held = 1 + rng.int(N_INST);
  const lev = rng.between(2, 9.9);
  const lots = 1 + rng.int(20);
  venue.deposit(a, Math.ceil((held * lots * PRICE) / lev));
  const start = rng.int(N_INST);
  for (let j = 0; j < held; j++) {
    const side = rng.bernoulli(0.5) ? BUY : SELL;
    venue.submit({ account: a, instrument: (start + j) % N_INST, side, quantity: lots, type: "market" });
  }
}
const loop = new RunLoop({ rng: rng.split("loop") });
const engine = new LiquidationEngine({ venue, loop, policy: presets.fullClose(), rng: rng.split("liq") });
const marks = Array.from({ length: N_INST }, () => PRICE);
for (let i = 0; i < N_INST; i++) requote(i, PRICE);
engine.check(1); // the first check evaluates every account and pushes its bounds: not timed

// Execution: the venue's work for the engine's orders and cancels, timed on this venue only.
let inCheck = false;
let execMs = 0;
let sweeps = 0;
const submitLiq = venue.submitLiquidationOrder.bind(venue);
venue.submitLiquidationOrder = (order: OrderRequest, out?: OrderResult): OrderResult => {
  const t0 = performance.now();
  try {
    return submitLiq(order, out);
  } finally {
    execMs += performance.now() - t0;
    sweeps++;
  }
};
const cancelAll = venue.cancelAll.bind(venue);
venue.cancelAll = (account: number, instrument?: number): number => {
  if (!inCheck) return cancelAll(account, instrument);
  const t0 = performance.now();
  try {
    return cancelAll(account, instrument);
  } finally {
    execMs += performance.now() - t0;
  }
};

// Margin calls of the check under way: each account the full scan found must be among them (the
// thin book may leave one unclosed, with no record, but never unchecked).
const called = new Set<number>();
engine.marginCalls$.subscribe((c) => called.add(c.account));

// The engine's step (private: reached through an untyped view; it is looked up on the instance).
let stepMs = 0;
let steps = 0;
const eng = engine as unknown as { liquidate: (...args: unknown[]) => void };
const liquidate = eng.liquidate.bind(engine);
eng.liquidate = (...args: unknown[]): void => {
  const t0 = performance.now();
  try {
    liquidate(...args);
  } finally {
    stepMs += performance.now() - t0;
    steps++;
  }
};

let checkMs = 0;
let fullMs = 0;
let rechecked = 0;
let mismatches = 0;
const before0 = engine.records.length;
for (let t = 2; t < TICKS + 2; t++) {
  for (let i = 0; i < N_INST; i++) {
    marks[i] *= 1 + rng.normal(0, SD);
    venue.setOraclePrice(i, marks[i]);
    requote(i, marks[i]);
  }
  venue.advance(t);
  venue.updateMarks();
  const f0 = performance.now();
  const liquidatable = engine.fullScan();
  fullMs += performance.now() - f0;
  called.clear();
  inCheck = true;
  const t0 = performance.now();
  engine.check(t);
  checkMs += performance.now() - t0;
  inCheck = false;
  rechecked += engine.lastChecked;
  if (called.size < liquidatable) mismatches++;
}
const records = engine.records.length - before0;
const liquidated = new Set(engine.records.slice(before0).map((r) => r.account)).size;
// cancelAll runs inside liquidate; a slice's or an auction's execution would not (fullClose has neither)
const evalMs = checkMs - stepMs;
const share = (ms: number) => (ms / checkMs).toFixed(3);
console.log(
  `liqstress accounts=${N} instruments=${N_INST} ticks=${TICKS} sd=${SD} rechecked_per_tick=${(rechecked / TICKS).toFixed(1)} margin_calls=${steps} liquidated_accounts=${liquidated} (${((100 * liquidated) / N).toFixed(1)}%) records=${records} liquidation_orders=${sweeps} mismatches=${mismatches}`,
);
console.log(
  `liqstress check_ms_per_tick=${(checkMs / TICKS).toFixed(3)} evaluation_us_per_recheck=${((1000 * evalMs) / rechecked).toFixed(2)} step_us=${steps === 0 ? "n/a" : ((1000 * stepMs) / steps).toFixed(1)} share_evaluation=${share(evalMs)} share_steps=${share(stepMs - execMs)} share_execution=${share(execMs)}`,
);
console.log(
  `liqstress full_scan_ms_per_tick=${(fullMs / TICKS).toFixed(3)} check_ratio_vs_full_scan=${(checkMs / fullMs).toFixed(3)} evaluation_ratio_vs_full_scan=${(evalMs / fullMs).toFixed(3)}`,
);
if (mismatches > 0 || rechecked === 0 || liquidated === 0) process.exitCode = 1;
