/**
 * Liquidation engine benchmark: the bounded check vs a full scan, in the same run.
 *
 *   npx tsx test/bench/liq.ts          (after `pnpm build`: it runs the built packages; LIQ_ACCOUNTS=..., LIQ_TICKS=... change the size)
 *
 * 100,000 leveraged accounts (leverage 2x-9.9x, each long or short 1-4 of 4 instruments, opened
 * against one margin-exempt maker) and calm prices: each tick every oracle mark moves by a normal
 * relative step of sd 1e-4. Per tick we time engine.check(t) (the bounded check: heap peeks plus
 * the accounts whose bound was crossed) and engine.fullScan() (trigger test of every account with
 * a position), and print the ratio of the summed times. Both must agree on who is liquidatable.
 */
import { Rng, RunLoop } from "@cascade/core";
import { LiquidationEngine, presets } from "@cascade/liquidation";
import { BUY, SELL, Venue } from "@cascade/market";

const N = Number(process.env.LIQ_ACCOUNTS ?? 100_000);
const TICKS = Number(process.env.LIQ_TICKS ?? 200);
const N_INST = 4;
const PRICE = 10_000;

const rng = Rng.fromSeed("liq-bench");
const venue = new Venue({
  instruments: Array.from({ length: N_INST }, (_, i) => ({ symbol: `I${i}`, initialPrice: PRICE })),
  mark: { kind: "oracle" },
});
const mk = venue.openAccount("maker", { marginExempt: true });
venue.deposit(mk, 1e14);
for (let i = 0; i < N_INST; i++) {
  venue.submit({
    account: mk,
    instrument: i,
    side: SELL,
    quantity: 100_000_000,
    type: "limit",
    price: PRICE,
  });
  venue.submit({
    account: mk,
    instrument: i,
    side: BUY,
    quantity: 100_000_000,
    type: "limit",
    price: PRICE - 1,
  });
}
const t0 = performance.now();
for (let k = 0; k < N; k++) {
  const a = venue.openAccount();
  const held = 1 + rng.int(N_INST);
  const lev = rng.between(2, 9.9);
  const lots = 1 + rng.int(20);
  const notional = held * lots * PRICE;
  venue.deposit(a, Math.ceil(notional / lev));
  const start = rng.int(N_INST);
  for (let j = 0; j < held; j++) {
    const i = (start + j) % N_INST;
    venue.submit({
      account: a,
      instrument: i,
      side: rng.bernoulli(0.5) ? BUY : SELL,
      quantity: lots,
      type: "market",
    });
  }
}
const loop = new RunLoop({ rng: rng.split("loop") });
const engine = new LiquidationEngine({ venue, loop, policy: presets.fullClose(), rng: rng.split("liq") });
const setupMs = performance.now() - t0;
const first = performance.now();
engine.check(1);
const firstMs = performance.now() - first;

const marks = Array.from({ length: N_INST }, () => PRICE);
let bounded = 0;
let full = 0;
let rechecked = 0;
let mismatches = 0;
for (let t = 2; t < TICKS + 2; t++) {
  for (let i = 0; i < N_INST; i++) {
    marks[i] *= 1 + rng.normal(0, 1e-4);
    venue.setOraclePrice(i, marks[i]);
  }
  venue.advance(t);
  venue.updateMarks();
  const before = engine.records.length;
  const f0 = performance.now();
  const liquidatable = engine.fullScan();
  const f1 = performance.now();
  engine.check(t);
  const f2 = performance.now();
  full += f1 - f0;
  bounded += f2 - f1;
  rechecked += engine.lastChecked;
  // every account the full scan found must have been liquidated (a record) by the bounded check
  const liquidatedNow = new Set(engine.records.slice(before).map((r) => r.account)).size;
  if (liquidatedNow < liquidatable) mismatches++;
}
const r = bounded / full;
console.log(`liq check_ratio_vs_full_scan=${r.toFixed(5)}`);
console.log(
  `liq accounts=${N} instruments=${N_INST} ticks=${TICKS} bounded_ms_per_tick=${(bounded / TICKS).toFixed(4)} full_scan_ms_per_tick=${(full / TICKS).toFixed(3)} rechecked_per_tick=${(rechecked / TICKS).toFixed(1)} first_check_ms=${firstMs.toFixed(1)} setup_ms=${setupMs.toFixed(0)} liquidations=${engine.records.length} mismatches=${mismatches}`,
);
if (r > 1 / 20 || mismatches > 0) process.exitCode = 1;
