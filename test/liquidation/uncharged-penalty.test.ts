/**
 * A penalty rate the policy can never charge is refused, not silently ignored. The rate is charged
 * on the records of book sweeps, slices, auction takes and takeovers at the mark; a takeover at the
 * bankruptcy price charges none (the vault takes the account's whole remaining margin as its
 * penalty instead). So a rate > 0 is never charged when every account the trigger finds is taken
 * over by an unbounded vault at the bankruptcy price: a backstop execution at "bankruptcy" without
 * a capital, or a backstop spec at "bankruptcy" without a capital whose threshold is the whole
 * maintenance requirement (belowMaintenanceFraction 1) under a trigger that fires only below it
 * (maintenance, or a health factor below at most 1). Every other policy can charge it, and is
 * accepted; each kind is run here to show the rate charged.
 * Hand-computed on the standard account (helpers): cash -1700, long 10 X and 20 Y.
 */
import { ValidationError } from "@cascade/core";
import { type PolicySpec, penaltyAmount, presets, validatePolicySpec } from "@cascade/liquidation";
import { describe, expect, test } from "vitest";
import { bid, conserved, engine, maker, setMarks, standardAccount, twoAssetVenue } from "./helpers.js";

const UNBOUNDED_AT_BANKRUPTCY = { belowMaintenanceFraction: 1, price: "bankruptcy" } as const;

/** The ValidationError validatePolicySpec throws for `policy` at path "variants.vault". */
function refusal(policy: unknown): ValidationError {
  try {
    validatePolicySpec("variants.vault", policy);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error("accepted");
}

/**
 * The standard account at marks `marks` with bids one and two ticks under them, checked once:
 * the step's records and the penalties they charged.
 */
function step(policy: PolicySpec, marks: [number, number]) {
  const v = twoAssetVenue();
  setMarks(v, [100, 50]);
  const mk = maker(v);
  const a = standardAccount(v, mk);
  const { engine: e } = engine(v, policy);
  setMarks(v, marks);
  bid(v, mk, 0, 5, marks[0] - 1);
  bid(v, mk, 0, 10, marks[0] - 2);
  bid(v, mk, 1, 10, marks[1] - 1);
  bid(v, mk, 1, 20, marks[1] - 2);
  v.advance(1);
  e.check(1);
  expect(conserved(v)).toBe(true);
  return { cash: v.cash(a), records: e.records, penalties: e.stats().penalties };
}

describe("a penalty rate no run can charge is refused", () => {
  const vaultMessage =
    'an unbounded backstop vault at the bankruptcy price takes the account\'s whole remaining margin as its penalty, so no rate is ever charged: leave the rate at 0, take over at price "mark", or give the vault a capital (a bounded vault: the accounts it declines are sold on the book and pay the rate)';

  test("an unbounded backstop vault execution at the bankruptcy price, however the rate is written", () => {
    const refused: Array<[unknown, number]> = [
      [presets.backstopVault({ penaltyRate: 0.01 }), 0.01],
      [presets.backstopVault({ price: "bankruptcy", penalty: { rate: 0.05, to: "liquidator" } }), 0.05],
      // written by hand: a backstop execution without a backstop spec is an unbounded vault too
      [{ ...presets.fullClose(), execution: { kind: "backstop", price: "bankruptcy" } }, 0.01],
    ];
    for (const [policy, rate] of refused) {
      const e = refusal(policy);
      expect([e.code, e.field, e.value]).toEqual(["INVALID_VALUE", "variants.vault.penalty.rate", rate]);
      expect(e.message).toBe(
        `invalid liquidation policy: variants.vault.penalty.rate = ${rate}; allowed: 0 under this policy: ${vaultMessage}`,
      );
    }
  });

  test("a backstop spec at the bankruptcy price due at the whole maintenance requirement, under a trigger that fires only below it", () => {
    const threshold = (trigger: string) =>
      `0 under this policy: its backstop vault is due for every account the trigger finds (belowMaintenanceFraction 1, and ${trigger} fires only below maintenance), and ${vaultMessage.replace(
        "or give the vault a capital",
        "give the vault a capital",
      )}, or a belowMaintenanceFraction under 1 (the accounts above it are sold on the book and pay the rate)`;
    const refused: Array<[PolicySpec, string]> = [
      [presets.stepwise({ backstop: UNBOUNDED_AT_BANKRUPTCY, penaltyRate: 0.01 }), "a maintenance trigger"],
      [
        presets.fullClose({ backstop: UNBOUNDED_AT_BANKRUPTCY, trigger: { kind: "healthFactor", below: 1 } }),
        "a health factor below 1",
      ],
      [
        presets.dutchAuction({
          backstop: UNBOUNDED_AT_BANKRUPTCY,
          trigger: { kind: "healthFactor", below: 0.9 },
        }),
        "a health factor below 0.9",
      ],
      [
        presets.fullClose({
          backstop: UNBOUNDED_AT_BANKRUPTCY,
          execution: { kind: "sliced", slices: 3, maxSlippage: 0.05 },
        }),
        "a maintenance trigger",
      ],
    ];
    for (const [policy, trigger] of refused) {
      const e = refusal(policy);
      expect([e.code, e.field, e.value]).toEqual([
        "INVALID_VALUE",
        "variants.vault.penalty.rate",
        policy.penalty.rate,
      ]);
      expect(e.allowed).toBe(threshold(trigger));
    }
  });

  test("the engine refuses it too, naming the policy's path", () => {
    expect(() => step(presets.backstopVault({ penaltyRate: 0.01 }), [85, 46])).toThrow(
      "invalid liquidation policy: policy.penalty.rate = 0.01; allowed: 0 under this policy: an unbounded backstop vault",
    );
  });

  test("at rate 0 the same policies are accepted, and the takeover takes the margin as its penalty", () => {
    for (const policy of [
      presets.backstopVault(),
      presets.stepwise({ backstop: UNBOUNDED_AT_BANKRUPTCY }),
      presets.fullClose({ backstop: UNBOUNDED_AT_BANKRUPTCY, penaltyRate: 0 }),
    ])
      expect(validatePolicySpec("p", policy)).toBe(policy);
    // marks 85 / 46: equity 70 < maintenance 88.5; the margin (70) goes to the vault on the last record
    const { cash, records, penalties } = step(presets.backstopVault(), [85, 46]);
    expect(records.map((r) => [r.execution, r.penalty])).toEqual([
      ["backstop", 0],
      ["backstop", 70],
    ]);
    expect(penalties).toBe(70);
    expect(cash).toBe(0);
  });
});

describe("a policy that can charge the rate is accepted, and charges it", () => {
  // Each is run at a point where the step reaches the book or a takeover at the mark.
  const charging: Array<[string, PolicySpec, [number, number], string]> = [
    [
      "a takeover at the mark price",
      presets.backstopVault({ price: "mark", penaltyRate: 0.01 }),
      [85, 46],
      "backstop",
    ],
    [
      // capital 0: after the takeover the vault's equity (70) would not cover the maintenance (88.5)
      "a bounded vault at the bankruptcy price: the account it declines is sold on the book",
      presets.backstopVault({ capital: 0, penaltyRate: 0.01 }),
      [85, 46],
      "marketSweep",
    ],
    [
      // equity 70 is above 2/3 of the maintenance 88.5 (59): the account goes to the book
      "an unbounded vault at the bankruptcy price due below 2/3 of the maintenance",
      presets.stepwise({ penaltyRate: 0.01 }),
      [85, 46],
      "marketSweep",
    ],
    [
      // marks 100 / 50: equity 300 >= maintenance 100, health factor 1900 / 1700 = 1.118 < 1.2
      "a vault due at the whole maintenance under a health factor trigger above 1",
      presets.stepwise({
        backstop: UNBOUNDED_AT_BANKRUPTCY,
        trigger: { kind: "healthFactor", below: 1.2 },
        penaltyRate: 0.01,
      }),
      [100, 50],
      "marketSweep",
    ],
    [
      "a vault due at the whole maintenance under a custom trigger",
      presets.fullClose({
        backstop: UNBOUNDED_AT_BANKRUPTCY,
        trigger: { kind: "custom", test: (venue, account) => venue.position(account, 0) > 0 },
      }),
      [100, 50],
      "marketSweep",
    ],
  ];
  test.each(charging)("%s", (_, policy, marks, execution) => {
    expect(policy.penalty.rate).toBeGreaterThan(0);
    expect(validatePolicySpec("p", policy)).toBe(policy);
    const { records, penalties } = step(policy, marks);
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.execution === execution)).toBe(true);
    expect(penalties).toBeGreaterThan(0);
    // at the rate, on each record's notional (none is capped: the account stays solvent)
    for (const r of records)
      expect(r.penalty).toBe(penaltyAmount(policy.penalty.rate, r.notional, Number.POSITIVE_INFINITY));
  });
});

describe("a backstop part a backstop execution would ignore is refused", () => {
  // The execution sends every account the trigger finds to the vault at its own price: the part's
  // fraction and price were read nowhere, so a sweep of them moved nothing, unexplained.
  test("a fraction under 1, or a price other than the execution's", () => {
    const vault = presets.backstopVault();
    let e = refusal({ ...vault, backstop: { ...vault.backstop, belowMaintenanceFraction: 0.5 } });
    expect(e.field).toBe("variants.vault.backstop.belowMaintenanceFraction");
    expect(e.message).toContain(
      "variants.vault.backstop.belowMaintenanceFraction = 0.5; allowed: 1 with a backstop execution, which sends every account the trigger finds to the vault",
    );
    // also with a rate: the part's "mark" was never read, the execution's "bankruptcy" charges none
    e = refusal({
      ...presets.backstopVault({ penaltyRate: 1 }),
      backstop: { ...vault.backstop, price: "mark" },
    });
    expect(e.field).toBe("variants.vault.backstop.price");
    expect(e.message).toContain(
      'variants.vault.backstop.price = "mark"; allowed: "bankruptcy", the backstop execution\'s price, at which the vault takes over',
    );
  });

  test("the presets' vaults, with any price or capital, and a backstop execution without a part, are accepted", () => {
    for (const p of [
      presets.backstopVault(),
      presets.backstopVault({ price: "mark" }),
      presets.backstopVault({ capital: 1e6 }),
      { ...presets.fullClose(), execution: { kind: "backstop", price: "mark" } },
    ])
      expect(() => validatePolicySpec("variants.vault", p)).not.toThrow();
  });
});
