/**
 * A sweep of `liquidation.penalty.rate` that reaches a variant whose policy can never charge a rate
 * (an unbounded backstop vault at the bankruptcy price takes the whole remaining margin instead) is
 * refused at its first such value, naming the value, the variant and why: run, that variant would
 * give the same numbers at every point. Variants that can charge it are swept as before.
 */
import { ValidationError } from "@cascade/core";
import { type ExperimentDefinition, validateExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { expect, test } from "vitest";
import tiny from "../e2e/fixtures/tiny.js";

const sweepRate = (vault: ReturnType<typeof presets.backstopVault>): ExperimentDefinition => ({
  ...tiny,
  variants: { book: {}, vault: { liquidation: vault } },
  baseline: "book",
  sweep: { "liquidation.penalty.rate": [0, 0.01, 0.02] },
});

test("a swept rate reaching an unbounded vault at the bankruptcy price is refused at its first value above 0", () => {
  let err: unknown;
  try {
    validateExperiment(sweepRate(presets.backstopVault()));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ValidationError).field).toBe('sweep["liquidation.penalty.rate"].1');
  expect((err as Error).message).toBe(
    'invalid experiment: sweep["liquidation.penalty.rate"].1 = 0.01; allowed: 0 under this policy: an unbounded backstop vault at the bankruptcy price takes the account\'s whole remaining margin as its penalty, so no rate is ever charged: leave the rate at 0, take over at price "mark", or give the vault a capital (a bounded vault: the accounts it declines are sold on the book and pay the rate) (at liquidation.penalty.rate in variant "vault")',
  );
});

test("the same sweep over vaults that can charge the rate is accepted, every point at its rate", () => {
  for (const vault of [presets.backstopVault({ price: "mark" }), presets.backstopVault({ capital: 0 })]) {
    const exp = validateExperiment(sweepRate(vault));
    expect(exp.sweep.points).toEqual([[0], [0.01], [0.02]]);
    expect(exp.variants.map((v) => v.name)).toEqual(["book", "vault"]);
  }
});
