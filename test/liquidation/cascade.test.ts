import { Rng, RunLoop, ValidationError } from "@cascade/core";
import { LiquidationEngine, type LiquidationRecord, presets, validatePolicySpec } from "@cascade/liquidation";
import { BUY, connectVenue, SELL, Venue } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { conserved, engineFor } from "./helpers.js";

describe("cascade tracing", () => {
  test("a shock liquidates A; A's sales push B under: B.cause = A.id, generation 2, same cascade", () => {
    const venue = new Venue({
      instruments: [{ symbol: "X", initialPrice: 100, margin: { initial: 0.1, maintenance: 0.08 } }],
      mark: { kind: "mid" },
    });
    const loop = new RunLoop({ rng: Rng.fromSeed(7) });
    connectVenue(loop, venue);
    const mk = venue.openAccount("maker");
    venue.deposit(mk, 1_000_000);
    const shocker = venue.openAccount("shock");
    venue.deposit(shocker, 1_000_000);
    const a = venue.openAccount("A");
    venue.deposit(a, 100);
    const b = venue.openAccount("B");
    venue.deposit(b, 150);
    venue.submit({ account: mk, instrument: 0, side: SELL, quantity: 20, type: "limit", price: 100 });
    venue.submit({ account: a, instrument: 0, side: BUY, quantity: 10, type: "market" });
    venue.submit({ account: b, instrument: 0, side: BUY, quantity: 10, type: "market" });
    venue.submit({ account: mk, instrument: 0, side: SELL, quantity: 100, type: "limit", price: 101 });
    venue.submit({ account: mk, instrument: 0, side: BUY, quantity: 10, type: "limit", price: 99 });
    venue.submit({ account: mk, instrument: 0, side: BUY, quantity: 10, type: "limit", price: 93 });
    venue.submit({ account: mk, instrument: 0, side: BUY, quantity: 50, type: "limit", price: 83 });
    const engine = new LiquidationEngine({
      venue,
      loop,
      policy: presets.fullClose({ maxSlippage: 0.2 }),
      rng: Rng.fromSeed(1),
    });
    const seen: LiquidationRecord[] = [];
    engine.liquidations$.subscribe((r) => seen.push(r));
    loop.on("exogenous", (t) => {
      if (t === 2)
        venue.submit({ account: shocker, instrument: 0, side: SELL, quantity: 10, type: "market" });
    });
    loop.run(1);
    expect(venue.mark(0)).toBe(100);
    expect(seen.length).toBe(0);
    loop.run(1); // mid (93+101)/2 = 97: A (equity 70 < 77.6) goes, B (equity 120) does not
    expect(seen.map((r) => [r.account, r.tick, r.quantity, r.price, r.cause, r.generation])).toEqual([
      [a, 2, 10, 93, -1, 1],
    ]);
    loop.run(1); // mid (83+101)/2 = 92: B equity 70 < 73.6
    const ra = seen[0];
    const rb = seen[1];
    expect([rb.account, rb.tick, rb.quantity, rb.price]).toEqual([b, 3, 10, 83]);
    expect(rb.cause).toBe(ra.id);
    expect(rb.generation).toBe(2);
    expect(rb.cascadeId).toBe(ra.cascadeId);
    expect(ra.cascadeId).toBe(ra.id);
    const s = engine.stats();
    expect([
      s.liquidations,
      s.accountsLiquidated,
      s.maxGeneration,
      s.longestCascadeTicks,
      s.cascades,
    ]).toEqual([2, 2, 2, 1, 1]);
    expect(engine.records).toEqual(seen);
    expect(conserved(venue)).toBe(true);
  });

  test("a busy tick (more than 64 liquidations on one instrument) keeps the earlier tick's cause for all of them", () => {
    // Tick 1: A is liquidated at mark 100. Tick 2: the mark is 90 and 70 accounts are liquidated;
    // each lost 10 per lot since A's liquidation, so each one's cause is A (generation 2). The
    // engine kept the last 64 liquidations per instrument, all from tick 2 by the 65th, and lost A.
    const venue = new Venue({
      instruments: [{ symbol: "X", initialPrice: 100, margin: { initial: 0.1, maintenance: 0.05 } }],
      mark: { kind: "oracle" },
    });
    const mk = venue.openAccount("maker", { marginExempt: true });
    venue.deposit(mk, 1_000_000_000);
    const open = (cash: number) => {
      const id = venue.openAccount("trader");
      venue.deposit(id, cash);
      venue.submit({ account: mk, instrument: 0, side: SELL, quantity: 10, type: "limit", price: 100 });
      venue.submit({ account: id, instrument: 0, side: BUY, quantity: 10, type: "market" });
      return id;
    };
    const a = open(100); // equity 100, maintenance 50: under at 94
    const others: number[] = [];
    for (let k = 0; k < 70; k++) others.push(open(140)); // under at 90 (equity 40 < 45)
    venue.submit({ account: mk, instrument: 0, side: BUY, quantity: 10_000, type: "limit", price: 90 });
    venue.submit({ account: mk, instrument: 0, side: BUY, quantity: 10, type: "limit", price: 93 });
    const engine = engineFor(venue, presets.fullClose({ penaltyRate: 0 }));
    venue.setOraclePrice(0, 93);
    venue.updateMarks();
    venue.advance(1);
    engine.check(1);
    expect(engine.records.map((r) => [r.account, r.tick, r.cause, r.generation])).toEqual([[a, 1, -1, 1]]);
    const ra = engine.records[0];
    venue.setOraclePrice(0, 90);
    venue.updateMarks();
    venue.advance(2);
    engine.check(2);
    const second = engine.records.filter((r) => r.tick === 2);
    expect(second.map((r) => r.account)).toEqual(others);
    expect(second.filter((r) => r.cause !== ra.id).map((r) => [r.account, r.cause, r.generation])).toEqual(
      [],
    );
    expect(second.every((r) => r.generation === 2 && r.cascadeId === ra.cascadeId)).toBe(true);
    const s = engine.stats();
    expect([s.cascades, s.maxGeneration]).toEqual([1, 2]);
  });

  test("outside the cause window the cause is -1", () => {
    const venue = new Venue({
      instruments: [{ symbol: "X", initialPrice: 100, margin: { initial: 0.1, maintenance: 0.08 } }],
      mark: { kind: "oracle" },
    });
    const loop = new RunLoop({ rng: Rng.fromSeed(7) });
    connectVenue(loop, venue);
    const mk = venue.openAccount("maker");
    venue.deposit(mk, 1_000_000);
    const a = venue.openAccount("A");
    venue.deposit(a, 100);
    const b = venue.openAccount("B");
    venue.deposit(b, 150);
    venue.submit({ account: mk, instrument: 0, side: SELL, quantity: 20, type: "limit", price: 100 });
    venue.submit({ account: a, instrument: 0, side: BUY, quantity: 10, type: "market" });
    venue.submit({ account: b, instrument: 0, side: BUY, quantity: 10, type: "market" });
    venue.submit({ account: mk, instrument: 0, side: BUY, quantity: 100, type: "limit", price: 80 });
    const engine = new LiquidationEngine({
      venue,
      loop,
      policy: presets.fullClose({ maxSlippage: 0.2 }),
      rng: Rng.fromSeed(1),
      causeWindow: 3,
    });
    venue.setOraclePrice(0, 97);
    loop.run(6); // A liquidated at tick 1
    venue.setOraclePrice(0, 92);
    loop.run(5); // B at tick 7: 7 - 1 > 3
    expect(engine.records.map((r) => [r.account, r.cause, r.generation])).toEqual([
      [a, -1, 1],
      [b, -1, 1],
    ]);
  });
});

describe("validatePolicySpec", () => {
  const err = (v: unknown): ValidationError => {
    try {
      validatePolicySpec("variants.partial.policy", v);
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return e as ValidationError;
    }
    throw new Error("no error");
  };
  test("every preset is valid and JSON-serializable", () => {
    for (const [name, make] of Object.entries(presets)) {
      const p = make();
      expect(validatePolicySpec(`presets.${name}`, p)).toBe(p);
      expect(JSON.parse(JSON.stringify(p))).toEqual(p);
      expect(p.name).toBe(name);
    }
  });
  test("fraction outside (0, 1] names the full path, the value and what is allowed", () => {
    for (const bad of [0, 1.5, -0.1, Number.NaN, "0.5"]) {
      const e = err({ ...presets.closeFactor(), amount: { kind: "closeFactor", fraction: bad } });
      expect(e.field).toBe("variants.partial.policy.amount.fraction");
      expect(e.value).toBe(bad);
      expect(e.message).toContain("variants.partial.policy.amount.fraction");
      expect(e.message).toContain("(0, 1]");
    }
    expect(
      validatePolicySpec("p", { ...presets.closeFactor(), amount: { kind: "closeFactor", fraction: 1 } })
        .amount,
    ).toEqual({
      kind: "closeFactor",
      fraction: 1,
    });
  });
  test("money out of the safe-integer range states the real bound (1e300 is an integer, not an exact one)", () => {
    const SAFE =
      "an integer number of cash units in [0, 2^53 - 1 = 9007199254740991], where money stays exact";
    for (const bad of [1e300, 2 ** 53, -5, 1234.5, Number.POSITIVE_INFINITY]) {
      const fund = err({ ...presets.fullClose(), loss: { insuranceFund: bad, whenFundEmpty: "adl" } });
      expect(fund.field).toBe("variants.partial.policy.loss.insuranceFund");
      expect(fund.message).toContain(`; allowed: ${SAFE}`);
      const vault = err({
        ...presets.stepwise(),
        backstop: { belowMaintenanceFraction: 0.5, price: "mark", capital: bad },
      });
      expect(vault.field).toBe("variants.partial.policy.backstop.capital");
      expect(vault.message).toContain(`; allowed: ${SAFE}`);
    }
    // counts of ticks and slices: the same upper bound, without the money wording
    const slices = err({
      ...presets.fullClose(),
      execution: { kind: "sliced", slices: 1e300, maxSlippage: 0.1 },
    });
    expect(slices.message).toContain(
      "slices = 1e+300; allowed: an integer in [1, 2^53 - 1 = 9007199254740991]",
    );
  });
  test("unknown keys", () => {
    let e = err({ ...presets.fullClose(), extra: 1 });
    expect([e.code, e.field]).toEqual(["UNKNOWN_KEY", "variants.partial.policy.extra"]);
    e = err({ ...presets.fullClose(), execution: { kind: "marketSweep", maxSlippage: 0.1, slices: 3 } });
    expect([e.code, e.field]).toEqual(["UNKNOWN_KEY", "variants.partial.policy.execution.slices"]);
    expect(e.message).toContain("kind, maxSlippage");
  });
  test("wrong types and kinds", () => {
    expect(err(null).field).toBe("variants.partial.policy");
    expect(err({ ...presets.fullClose(), ordering: "biggest" }).field).toBe(
      "variants.partial.policy.ordering",
    );
    expect(err({ ...presets.fullClose(), trigger: { kind: "margin" } }).field).toBe(
      "variants.partial.policy.trigger.kind",
    );
    expect(err({ ...presets.fullClose(), trigger: { kind: "custom", test: 3 } }).field).toBe(
      "variants.partial.policy.trigger.test",
    );
    expect(err({ ...presets.fullClose(), name: "" }).field).toBe("variants.partial.policy.name");
    expect(err({ ...presets.fullClose(), penalty: { rate: 0.01, to: "me" } }).field).toBe(
      "variants.partial.policy.penalty.to",
    );
    expect(err({ ...presets.fullClose(), loss: { insuranceFund: 1.5, whenFundEmpty: "adl" } }).field).toBe(
      "variants.partial.policy.loss.insuranceFund",
    );
    expect(
      err({
        ...presets.stepwise(),
        amount: { kind: "stepwise", fraction: 0.2, cooldownTicks: -1, minNotional: 0 },
      }).field,
    ).toBe("variants.partial.policy.amount.cooldownTicks");
    expect(
      err({ ...presets.stepwise(), backstop: { belowMaintenanceFraction: 2, price: "mark", capital: 0 } })
        .field,
    ).toBe("variants.partial.policy.backstop.belowMaintenanceFraction");
    expect(
      err({ ...presets.dutchAuction(), execution: { ...presets.dutchAuction().execution, decayPerTick: 1 } })
        .field,
    ).toBe("variants.partial.policy.execution.decayPerTick");
    const ref = err({
      ...presets.dutchAuction(),
      execution: { ...presets.dutchAuction().execution, reference: "index" as never },
    });
    expect(ref.field).toBe("variants.partial.policy.execution.reference");
    expect(ref.message).toMatch(/= "index"; allowed: .*mark.*oracle/);
    expect(
      err({ ...presets.fullClose(), execution: { kind: "sliced", slices: 0.5, maxSlippage: 0.1 } }).field,
    ).toBe("variants.partial.policy.execution.slices");
    expect(err({ ...presets.fullClose(), penalty: undefined }).field).toBe("variants.partial.policy.penalty");
  });
  test("the engine validates its policy", () => {
    const venue = new Venue({ instruments: [{ symbol: "X", initialPrice: 100 }] });
    expect(
      () =>
        new LiquidationEngine({
          venue,
          loop: new RunLoop({ rng: Rng.fromSeed(1) }),
          policy: { ...presets.fullClose(), ordering: "x" as never },
          rng: Rng.fromSeed(1),
        }),
    ).toThrow(/policy.ordering/);
  });
});
