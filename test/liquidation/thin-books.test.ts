import { type PolicySpec, presets } from "@cascade/liquidation";
import { BUY, SELL } from "@cascade/market";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { engineFor, tieredXYVenue, walkPath } from "./helpers.js";

function world(positions: Array<[number, number, number]>, depth: number, fees: boolean) {
  const venue = tieredXYVenue(fees);
  const maker = venue.openAccount("maker", { marginExempt: true });
  venue.deposit(maker, 1e12);
  const bystander = venue.openAccount("bystander");
  venue.deposit(bystander, 10_000);
  const traders: number[] = [];
  for (const [qx, qy, marginFrac] of positions) {
    const a = venue.openAccount("trader");
    const gross = Math.abs(qx) * 100 + Math.abs(qy) * 150;
    venue.deposit(a, Math.ceil(gross * marginFrac) + 10);
    if (qx !== 0) {
      venue.submit({
        account: maker,
        instrument: 0,
        side: qx > 0 ? SELL : BUY,
        quantity: Math.abs(qx),
        type: "limit",
        price: 100,
      });
      venue.submit({
        account: a,
        instrument: 0,
        side: qx > 0 ? BUY : SELL,
        quantity: Math.abs(qx),
        type: "market",
      });
    }
    if (qy !== 0) {
      venue.submit({
        account: maker,
        instrument: 1,
        side: qy > 0 ? SELL : BUY,
        quantity: Math.abs(qy),
        type: "limit",
        price: 50,
      });
      venue.submit({
        account: a,
        instrument: 1,
        side: qy > 0 ? BUY : SELL,
        quantity: Math.abs(qy),
        type: "market",
      });
    }
    traders.push(a);
  }
  // thin books
  for (let p = 1; p < 100; p += 3)
    venue.submit({ account: maker, instrument: 0, side: BUY, quantity: depth, type: "limit", price: p });
  for (let p = 101; p <= 400; p += 3)
    venue.submit({ account: maker, instrument: 0, side: SELL, quantity: depth, type: "limit", price: p });
  for (let p = 1; p < 50; p += 2)
    venue.submit({ account: maker, instrument: 1, side: BUY, quantity: depth, type: "limit", price: p });
  for (let p = 51; p <= 200; p += 2)
    venue.submit({ account: maker, instrument: 1, side: SELL, quantity: depth, type: "limit", price: p });
  return { venue, traders, maker, bystander };
}

const lots = fc.integer({ min: -40, max: 40 });
const positionsArb = fc.array(fc.tuple(lots, lots, fc.double({ min: 0.15, max: 0.5, noNaN: true })), {
  minLength: 2,
  maxLength: 12,
});
const pathArb = fc.array(
  fc.tuple(
    fc.double({ min: -0.35, max: 0.35, noNaN: true }),
    fc.double({ min: -0.35, max: 0.35, noNaN: true }),
  ),
  { minLength: 1, maxLength: 10 },
);
const policies: Array<() => PolicySpec> = [
  () => presets.fullClose(),
  () => presets.fullClose({ insuranceFund: 300, whenFundEmpty: "socialize" }),
  () => presets.fullClose({ insuranceFund: 100, whenFundEmpty: "adl" }),
  () => presets.closeFactor(),
  () => presets.closeFactor({ ordering: "proRata" }),
  () => presets.restoreToTarget(),
  () => presets.stepwise({ minNotional: 1000, cooldownTicks: 2 }),
  () => presets.stepwise({ minNotional: 1000, cooldownTicks: 2, backstop: null }),
  () => presets.tieredPartial({ insuranceFund: 50 }),
  () => presets.backstopVault({ capital: 500 }),
  () => presets.backstopVault({ price: "mark", penalty: { rate: 0.02, to: "liquidator" } }),
  () =>
    presets.fullClose({ execution: { kind: "sliced", slices: 3, maxSlippage: 0.05 }, whenFundEmpty: "adl" }),
  () => presets.dutchAuction({ durationTicks: 3, whenFundEmpty: "socialize" }),
  () =>
    presets.fullClose({
      penalty: { rate: 0.3, to: "liquidator" },
      ordering: "worstPnl",
      trigger: { kind: "healthFactor", below: 1.05 },
    }),
];

/**
 * Invariants on thin books (1..30 lots every 2-3 ticks), a contract value of 3, taker fees, large
 * moves, keepers taking auctions and every execution and loss path: exact conservation, no
 * position for a cash-only bystander, traders' positions only shrink, the insurance fund never
 * below 0, bad debt = its five parts = the records' sum, penalties = the records' sum, no penalty
 * from a step that ends in a deficit, ADL and
 * backstop prices at the rounded mark, sweeps within their slippage bound, one margin call per
 * account per tick, stepwise cool-downs, and the cause rule recomputed from the records.
 */
describe("invariants on thin books", () => {
  test("thin books: conservation, bad debt decomposition, slippage bound, bystanders untouched", () => {
    fc.assert(
      fc.property(
        positionsArb,
        pathArb,
        fc.integer({ min: 0, max: policies.length - 1 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        (positions, path, pi, depth, fees) => {
          const w = world(positions, depth, fees);
          const policy = policies[pi]();
          const engine = engineFor(w.venue, policy);
          const calls = new Map<string, number>();
          engine.marginCalls$.subscribe((c) => {
            const key = `${c.tick}:${c.account}`;
            calls.set(key, (calls.get(key) ?? 0) + 1);
            expect(calls.get(key)).toBe(1);
          });
          const expectedCause = new Map<number, [number, number]>();
          engine.marginCalls$.subscribe((c) => {
            if (expectedCause.has(c.account) || engine.records.some((r) => r.account === c.account)) return;
            let best = -1;
            let bestC = 0;
            for (let i = 0; i < 2; i++) {
              const q = w.venue.position(c.account, i);
              if (q === 0) continue;
              const m = w.venue.mark(i);
              for (let k = engine.records.length - 1; k >= 0; k--) {
                const r = engine.records[k];
                if (r.instrument !== i || r.quantity === 0 || r.execution === "backstop") continue;
                if (r.tick < c.tick - engine.causeWindow) break;
                if (r.tick >= c.tick || r.account === c.account) continue;
                const move = q > 0 ? r.mark - m : m - r.mark;
                const contrib = Math.abs(q) * w.venue.instruments[i].contractValue * move;
                if (contrib > bestC) {
                  bestC = contrib;
                  best = r.id;
                }
                break;
              }
            }
            expectedCause.set(c.account, [c.tick, best]);
          });
          engine.liquidations$.subscribe((r) => {
            const e = expectedCause.get(r.account);
            if (
              e !== undefined &&
              e[0] === r.tick &&
              engine.records.filter((x) => x.account === r.account).length === 1
            ) {
              expect(r.cause).toBe(e[1]);
            }
          });
          const lastStep = new Map<number, number>();
          engine.liquidations$.subscribe((r) => {
            if (policy.amount.kind !== "stepwise" || r.execution !== "marketSweep") return;
            const prev = lastStep.get(r.account);
            if (prev !== undefined && prev !== r.tick)
              expect(r.tick - prev).toBeGreaterThanOrEqual(policy.amount.cooldownTicks);
            lastStep.set(r.account, r.tick);
          });
          const before = new Map<number, [number, number]>();
          for (const a of w.traders) before.set(a, [w.venue.position(a, 0), w.venue.position(a, 1)]);
          const s0 = "maxSlippage" in policy.execution ? policy.execution.maxSlippage : 1;
          walkPath(w.venue, path, (t) => {
            // a keeper (the margin-exempt maker) takes 1-3 lots of every open auction at any price
            for (const au of [...w.venue.openAuctions()])
              w.venue.takeAuction(au.id, w.maker, 1 + (t % 3), au.side === SELL ? 1e9 : 0);
            engine.check(t);
            expect(w.venue.totalCash()).toBe(w.venue.totalDeposits);
            expect(w.venue.totalPosition(0)).toBe(0);
            expect(w.venue.totalPosition(1)).toBe(0);
            expect(w.venue.position(w.bystander, 0)).toBe(0);
            expect(w.venue.position(w.bystander, 1)).toBe(0);
            expect(w.venue.cash(engine.insuranceFund)).toBeGreaterThanOrEqual(0);
            const s = engine.stats();
            expect(
              s.insuranceDraw + s.adlCovered + s.socializedLoss + s.unrecoveredDebt + s.backstopAbsorbed,
            ).toBe(s.badDebt);
            expect(engine.records.reduce((x, r) => x + r.badDebt, 0)).toBe(s.badDebt);
            expect(engine.records.reduce((x, r) => x + r.penalty, 0)).toBe(s.penalties);
            for (const r of engine.records) {
              if (r.tick !== t) continue;
              if (r.execution === "adl" || r.execution === "backstop") {
                const inst = w.venue.instruments[r.instrument];
                expect(r.price).toBe(Math.max(inst.minPrice, Math.min(inst.maxPrice, Math.round(r.mark))));
                expect(r.notional).toBe(r.price * r.quantity * inst.contractValue);
              }
              if (r.quantity > 0)
                expect(r.penalty).toBeLessThanOrEqual(
                  Math.floor(Math.max(policy.penalty.rate * r.notional, 0) + 1e-9) +
                    (r.execution === "backstop" ? 1e15 : 0),
                );
              // every book execution but the auction fallback is bounded at mark x (1 -+ maxSlippage)
              if (
                (r.execution === "marketSweep" || r.execution === "sliced") &&
                r.quantity > 0 &&
                policy.execution.kind !== "dutchAuction"
              )
                expect(r.slippage).toBeLessThanOrEqual(s0 + 1e-9);
              if (r.cause >= 0) {
                const c = engine.records[r.cause];
                expect(c.id).toBe(r.cause);
                expect(r.generation).toBe(c.generation + 1);
                expect(r.cascadeId).toBe(c.cascadeId);
                expect(c.tick).toBeLessThan(r.tick);
              } else expect(r.generation).toBe(1);
            }
            // a step that ends in a deficit collects no penalty (one step per account and tick
            // outside auctions, whose takes and expiries are steps of their own)
            if (policy.execution.kind !== "dutchAuction") {
              const step = new Map<number, [number, number]>();
              for (const r of engine.records) {
                if (r.tick !== t || r.execution === "backstop") continue;
                const [d, p] = step.get(r.account) ?? [0, 0];
                step.set(r.account, [d + r.badDebt, p + r.penalty]);
              }
              for (const [d, p] of step.values()) if (d > 0) expect(p).toBe(0);
            }
            // trader positions never grow in magnitude nor flip sign
            for (const a of w.traders) {
              const [bx, by] = before.get(a) as [number, number];
              const x = w.venue.position(a, 0);
              const y = w.venue.position(a, 1);
              expect(Math.abs(x) <= Math.abs(bx) && (x === 0 || Math.sign(x) === Math.sign(bx))).toBe(true);
              expect(Math.abs(y) <= Math.abs(by) && (y === 0 || Math.sign(y) === Math.sign(by))).toBe(true);
            }
          });
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("restore-to-target with taker fees", () => {
  test("restore-to-target reaches target with taker fees (deep book)", () => {
    fc.assert(
      fc.property(
        positionsArb,
        pathArb,
        fc.double({ min: 1.05, max: 2, noNaN: true }),
        (positions, path, target) => {
          const w = world(positions, 100_000, true);
          const policy = presets.restoreToTarget({ targetMarginRatio: target, maxSlippage: 1 });
          const engine = engineFor(w.venue, policy);
          // equity at this tick's margin calls (one subscription, cleared every tick)
          const eqAt = new Map<number, number>();
          engine.marginCalls$.subscribe((c) => eqAt.set(c.account, c.equity));
          walkPath(w.venue, path, (t) => {
            eqAt.clear();
            engine.check(t);
            for (const r of engine.records) {
              if (r.tick !== t || r.quantity === 0) continue;
              const a = r.account;
              if ((eqAt.get(a) ?? 0) < 0) continue;
              const e = w.venue.equity(a);
              const m = w.venue.maintenanceRequirement(a);
              const fl = w.venue.position(a, 0) === 0 && w.venue.position(a, 1) === 0;
              if (!(fl || e >= target * m - 1e-6))
                throw new Error(`acct ${a} e=${e} m=${m} ratio=${e / m} target=${target} t=${t}`);
            }
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
