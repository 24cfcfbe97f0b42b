import { customAgents, marketMakers, momentumTraders, noiseTraders } from "@cascade/agents";
import { ValidationError } from "@cascade/core";
import {
  applyPoint,
  type ExperimentDefinition,
  executeRun,
  makePlan,
  validateExperiment,
} from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import type { Venue } from "@cascade/market";
import { describe, expect, test } from "vitest";
import { fakeExperiment, fakeSimulate } from "./helpers.js";

function errorOf(def: unknown, overrides = {}): ValidationError {
  try {
    validateExperiment(def, overrides);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error("expected a ValidationError");
}

const base = () => fakeExperiment() as unknown as Record<string, unknown>;

describe("validateExperiment", () => {
  test("a good experiment resolves variants, baseline and defaults", () => {
    const v = validateExperiment(fakeExperiment());
    expect(v.variants.map((x) => x.name)).toEqual(["full", "half"]);
    expect(v.baseline).toBe(0);
    expect(v.variants[1].config.liquidation.name).toBe("closeFactor");
    expect(v.base.market.fees).toEqual({ makerBps: 0, takerBps: 0 });
    expect(v.base.recoveryThreshold).toBe(0.05);
    expect(v.sweep.points).toEqual([[]]);
  });

  test.each([
    ["unknown key", { ...base(), replicatoins: 3 }, "UNKNOWN_KEY", "replicatoins"],
    ["wrong type", { ...base(), ticks: "100" }, "INVALID_TYPE", "ticks"],
    ["negative replications", { ...base(), replications: -1 }, "INVALID_VALUE", "replications"],
    [
      "negative population count",
      { ...base(), populations: [{ kind: "noise", count: -5 }] },
      undefined,
      "populations.0.count",
    ],
    // An index in a population's path is a dotted segment, as in sweep keys (agents and core wrote [1]).
    [
      "a population's instrument that is no symbol",
      { ...base(), populations: [{ kind: "noise", count: 1, instruments: ["X", 3] }] },
      "INVALID_VALUE",
      "populations.0.instruments.1",
    ],
    [
      "a population's choice distribution with a value that is no number",
      {
        ...base(),
        populations: [{ kind: "noise", count: 1, capital: { dist: "choice", values: [1, "2"] } }],
      },
      undefined,
      "populations.0.capital.values.1",
    ],
    [
      "policy fraction outside (0, 1] in a variant",
      {
        ...base(),
        variants: {
          full: presets.fullClose(),
          half: { liquidation: presets.closeFactor({ fraction: 1.5 }) },
        },
      },
      undefined,
      "variants.half.liquidation.amount.fraction",
    ],
    [
      "policy shorthand variant",
      {
        ...base(),
        variants: { zero: { ...presets.closeFactor(), amount: { kind: "closeFactor", fraction: 0 } } },
      },
      undefined,
      "variants.zero.amount.fraction",
    ],
    [
      "a preset's name as a variant",
      { ...base(), variants: { full: "fullClose" } },
      "INVALID_VALUE",
      "variants.full",
    ],
    [
      "a preset's name as the base policy",
      { ...base(), liquidation: "closeFactor" },
      "INVALID_VALUE",
      "liquidation",
    ],
    [
      "unknown key in a variant",
      { ...base(), variants: { a: { tick: 5 } } },
      "UNKNOWN_KEY",
      "variants.a.tick",
    ],
    [
      "sweep over a missing parameter",
      { ...base(), sweep: { "liquidation.amount.fractoin": [0.1] } },
      "UNKNOWN_PATH",
      'sweep["liquidation.amount.fractoin"]',
    ],
    [
      "sweep outside the world config",
      { ...base(), sweep: { replications: [1, 2] } },
      "UNKNOWN_PATH",
      'sweep["replications"]',
    ],
    [
      "bad sweep value",
      { ...base(), sweep: { "liquidation.amount.fraction": [0.5, 2] } },
      undefined,
      'sweep["liquidation.amount.fraction"].1',
    ],
    [
      "repeated sweep value",
      { ...base(), sweep: { "liquidation.amount.fraction": [0.25, 0.5, 0.25] } },
      "DUPLICATE_VALUE",
      'sweep["liquidation.amount.fraction"].2',
    ],
    [
      // the repeat check must not throw JSON.stringify's TypeError before the value is checked
      "bigint sweep value",
      { ...base(), sweep: { ticks: [10n, 20n] } },
      undefined,
      'sweep["ticks"].0',
    ],
    ["unknown baseline", { ...base(), baseline: "nope" }, "UNKNOWN_VARIANT", "baseline"],
    [
      "unknown shock instrument",
      { ...base(), shocks: [{ kind: "marketSell", instrument: "Z", atTick: 3, quantity: 5 }] },
      "UNKNOWN_INSTRUMENT",
      "shocks.0.instrument",
    ],
    [
      "shock after the end",
      { ...base(), shocks: [{ kind: "marketSell", instrument: "X", atTick: 999, quantity: 5 }] },
      "INVALID_VALUE",
      "shocks.0.atTick",
    ],
    [
      "bad initial price",
      { ...base(), market: { instruments: [{ symbol: "X", initialPrice: 0 }] } },
      "INVALID_VALUE",
      "market.instruments.0.initialPrice",
    ],
    [
      // the venue charges a decimal of at most 8 decimals exactly: a third of a bp would be rounded
      "fee rate with more than 8 decimals",
      { ...base(), market: { ...(base().market as object), fees: { makerBps: 0, takerBps: 1 / 3 } } },
      "INVALID_VALUE",
      "market.fees.takerBps",
    ],
    [
      "custom metric not a function",
      { ...base(), metrics: { custom: { m: 3 } } },
      "INVALID_TYPE",
      "metrics.custom.m",
    ],
    [
      "async custom metric (its Promise is no number: every run would fail)",
      { ...base(), metrics: { custom: { m: async () => 1 } } },
      "INVALID_TYPE",
      "metrics.custom.m",
    ],
    ["async simulate", { ...base(), simulate: async () => ({}) }, "INVALID_TYPE", "simulate"],
    [
      "generator custom metric (its iterator is no number)",
      { ...base(), metrics: { custom: { m: function* () {} } } },
      "INVALID_TYPE",
      "metrics.custom.m",
    ],
    ["generator simulate", { ...base(), simulate: function* () {} }, "INVALID_TYPE", "simulate"],
    [
      "unknown built-in metric",
      { ...base(), metrics: { builtIn: ["drawdown"] } },
      "UNKNOWN_METRIC",
      "metrics.builtIn.0",
    ],
    [
      "headline metric not among the columns (a built-in left out of builtIn)",
      { ...base(), metrics: { builtIn: ["bad_debt"], headline: ["bad_debt", "adl_volume"] } },
      "UNKNOWN_METRIC",
      "metrics.headline.1",
    ],
    [
      "headline metric twice",
      { ...base(), metrics: { headline: ["bad_debt", "bad_debt"] } },
      "DUPLICATE_METRIC",
      "metrics.headline.1",
    ],
    [
      // was dropped quietly while a repeated headline metric was refused
      "built-in metric twice",
      { ...base(), metrics: { builtIn: ["bad_debt", "adl_volume", "bad_debt"] } },
      "DUPLICATE_METRIC",
      "metrics.builtIn.2",
    ],
    ["empty headline", { ...base(), metrics: { headline: [] } }, "INVALID_VALUE", "metrics.headline"],
    [
      "a population whose single wake comes after the run's end",
      {
        ...base(),
        ticks: 100,
        populations: [
          { kind: "noise", count: 3, activation: { once: { dist: "uniformInt", min: 150, max: 300 } } },
        ],
      },
      "INVALID_VALUE",
      "populations.0.activation.once",
    ],
    [
      "bad fundamentals",
      { ...base(), fundamentals: { kind: "randomWalk", volatility: -1 } },
      undefined,
      "fundamentals.volatility",
    ],
  ])("%s", (_name, def, code, field) => {
    const e = errorOf(def);
    expect(e.field).toBe(field);
    if (code) expect(e.code).toBe(code);
    expect(e.message).toContain("allowed:");
  });

  test("error messages name the value and what is allowed", () => {
    const e = errorOf({ ...base(), replications: -1 });
    expect(e.message).toBe("invalid experiment: replications = -1; allowed: an integer in [1, 10000000]");
  });

  test("a swept value whose own sub-field is wrong gets that field's rule, not the 'breaks another field' form", () => {
    const drop = (fraction: number) => ({ kind: "fundamentalDrop", instrument: "X", atTick: 10, fraction });
    const e = errorOf({ ...base(), sweep: { "shocks.0": [drop(0.1), drop(2)] } });
    expect(e.field).toBe('sweep["shocks.0"].1');
    expect(e.message).toMatch(/\(at shocks\.0\.fraction in variant "full"\)$/);
    expect(e.message).not.toContain("a value under which");
  });

  test("a swept path missing only its last step suggests where a key of that name is (a preset's shorthand name)", () => {
    // presets take insuranceFund / fraction as shorthands; the resolved config has them deeper
    const fund = errorOf({ ...base(), sweep: { "liquidation.insuranceFund": [0, 1000] } });
    expect(fund.code).toBe("UNKNOWN_PATH");
    expect(fund.message).toContain(
      '(the longest existing prefix is "liquidation"; did you mean "liquidation.loss.insuranceFund"?)',
    );
    // found in a variant's config as well as the base one's ("half" is a closeFactor)
    const frac = errorOf({ ...base(), sweep: { "liquidation.fraction": [0.25] } });
    expect(frac.message).toContain('did you mean "liquidation.amount.fraction"?');
    // a path off the world's parts: searched from the top
    const top = errorOf({ ...base(), sweep: { insuranceFund: [0] } });
    expect(top.message).toContain('did you mean "liquidation.loss.insuranceFund"?');
    // no key of that name anywhere under the prefix: no guess
    const none = errorOf({ ...base(), sweep: { "liquidation.loss.fund": [0] } });
    expect(none.message).toContain('(the longest existing prefix is "liquidation.loss")');
    expect(none.message).not.toContain("did you mean");
  });

  test("a percent where a fraction belongs (10 for 10%) is shown as the fraction it means", () => {
    const drop = (fraction: unknown) => ({
      ...base(),
      shocks: [{ kind: "fundamentalDrop", instrument: "X", atTick: 10, fraction }],
    });
    expect(errorOf(drop(10)).message).toBe(
      "invalid experiment: shocks.0.fraction = 10; allowed: a number in (0, 1) (a fraction: 10% is 0.1)",
    );
    expect(errorOf({ ...base(), recoveryThreshold: 5 }).message).toBe(
      "invalid experiment: recoveryThreshold = 5; allowed: a number in (0, 1) (a fraction: 5% is 0.05)",
    );
    // beyond 100, or below 0, it is no percent: the rule alone
    expect(errorOf(drop(250)).message).toBe(
      "invalid experiment: shocks.0.fraction = 250; allowed: a number in (0, 1)",
    );
    expect(errorOf(drop(-0.1)).message).toBe(
      "invalid experiment: shocks.0.fraction = -0.1; allowed: a number in (0, 1)",
    );
  });

  test("a swept population field at the wrong index names that population and the one that has the field", () => {
    // population 0 is the market maker, 1 the noise traders: maxOpenOrders is noise's
    const e = errorOf({ ...base(), sweep: { "populations.0.maxOpenOrders": [2, 4] } });
    expect(e.code).toBe("UNKNOWN_PATH");
    expect(e.message).toBe(
      'invalid experiment: sweep["populations.0.maxOpenOrders"] = "populations.0.maxOpenOrders"; allowed: a path that exists in the config of the base experiment or of a variant (the longest existing prefix is "populations.0", population 0: marketMaker; did you mean "populations.1.maxOpenOrders" (population 1: noise)?)',
    );
    // misspelt as well: the nearest name in the other populations
    const typo = errorOf({ ...base(), sweep: { "populations.0.maxOpenOrder": [2, 4] } });
    expect(typo.message).toContain('did you mean "populations.1.maxOpenOrders" (population 1: noise)?');
    // a field no population has: no guess, but still which population the index names
    const none = errorOf({ ...base(), sweep: { "populations.0.leverage": [2] } });
    expect(none.message).toMatch(
      /\(the longest existing prefix is "populations\.0", population 0: marketMaker\)$/,
    );
  });

  test("a misspelt key, kind, symbol, metric or variant names the nearest allowed one", () => {
    const near = (def: unknown) => {
      const m = errorOf(def).message;
      return m.slice(m.lastIndexOf(";") + 2);
    };
    expect(near({ ...base(), replication: 3 })).toBe('did you mean "replications"?');
    expect(near({ ...base(), baseline: "ful" })).toBe('did you mean "full"?');
    const pops = (p: Record<string, unknown>) => ({
      ...base(),
      populations: [{ kind: "noise", count: 2, ...p }],
    });
    expect(errorOf(pops({ ordersize: 3 })).message).toMatch(
      /populations\.0\.ordersize = 3; .*did you mean "orderSize"\?$/,
    );
    expect(errorOf(pops({ orderSize: { dist: "unifrom", min: 1, max: 2 } })).message).toMatch(
      /populations\.0\.orderSize\.dist = "unifrom"; .*did you mean "uniform"\?$/,
    );
    // a field of another distribution: which distribution's fields are allowed
    expect(errorOf(pops({ orderSize: { dist: "uniform", mean: 1, max: 2 } })).message).toContain(
      'populations.0.orderSize.mean = 1; allowed: one of dist, min, max (the fields of a "uniform" distribution)',
    );
    expect(errorOf(pops({ instruments: ["x"] })).message).toContain(
      'populations.0.instruments.0 = "x"; allowed: one of the instruments "X", "Y"; did you mean "X"?',
    );
    const shock = (s: Record<string, unknown>) => ({ ...base(), shocks: [{ atTick: 5, ...s }] });
    expect(near(shock({ kind: "correlatedDrop", fractions: { X: 0.1 } }))).toBe(
      'did you mean "correlatedCrash"?',
    );
    expect(errorOf(shock({ kind: "correlatedCrash", fractions: { x: 0.1 } })).message).toContain(
      'shocks.0.fractions.x = "x"; allowed: one of the instruments "X", "Y"; did you mean "X"?',
    );
    expect(near(shock({ kind: "fundamentalDrop", instrument: "y", fraction: 0.1 }))).toBe(
      'did you mean "Y"?',
    );
    expect(near({ ...base(), metrics: { headline: ["bad_debt", "peak_drawdown_x"] } })).toBe(
      'did you mean "peak_drawdown_X"?',
    );
    expect(near({ ...base(), metrics: { builtIn: ["bad_dept"] } })).toBe('did you mean "bad_debt"?');
    expect(
      near({
        ...base(),
        sweep: { "liquidation.amount.fraction": [0.5, 1] },
        sweepReference: "liquidation.amount.fractions",
      }),
    ).toBe('did you mean "liquidation.amount.fraction"?');
    // nothing near: no guess
    expect(errorOf({ ...base(), zzz: 1 }).message).not.toContain("did you mean");
  });

  test("a missing required key says what it takes", () => {
    const without = (k: string) => {
      const d = base();
      delete d[k];
      return errorOf(d).message;
    };
    const noVariants = base();
    delete noVariants.liquidation;
    delete noVariants.variants;
    expect(errorOf(noVariants).message).toBe(
      "invalid experiment: liquidation = undefined; allowed: the base policy, e.g. presets.fullClose() (optional only when every variant is a policy or sets its own liquidation) (liquidation is required)",
    );
    expect(without("replications")).toBe(
      "invalid experiment: replications = undefined; allowed: an integer in [1, 10000000] (runs per variant and sweep point) (replications is required)",
    );
    expect(without("ticks")).toContain(
      "ticks = undefined; allowed: an integer >= 1 (the length of a run) (ticks is required)",
    );
    expect(without("seed")).toContain(
      "seed = undefined; allowed: the root seed, an integer >= 0 (seed is required)",
    );
  });

  test("liquidation may be left out exactly when every variant is a policy or sets its own", () => {
    const d = base();
    delete d.liquidation;
    d.variants = {
      full: presets.fullClose(),
      stepwise: presets.stepwise(),
      half: { liquidation: presets.closeFactor({ fraction: 0.5 }), ticks: 20 },
    };
    d.sweep = { "liquidation.amount.fraction": [0.25, 0.5] };
    const v = validateExperiment(d);
    expect(v.base.liquidation).toBeUndefined();
    expect(v.variants.map((x) => x.config.liquidation.name)).toEqual([
      "fullClose",
      "stepwise",
      "closeFactor",
    ]);
    expect(v.variants[2].config.ticks).toBe(20);
    const manifest = makePlan(v).manifest as { config: Record<string, unknown> };
    expect(Object.keys(manifest.config)).not.toContain("liquidation");
    // each variant runs with its own policy, at each sweep point
    const plan = makePlan(v);
    expect(executeRun(plan, plan.total - 1).metrics.length).toBe(plan.metricColumns.length);

    d.variants = { full: presets.fullClose(), short: { ticks: 20 } };
    const e = errorOf(d);
    expect(e.code).toBe("MISSING");
    expect(e.field).toBe("liquidation");
    expect(e.message).toBe(
      "invalid experiment: liquidation = undefined; allowed: the base policy, e.g. presets.fullClose() (optional only when every variant is a policy or sets its own liquidation) (liquidation is required): variants.short sets none",
    );

    // A misspelt `liquidation` in a variant is the mistake to name, not the base policy it left missing.
    d.variants = { full: presets.fullClose(), half: { liquidaton: presets.closeFactor({ fraction: 0.5 }) } };
    const typo = errorOf(d);
    expect(typo.code).toBe("UNKNOWN_KEY");
    expect(typo.field).toBe("variants.half.liquidaton");
    expect(typo.message).toMatch(
      /^invalid experiment: variants\.half\.liquidaton = \{.*did you mean "liquidation"\?$/,
    );
  });

  test("two variants that resolve to the same config are refused: the second would repeat the first's numbers", () => {
    // 0.01 is dutchAuction's default decay: "fast" is the default auction under another name
    const e = errorOf({
      ...base(),
      variants: {
        full: presets.fullClose(),
        dutch: presets.dutchAuction(),
        fast: presets.dutchAuction({ decayPerTick: 0.01 }),
      },
    });
    expect(e.code).toBe("DUPLICATE_VARIANT");
    expect(e.field).toBe("variants.fast");
    expect(e.message).toMatch(
      /^invalid experiment: variants\.fast = \{.*; allowed: a variant whose config differs from every other variant's \(it resolves to the same config as variants\.dutch, defaults filled in, so every run would repeat that variant's numbers: is an option set to its default\?\)$/,
    );
    // overrides that change nothing are the base config again, like a variant of the base policy
    const same = errorOf({ ...base(), variants: { full: presets.fullClose(), again: { ticks: 40 } } });
    expect(same.field).toBe("variants.again");
    expect(same.message).toContain("the same config as variants.full");
    // a custom trigger is compared by identity: two written apart are two variants
    const test1 = () => false;
    const custom = (test: () => boolean) => presets.fullClose({ trigger: { kind: "custom", test } });
    expect(() =>
      validateExperiment({ ...base(), variants: { a: custom(test1), b: custom(() => false) } }),
    ).not.toThrow();
    expect(errorOf({ ...base(), variants: { a: custom(test1), b: custom(test1) } }).field).toBe("variants.b");
  });

  test("a variant given a sweep's dotted path as a key says how a variant writes that change", () => {
    const variant = (over: Record<string, unknown>) =>
      errorOf({
        ...base(),
        variants: { full: presets.fullClose(), cheap: { liquidation: presets.fullClose(), ...over } },
      });
    const fees = variant({ "market.fees.takerBps": 5 });
    expect(fees.code).toBe("UNKNOWN_KEY");
    expect(fees.message).toBe(
      'invalid experiment: variants.cheap["market.fees.takerBps"] = 5; allowed: one of the keys description, market, fundamentals, populations, shocks, liquidation, ticks, sampleEvery, recoveryThreshold, depthBand (a dotted path is a sweep\'s key: a variant writes the part it changes as nested objects, { market: { fees: { takerBps: 5 } } }, merged with the base key by key)',
    );
    const pop = variant({ "populations.1.count": 8 });
    expect(pop.message).toMatch(
      /\(a dotted path is a sweep's key: a variant replaces a list such as populations whole: give the whole list with item 1 changed\)$/,
    );
  });

  test("a list given as something else says what the list holds (and that a variant's replaces the base's)", () => {
    expect(errorOf({ ...base(), metrics: { headline: "bad_debt" } }).message).toBe(
      'invalid experiment: metrics.headline = "bad_debt"; allowed: a list of metric columns, e.g. ["liquidated_notional", "bad_debt"]',
    );
    const pops = errorOf({
      ...base(),
      variants: {
        full: presets.fullClose(),
        big: { liquidation: presets.fullClose(), populations: { 1: { count: 9 } } },
      },
    });
    expect(pops.message).toBe(
      'invalid experiment: variants.big.populations = {"1":{"count":9}}; allowed: a list of populations (marketMakers(...), noiseTraders(...), ...); a variant\'s list replaces the base\'s whole: give every one',
    );
    expect(errorOf({ ...base(), shocks: { kind: "fundamentalDrop" } }).message).toMatch(
      /shocks = \{"kind":"fundamentalDrop"\}; allowed: a list of shocks \(\[\{ kind: "fundamentalDrop", instrument, atTick, fraction \}, \.\.\.\]\)$/,
    );
  });

  test("a variant written as a policy with a world key beside it says how to write both", () => {
    const e = errorOf({
      ...base(),
      variants: { full: presets.fullClose(), short: { ...presets.stepwise(), ticks: 20 } },
    });
    expect(e.code).toBe("UNKNOWN_KEY");
    expect(e.message).toBe(
      "invalid experiment: variants.short.ticks = 20; allowed: a key of a policy, since this variant is written as one (it has trigger, amount or execution); to change ticks too, write the variant as overrides: { liquidation: policy, ticks: ... }",
    );
    // written as overrides it is accepted
    const v = validateExperiment({
      ...base(),
      variants: { full: presets.fullClose(), short: { liquidation: presets.stepwise(), ticks: 20 } },
    });
    expect(v.variants[1].config.ticks).toBe(20);
  });

  test("a swept path whose first missing step is misspelt names the nearest key there", () => {
    const crash = { ...base(), shocks: [{ kind: "correlatedCrash", atTick: 5, fractions: { X: 0.1 } }] };
    expect(errorOf({ ...crash, sweep: { "shocks.0.fraction": [0.1, 0.2] } }).message).toContain(
      '(the longest existing prefix is "shocks.0"; did you mean "shocks.0.fractions"?)',
    );
    expect(errorOf({ ...base(), sweep: { "liquidation.loss.insurance": [0, 1000] } }).message).toContain(
      '(the longest existing prefix is "liquidation.loss"; did you mean "liquidation.loss.insuranceFund"?)',
    );
  });

  test("a huge round value is printed in exponent form in messages (|x| >= 1e15, when shorter)", () => {
    const huge = errorOf({ ...base(), sweep: { "liquidation.loss.insuranceFund": [0, 1e20] } });
    expect(huge.field).toBe('sweep["liquidation.loss.insuranceFund"].1');
    expect(huge.message).toContain('sweep["liquidation.loss.insuranceFund"].1 = 1e+20; allowed:');
    expect(errorOf({ ...base(), sweep: { "liquidation.loss.insuranceFund": [-2.5e16] } }).message).toContain(
      "= -2.5e+16; allowed:",
    );
    // many significant digits (2^53, next to a bound written in full): the digits are kept
    const odd = errorOf({ ...base(), sweep: { "liquidation.loss.insuranceFund": [2 ** 53] } });
    expect(odd.message).toContain("= 9007199254740992; allowed:");
    const small = errorOf({ ...base(), sweep: { "liquidation.loss.insuranceFund": [-123456789012345] } });
    expect(small.message).toContain("= -123456789012345; allowed:");
  });

  test("what the venue would refuse mid-run is refused up front, under the experiment's path", () => {
    const instrument = (over: object) => ({
      ...base(),
      market: {
        instruments: [
          { symbol: "X", initialPrice: 100, ...over },
          { symbol: "Y", initialPrice: 50 },
        ],
      },
    });
    // margin tiers must not lower the rates (the venue's rule; the experiment's check lacked it)
    const tiers = errorOf(
      instrument({
        margin: {
          initial: 0.1,
          maintenance: 0.05,
          tiers: [{ notionalAbove: 0, initial: 0.05, maintenance: 0.05 }],
        },
      }),
    );
    expect(tiers.field).toBe("market.instruments.0.margin.tiers.0.initial");
    expect(tiers.message).toContain("(rates non-decreasing across tiers)");
    // the default maxPrice (4 x initialPrice) beyond the book's 2^25 levels
    const band = errorOf(instrument({ initialPrice: 10_000_000 }));
    expect(band.field).toBe("market.instruments.0.maxPrice");
    expect(band.message).toContain(
      "= 40000000; allowed: an integer number of ticks in [initialPrice = 10000000, 33554432] (maxPrice defaults to 4 x initialPrice)",
    );
  });

  test("deposits a run could not hold exactly (over 2^53 in all) are refused, naming the largest part", () => {
    const rich = errorOf({ ...base(), populations: [noiseTraders({ count: 10, capital: 1e15 })] });
    expect(rich.field).toBe("populations.0.capital");
    expect(rich.message).toContain("= 1e+15; allowed: deposits of one run totalling at most 2^53 - 1");
    expect(rich.message).toContain("can reach 1.000e+16, 1.000e+16 of it here");
    const sell = errorOf({
      ...base(),
      market: {
        instruments: [
          { symbol: "X", initialPrice: 5000 },
          { symbol: "Y", initialPrice: 50 },
        ],
      },
      shocks: [{ kind: "marketSell", instrument: "X", atTick: 5, quantity: 1e12 }], // 1e12 x 20000
    });
    expect(sell.field).toBe("shocks.0.quantity");
    // a distribution counts at its upper clamp
    const dist = errorOf({
      ...base(),
      populations: [noiseTraders({ count: 20, capital: { dist: "uniform", min: 1, max: 5e14 } })],
    });
    expect(dist.field).toBe("populations.0.capital");
    expect(() =>
      validateExperiment({ ...base(), populations: [noiseTraders({ count: 8, capital: 1e15 })] } as never),
    ).not.toThrow();
  });

  test("a default export that is not an object, and names that start with a symbol, say what is allowed", () => {
    expect(errorOf(42).message).toMatch(
      /^invalid experiment: default export = 42; allowed: defineExperiment\(\{\.\.\.\}\): an object with keys name, /,
    );
    expect(errorOf({ ...base(), name: "-neg" }).message).toContain(
      'name = "-neg"; allowed: an identifier of letters, digits, . _ - (starting with a letter or digit, max 100)',
    );
  });

  test("a swept value that breaks another field names that field, its value and its rule", () => {
    const own = errorOf({ ...base(), sweep: { "liquidation.amount.fraction": [0.5, 2] } });
    expect(own.message).toMatch(
      /^invalid experiment: sweep\["liquidation\.amount\.fraction"\]\.1 = 2; allowed: .* \(at liquidation\.amount\.fraction in variant "/,
    );
    // Renaming the instrument a shock names: the rule broken is the shock's, not the symbol's.
    const other = errorOf({ ...base(), sweep: { "market.instruments.0.symbol": ["X", "W"] } });
    expect(other.field).toBe('sweep["market.instruments.0.symbol"].1');
    expect(other.message).toContain(
      '= "W"; allowed: a value under which variant "full" is valid (it makes shocks.0.instrument = "X" invalid; allowed there: one of the instruments',
    );
  });

  test("overrides are validated under their option names (the CLI checks its flags before)", () => {
    expect(errorOf(fakeExperiment(), { replications: 0 }).field).toBe("options.replications");
    expect(errorOf(fakeExperiment(), { seed: -2 }).field).toBe("options.seed");
    expect(validateExperiment(fakeExperiment(), { replications: 9 }).replications).toBe(9);
  });

  test("an override validateExperiment does not know is refused with the nearest one, not dropped", () => {
    // Before: validateExperiment(def, { replication: 5 }) validated at the file's replications.
    const typo = errorOf(fakeExperiment(), { replication: 5 } as never);
    expect([typo.code, typo.message]).toEqual([
      "UNKNOWN_OPTION",
      'invalid experiment: option = "replication"; allowed: one of replications, seed; did you mean "replications"?',
    ]);
    expect(errorOf(fakeExperiment(), null as never).message).toBe(
      "invalid experiment: options = null; allowed: an object of options (replications, seed)",
    );
  });

  test("a sweep path present in one variant only applies there", () => {
    const v = validateExperiment(
      fakeExperiment({ sweep: { "liquidation.amount.fraction": [0.25, 0.75], ticks: [30, 40] } }),
    );
    expect(v.sweep.params).toEqual(["liquidation.amount.fraction", "ticks"]);
    expect(v.sweep.points).toEqual([
      [0.25, 30],
      [0.25, 40],
      [0.75, 30],
      [0.75, 40],
    ]);
  });

  test("a sweep path only the base config has (every variant replaces that part) is refused: it would change no run", () => {
    // the base policy is a close factor, but both variants bring their own policy without that field
    const def = fakeExperiment({
      liquidation: presets.closeFactor({ fraction: 0.5 }),
      variants: { full: presets.fullClose(), stepwise: presets.stepwise() },
      sweep: { "liquidation.amount.fullBelowHealthFactor": [0.9, -3] },
    });
    const e = errorOf(def);
    expect(e.code).toBe("UNKNOWN_PATH");
    expect(e.message).toBe(
      'invalid experiment: sweep["liquidation.amount.fullBelowHealthFactor"] = "liquidation.amount.fullBelowHealthFactor"; allowed: a path that exists in the config of a variant (the base config has it, but every variant replaces it with its own, so the sweep would change no run: set it in a variant)',
    );
  });

  test("an instrument's maxPrice can be swept without being set (its default follows initialPrice)", () => {
    const v = validateExperiment(fakeExperiment({ sweep: { "market.instruments.1.maxPrice": [120, 400] } }));
    expect(v.base.market.instruments[1].maxPrice).toBeUndefined(); // the venue's default, 4 x initialPrice
    const at = applyPoint(v.base, v.sweep.params, v.sweep.points[0]);
    expect(at.market.instruments[1].maxPrice).toBe(120);
    expect(at.market.instruments[0].maxPrice).toBeUndefined();
    // a value the band rules refuse is named, at its point
    expect(errorOf(fakeExperiment({ sweep: { "market.instruments.1.maxPrice": [120, 40] } })).field).toBe(
      'sweep["market.instruments.1.maxPrice"].1',
    );
    // other absent keys still need to exist
    expect(errorOf(fakeExperiment({ sweep: { "market.instruments.1.maxPrize": [120] } })).code).toBe(
      "UNKNOWN_PATH",
    );
  });

  test("a population's kind is not swept (its parameters would run as another kind's, unrecorded); the whole population is", () => {
    // Accepted before: point 1 ran population 1 as momentum traders with the noise traders' count
    // and the rest at momentum's defaults, and runs.csv recorded only "momentum".
    const e = errorOf(fakeExperiment({ sweep: { "populations.1.kind": ["noise", "momentum"] } }));
    expect(e.code).toBe("SWEPT_KIND");
    expect(e.field).toBe('sweep["populations.1.kind"]');
    expect(e.value).toEqual(["noise", "momentum"]);
    expect(e.message).toBe(
      'invalid experiment: sweep["populations.1.kind"] = ["noise","momentum"]; allowed: a path other than a population\'s kind (populations.1.kind): swept, the parameters written for one kind would be read as another\'s, the rest left at that kind\'s defaults, and runs.csv would record only the kind; write each kind\'s population in full instead, in a variant per kind (variants: { momentum: { populations: [...] } }) or as the values of the whole population (sweep: { "populations.1": [noiseTraders({ ... }), momentumTraders({ ... })] })',
    );
    // in a linked key too, and refused before a value is checked (a kind whose keys differ was
    // refused only for those keys, as if the value were a typo)
    const linked = errorOf(
      fakeExperiment({ sweep: { "populations.0.count, populations.1.kind": [1, "leveraged"] } }),
    );
    expect([linked.code, linked.field]).toEqual([
      "SWEPT_KIND",
      'sweep["populations.0.count, populations.1.kind"]',
    ]);
    expect(linked.allowed).toContain("(populations.1.kind)");
    // the whole population, each value written by its own builder, is swept
    const v = validateExperiment(
      fakeExperiment({
        sweep: { "populations.1": [noiseTraders({ count: 5 }), momentumTraders({ count: 5 })] },
      }),
    );
    expect(applyPoint(v.base, v.sweep.params, v.sweep.points[1]).populations[1].kind).toBe("momentum");
  });

  test("a shock's kind and a policy part's kind are not swept either (SWEPT_KIND); fundamentals.kind and market.mark.kind are", () => {
    // Refused before only point by point, as a misspelt field ("it makes liquidation.amount.fraction
    // = 0.5 invalid; allowed there: one of the keys kind"), never as a kind swept.
    const policy = { variants: { cf: presets.closeFactor(), step: presets.stepwise() } };
    const amount = errorOf(
      fakeExperiment({ ...policy, sweep: { "liquidation.amount.kind": ["stepwise", "full"] } }),
    );
    expect([amount.code, amount.field, amount.value]).toEqual([
      "SWEPT_KIND",
      'sweep["liquidation.amount.kind"]',
      ["stepwise", "full"],
    ]);
    expect(amount.allowed).toBe(
      'a path other than a policy amount\'s kind (liquidation.amount.kind): swept, the fields written for one kind would be taken as another\'s (refused as misspelt where it has no such field, read as its own where it has: a closeFactor\'s fraction as a stepwise one\'s), and runs.csv would record only the kind; write each kind\'s policy amount in full instead, in a variant per kind (variants: { stepwise: presets.stepwise() }) or as the values of the whole policy amount (sweep: { "liquidation.amount": [{ kind: "full" }, { kind: "closeFactor", fraction: 0.5 }] })',
    );
    for (const path of ["liquidation.trigger.kind", "liquidation.execution.kind", "shocks.0.kind"]) {
      const e = errorOf(fakeExperiment({ ...policy, sweep: { [path]: ["a", "b"] } }));
      expect([e.code, e.field]).toEqual(["SWEPT_KIND", `sweep[${JSON.stringify(path)}]`]);
      expect(e.allowed).toContain(`(${path})`);
      expect(e.allowed).toContain(`sweep: { ${JSON.stringify(path.slice(0, -".kind".length))}: [`);
    }
    // A kind that is all its object holds ({ kind: "full" }) leaves no field to be taken as
    // another kind's: swept, each point runs as written.
    const tiered = {
      market: {
        instruments: [
          {
            symbol: "X",
            initialPrice: 100,
            margin: {
              initial: 0.1,
              maintenance: 0.05,
              tiers: [{ notionalAbove: 1e6, initial: 0.2, maintenance: 0.1 }],
            },
          },
          { symbol: "Y", initialPrice: 50 },
        ],
      },
    };
    const bare = validateExperiment(
      fakeExperiment({
        ...tiered,
        variants: { full: presets.fullClose() },
        sweep: { "liquidation.amount.kind": ["full", "tiered"] },
      }),
    );
    expect(applyPoint(bare.base, bare.sweep.params, bare.sweep.points[1]).liquidation?.amount).toEqual({
      kind: "tiered",
    });
    // the whole shock is swept, each value written in full
    const sell = { kind: "marketSell", instrument: "X", atTick: 10, quantity: 5 };
    const shocks = validateExperiment(
      fakeExperiment({
        sweep: {
          "shocks.0": [{ kind: "fundamentalDrop", instrument: "X", atTick: 10, fraction: 0.1 }, sell],
        },
      }),
    );
    expect(applyPoint(shocks.base, shocks.sweep.params, shocks.sweep.points[1]).shocks[0]).toEqual(sell);
    // The fundamental process's kinds share volatility, correlation and every, and the marks' kinds
    // share no field: written with only those, each point runs as written (a field one kind alone
    // reads is refused at the points of another kind: the next test).
    const fundamentals = validateExperiment(
      fakeExperiment({ sweep: { "fundamentals.kind": ["randomWalk", "meanReverting"] } }),
    );
    expect(fundamentals.sweep.values).toEqual([["randomWalk", "meanReverting"]]);
    const mark = validateExperiment(
      fakeExperiment({ sweep: { "market.mark.kind": ["mid", "ema", "oracle"] } }),
    );
    expect(applyPoint(mark.base, mark.sweep.params, mark.sweep.points[1]).market.mark).toEqual({
      kind: "ema",
    });
  });

  test("a field its kind does not read is refused, written or reached by a sweep of the kind: meanReversion under randomWalk, emaAlpha under a mark other than ema", () => {
    // Both were accepted and ignored: the run was a plain random walk, or a mid mark.
    const walk = { kind: "randomWalk", volatility: 0.001, meanReversion: 0.01 };
    const e = errorOf(fakeExperiment({ fundamentals: walk as never }));
    expect([e.field, e.value]).toEqual(["fundamentals.meanReversion", 0.01]);
    expect(e.allowed).toMatch(
      /^undefined with kind "randomWalk" \(meanReversion is read by kind "meanReverting" alone/,
    );
    const instruments = [{ symbol: "X", initialPrice: 100 }];
    const mark = errorOf(fakeExperiment({ market: { instruments, mark: { kind: "mid", emaAlpha: 0.3 } } }));
    expect([mark.field, mark.value]).toEqual(["market.mark.emaAlpha", 0.3]);
    expect(mark.allowed).toBe(
      'undefined with kind "mid" (emaAlpha is read by kind "ema" alone); to compare marks, sweep "market.mark" over whole marks, or write the mark in each variant and no emaAlpha in the base',
    );
    // A kind swept where the field is written: the point that would ignore it is refused, naming it.
    const reverting = { kind: "meanReverting", volatility: 0.001, meanReversion: 0.01 } as const;
    const swept = errorOf(
      fakeExperiment({
        fundamentals: reverting,
        sweep: { "fundamentals.kind": ["meanReverting", "randomWalk"] },
      }),
    );
    expect([swept.field, swept.value]).toEqual(['sweep["fundamentals.kind"].1', "randomWalk"]);
    expect(swept.allowed).toMatch(
      /fundamentals\.meanReversion = 0\.01 invalid; allowed there: undefined with kind "randomWalk"/,
    );
    // ... and the same comparison is written as a sweep of the pull (a random walk is meanReversion 0).
    expect(
      validateExperiment(
        fakeExperiment({ fundamentals: reverting, sweep: { "fundamentals.meanReversion": [0, 0.01] } }),
      ).sweep.values,
    ).toEqual([[0, 0.01]]);
    const ema = { instruments, mark: { kind: "ema" as const, emaAlpha: 0.3 } };
    const markSwept = errorOf(fakeExperiment({ market: ema, sweep: { "market.mark.kind": ["ema", "mid"] } }));
    expect([markSwept.field, markSwept.value]).toEqual(['sweep["market.mark.kind"].1', "mid"]);
    expect(markSwept.allowed).toMatch(/market\.mark\.emaAlpha = 0\.3 invalid/);
    // A variant's object is merged onto the base's: a base field reaches a variant of another kind.
    const variantMark = errorOf(
      fakeExperiment({ market: ema, variants: { mid: { market: { mark: { kind: "mid" } } } } }),
    );
    expect([variantMark.field, variantMark.value]).toEqual(["variants.mid.market.mark.emaAlpha", 0.3]);
    const variantWalk = errorOf(
      fakeExperiment({
        fundamentals: reverting,
        variants: { walk: { fundamentals: { kind: "randomWalk" } } },
      }),
    );
    expect([variantWalk.field, variantWalk.value]).toEqual([
      "variants.walk.fundamentals.meanReversion",
      0.01,
    ]);
    // ... and written as a sweep of whole marks.
    const marks = validateExperiment(
      fakeExperiment({
        market: ema,
        sweep: { "market.mark": [{ kind: "mid" }, { kind: "ema", emaAlpha: 0.3 }] },
      }),
    );
    expect(applyPoint(marks.base, marks.sweep.params, marks.sweep.points[0]).market.mark).toEqual({
      kind: "mid",
    });
  });

  test("a built-in population's parameter left at its default can be swept without being set", () => {
    // marketMakers({ count: 1 }) writes no `levels`: the sweep was refused as a path that does not exist.
    const v = validateExperiment(
      fakeExperiment({ sweep: { "populations.0.levels, populations.1.maxOpenOrders": [3, 6] } }),
    );
    expect(v.base.populations[0]).not.toHaveProperty("levels");
    const at = applyPoint(v.base, v.sweep.params, v.sweep.points[1]);
    expect(at.populations[0]).toMatchObject({ kind: "marketMaker", levels: 6 });
    expect(at.populations[1]).toMatchObject({ kind: "noise", maxOpenOrders: 6 });
    // each value is checked by the population's rules, at its point
    const bad = errorOf(fakeExperiment({ sweep: { "populations.0.levels": [3, 2.5] } }));
    expect([bad.field, bad.value]).toEqual(['sweep["populations.0.levels"].1', 2.5]);
    // a key of another kind, or no parameter at all, still has to exist
    expect(errorOf(fakeExperiment({ sweep: { "populations.1.levels": [3] } })).code).toBe("UNKNOWN_PATH");
    const typo = errorOf(fakeExperiment({ sweep: { "populations.0.levls": [3] } }));
    expect(typo.code).toBe("UNKNOWN_PATH");
    // the nearest name includes the parameters left at their defaults
    expect(typo.message).toContain('did you mean "populations.0.levels"?');
    // a variant whose population 0 is of another kind runs unchanged at every point
    const other = validateExperiment(
      fakeExperiment({
        variants: { full: presets.fullClose(), noMakers: { populations: [noiseTraders({ count: 5 })] } },
        sweep: { "populations.0.levels": [3, 6] },
      }),
    );
    const noMakers = other.variants[1].config;
    expect(applyPoint(noMakers, other.sweep.params, other.sweep.points[1])).toEqual(noMakers);
  });

  test("sweepReference: a swept parameter (several variants too)", () => {
    const one = {
      variants: undefined,
      liquidation: presets.closeFactor({ fraction: 1 }),
      sweep: { "liquidation.amount.fraction": [1, 0.5], ticks: [30, 40] },
    };
    expect(validateExperiment(fakeExperiment({ ...one, sweepReference: "ticks" })).sweep.reference).toBe(
      "ticks",
    );
    expect(validateExperiment(fakeExperiment(one)).sweep.reference).toBeNull();
    const notSwept = errorOf(fakeExperiment({ ...one, sweepReference: "seed" }));
    expect([notSwept.field, notSwept.message]).toEqual([
      "sweepReference",
      'invalid experiment: sweepReference = "seed"; allowed: one of the swept parameters "liquidation.amount.fraction", "ticks"',
    ]);
    const several = fakeExperiment({ sweep: { ticks: [30, 40] }, sweepReference: "ticks" });
    expect(validateExperiment(several).sweep.reference).toBe("ticks");
  });

  test("a custom metric's { compute, description, unit }: a bad field is named with its value and what is allowed", () => {
    const f = () => 1;
    const text = "a line of text (1 to 300 characters, no line break)";
    const cases: Array<[unknown, string, string]> = [
      [
        { description: "x" },
        "MISSING",
        "metrics.custom.m.compute = undefined; allowed: a value (compute is required)",
      ],
      [
        { compute: 3 },
        "INVALID_TYPE",
        "metrics.custom.m.compute = 3; allowed: a function (records, run) => number, not async or a generator",
      ],
      [
        { compute: f, units: "lots" },
        "UNKNOWN_KEY",
        'metrics.custom.m.units = "lots"; allowed: one of the keys compute, description, unit; did you mean "unit"?',
      ],
      [
        { compute: f, description: "" },
        "INVALID_VALUE",
        `metrics.custom.m.description = ""; allowed: ${text}`,
      ],
      [
        { compute: f, description: "two\nlines" },
        "INVALID_VALUE",
        `metrics.custom.m.description = "two\\nlines"; allowed: ${text}`,
      ],
      [
        { compute: f, unit: 1 },
        "INVALID_VALUE",
        `metrics.custom.m.unit = 1; allowed: ${text}, e.g. "cash units", "lots", "a fraction"`,
      ],
    ];
    for (const [spec, code, message] of cases) {
      const e = errorOf(fakeExperiment({ metrics: { custom: { m: spec as () => number } } }));
      expect([e.code, e.message]).toEqual([code, `invalid experiment: ${message}`]);
    }
    const ok = validateExperiment(
      fakeExperiment({
        metrics: {
          custom: {
            plain: f,
            described: { compute: f, description: "lots the dip buyers bought", unit: "lots" },
            unitOnly: { compute: f, unit: "a fraction" },
            bare: { compute: f },
          },
        },
      }),
    );
    expect(ok.custom.map(([n, g]) => [n, g])).toEqual([
      ["plain", f],
      ["described", f],
      ["unitOnly", f],
      ["bare", f],
    ]);
    expect(ok.metricInfo).toEqual({
      described: { description: "lots the dip buyers bought", unit: "lots" },
      unitOnly: { unit: "a fraction" },
    });
  });

  test("a key that is no identifier is bracketed in the error's path", () => {
    const fieldOf = (over: Record<string, unknown>) => errorOf({ ...base(), ...over }).field;
    // a custom metric name with a space (refused), plain and in the { compute } form
    expect(fieldOf({ metrics: { custom: { "dip pnl": () => 1 } } })).toBe('metrics.custom["dip pnl"]');
    expect(fieldOf({ metrics: { custom: { "dip pnl": { compute: () => 1 } } } })).toBe(
      'metrics.custom["dip pnl"]',
    );
    expect(fieldOf({ metrics: { custom: { "dip pnl": { compute: () => 1, unit: "" } } } })).toBe(
      'metrics.custom["dip pnl"].unit',
    );
    // a variant name with a comma (refused), and a valid one with a space, whose fields are named under it
    const variants = (base().variants ?? {}) as Record<string, unknown>;
    const [vname, policy] = Object.entries(variants)[0];
    expect(fieldOf({ variants: { ...variants, "cf 30,x": policy } })).toBe('variants["cf 30,x"]');
    const e = errorOf({ ...base(), variants: { ...variants, "cf 30": { ticks: 0 } } });
    expect(e.field).toBe('variants["cf 30"].ticks');
    expect(e.message).toMatch(/^invalid experiment: variants\["cf 30"\]\.ticks = 0; allowed: /);
    // an unknown key with a space; identifiers and indices keep the dotted form
    expect(fieldOf({ metrics: { "head line": [] } })).toBe('metrics["head line"]');
    expect(fieldOf({ "sample every": 3 })).toBe('"sample every"');
    expect(fieldOf({ metrics: { custom: { m: 3 } } })).toBe("metrics.custom.m");
    expect(vname).toMatch(/^[A-Za-z_]\w*$/);
  });

  test("a maker rebate is allowed up to the taker fee (takerBps + makerBps >= 0), in the base, a variant and at each sweep point", () => {
    const market = (fees: object) => ({ ...(base().market as object), fees });
    const rebate = "a rebate no larger than the taker fee: makerBps >= -takerBps";
    const e = errorOf({ ...base(), market: market({ makerBps: -2, takerBps: 1 }) });
    expect([e.code, e.field, e.value]).toEqual(["INVALID_VALUE", "market.fees.makerBps", -2]);
    expect(e.allowed).toBe(
      `${rebate} = -1 (takerBps + makerBps >= 0; no venue pays both sides of a trade, and its fee account would go below zero)`,
    );
    expect(
      validateExperiment({ ...base(), market: market({ makerBps: -2, takerBps: 2 }) }).base.market.fees,
    ).toEqual({
      makerBps: -2,
      takerBps: 2,
    });
    // a variant's fees merged onto the base's, and a swept taker fee
    const variant = errorOf({
      ...base(),
      market: market({ makerBps: -2, takerBps: 5 }),
      variants: {
        full: presets.fullClose(),
        cheap: { liquidation: presets.fullClose(), market: { fees: { takerBps: 1 } } },
      },
    });
    expect(variant.field).toBe("variants.cheap.market.fees.makerBps");
    const swept = errorOf({
      ...base(),
      market: market({ makerBps: -2, takerBps: 5 }),
      sweep: { "market.fees.takerBps": [0, 10] },
    });
    expect([swept.field, swept.value]).toEqual(['sweep["market.fees.takerBps"].0', 0]);
    expect(swept.allowed).toContain(`market.fees.makerBps = -2 invalid; allowed there: ${rebate} = 0 (`);
  });

  test('metrics.builtIn that is no list says what it may be: "all" or a list, [] for none', () => {
    const e = errorOf(fakeExperiment({ metrics: { builtIn: "none" as never } }));
    expect([e.code, e.field, e.value]).toEqual(["INVALID_TYPE", "metrics.builtIn", "none"]);
    expect(e.allowed).toMatch(
      /^"all" \(the default\) or a list of built-in metrics \(\[\] for none\) of peak_drawdown, /,
    );
    expect(e.allowed).not.toContain("for this one alone");
    const one = errorOf(fakeExperiment({ metrics: { builtIn: "bad_debt" as never } }));
    expect(one.allowed).toMatch(/, backstop_worst_pnl; for this one alone: \["bad_debt"\]$/);
  });

  test("a built-in metric listed twice is refused with the item it repeats and what is allowed", () => {
    const e = errorOf(fakeExperiment({ metrics: { builtIn: ["bad_debt", "adl_volume", "bad_debt"] } }));
    expect([e.code, e.field, e.value]).toEqual(["DUPLICATE_METRIC", "metrics.builtIn.2", "bad_debt"]);
    expect(e.message).toMatch(
      /^invalid experiment: metrics\.builtIn\.2 = "bad_debt"; allowed: each metric once \(it repeats item 0; "all" or a list of .*bad_debt.*\)$/,
    );
  });

  test("a custom metric may not take a built-in column's name, per-instrument ones included", () => {
    for (const name of [
      "bad_debt",
      "peak_drawdown_X",
      "ticks_at_max_price_X",
      "ticks_at_min_price_Y",
      "seed",
    ]) {
      const e = errorOf(fakeExperiment({ metrics: { custom: { [name]: () => 1 } } }));
      expect([e.code, e.field, e.message]).toEqual([
        "DUPLICATE_METRIC",
        `metrics.custom.${name}`,
        `invalid experiment: metrics.custom.${name} = "${name}"; allowed: a name not used by a built-in metric or another column`,
      ]);
    }
    // a name that only looks alike is fine
    expect(() =>
      validateExperiment(fakeExperiment({ metrics: { custom: { ticks_at_max: () => 1 } } })),
    ).not.toThrow();
  });

  test("not an object", () => {
    expect(errorOf(42).field).toBe("default export");
    expect(errorOf({ ...(fakeExperiment() as ExperimentDefinition), name: "bad name/" }).field).toBe("name");
  });
});

test("a grid point whose values are each valid but not together is refused, naming the point's every value and the field", () => {
  // a nested grid: the whole amount, then the trigger's threshold; restoreToTarget with a
  // health-factor trigger above 1 is refused, whichever way the two got there
  const hf = { ...presets.closeFactor({ fraction: 0.5 }), trigger: { kind: "healthFactor", below: 0.9 } };
  const restore = { kind: "restoreToTarget", targetMarginRatio: 2 };
  const e = errorOf({
    ...base(),
    variants: { full: presets.fullClose(), partial: { liquidation: hf } },
    sweep: {
      "liquidation.amount": [{ kind: "closeFactor", fraction: 0.5 }, restore],
      "liquidation.trigger.below": [0.9, 1.2],
    },
  });
  expect([e.code, e.field]).toEqual(["INVALID_VALUE", "sweep (point 3)"]);
  expect(e.value).toEqual({ "liquidation.amount": restore, "liquidation.trigger.below": 1.2 });
  // each value of the point on its own (the point as one value is cut at 80 characters), then the field it breaks
  expect(e.message).toContain(
    'a grid point under which variant "partial" is valid: at point 3 (liquidation.amount = {"kind":"restoreToTarget","targetMarginRatio":2}, liquidation.trigger.below = 1.2), liquidation.trigger.below = 1.2 is refused; allowed there: a health factor in (0, 1] with amount restoreToTarget',
  );
});

describe("validateExperiment: tiered liquidation", () => {
  test("refused on a market without margin tiers (it would close every position in full), accepted with them", () => {
    const d = fakeExperiment();
    const e = errorOf({ ...d, variants: { full: presets.fullClose(), binance: presets.tieredPartial() } });
    expect(e.field).toBe("variants.binance.liquidation.amount.kind");
    expect(e.message).toContain("tieredPartial) needs margin.tiers on some instrument");
    const tiered = {
      ...d.market,
      instruments: d.market.instruments.map((ins, k) =>
        k === 0
          ? {
              ...ins,
              margin: {
                initial: 0.1,
                maintenance: 0.05,
                tiers: [{ notionalAbove: 50_000, initial: 0.2, maintenance: 0.1 }],
              },
            }
          : ins,
      ),
    };
    const v = validateExperiment({
      ...d,
      market: tiered,
      variants: { full: presets.fullClose(), binance: presets.tieredPartial() },
    });
    expect(v.variants[1].config.liquidation.amount.kind).toBe("tiered");
  });
  test("an empty margin.tiers is refused by name, not taken for tiers (tieredPartial would be fullClose)", () => {
    const d = fakeExperiment();
    const empty = {
      ...d.market,
      instruments: d.market.instruments.map((ins) => ({
        ...ins,
        margin: { initial: 0.1, maintenance: 0.05, tiers: [] },
      })),
    };
    const e = errorOf({
      ...d,
      market: empty,
      variants: { full: presets.fullClose(), binance: presets.tieredPartial() },
    });
    expect(e.field).toBe("market.instruments.0.margin.tiers");
    expect(e.message).toContain("market.instruments.0.margin.tiers = []; allowed: at least one tier");
  });
});

describe("validateExperiment: custom populations", () => {
  const dip = (create: unknown, o: Record<string, unknown> = {}) =>
    customAgents({
      name: "dipBuyer",
      count: 3,
      capital: 1000,
      activation: { every: 5 },
      params: { threshold: 0.01 },
      create: create as never,
      ...o,
    });
  const world = (create: unknown, o: Record<string, unknown> = {}) => {
    const d = base();
    delete d.simulate;
    return { ...d, populations: [marketMakers({ count: 1 }), dip(create, o)] };
  };
  const ok = () => ({ act() {} });

  test("a key that is no identifier is bracketed in every package's path, as in metrics.custom", () => {
    const fieldOf = (def: unknown) => errorOf(def).field;
    // a custom population's params key (agents' spec), and a read of one in create (its params guard)
    expect(fieldOf(world(ok, { params: { "dip size": 3 } }))).toBe('populations.1.params["dip size"]');
    const reader = errorOf(
      world((_v: unknown, { params }: { params: Record<string, number> }) => {
        void params["dip size"];
        return ok();
      }),
    );
    expect([reader.code, reader.value]).toEqual(["UNKNOWN_PARAM", 'params["dip size"]']);
    expect(reader.message).toContain('read params["dip size"], which would be undefined in every run');
    // unknown keys of a population, its activation, a distribution, the fundamentals, a policy, a preset
    expect(fieldOf(world(ok, { "dip size": 3 }))).toBe('populations.1["dip size"]');
    expect(fieldOf(world(ok, { activation: { every: 5, "off set": 1 } }))).toBe(
      'populations.1.activation["off set"]',
    );
    expect(
      fieldOf(world(ok, { params: { threshold: { dist: "uniform", min: 0, max: 1, "mo de": 1 } } })),
    ).toBe('populations.1.params.threshold["mo de"]');
    const fundamentals = { ...(base().fundamentals as object), "mean reversion": 0.1 };
    expect(fieldOf({ ...world(ok), fundamentals })).toBe('fundamentals["mean reversion"]');
    const policy = { ...presets.fullClose(), "cool down": 3 };
    expect(fieldOf({ ...world(ok), liquidation: policy, variants: undefined })).toBe(
      'liquidation["cool down"]',
    );
    const preset = (() => {
      try {
        presets.closeFactor({ "cool down": 3 } as never);
      } catch (e) {
        return (e as ValidationError).field;
      }
    })();
    expect(preset).toBe('closeFactor["cool down"]');
    // identifiers keep the dotted form
    expect(fieldOf(world(ok, { params: { threshold: Number.NaN } }))).toBe("populations.1.params.threshold");
  });

  test("is accepted, keeps create by reference, sweeps params and count", () => {
    const v = validateExperiment({
      ...world(ok),
      sweep: { "populations.1.params.threshold": [0.01, 0.02], "populations.1.count": [0, 4] },
    });
    const p = v.variants[0].config.populations[1];
    expect(p.kind === "custom" && p.create).toBe(ok);
    expect(v.sweep.points).toHaveLength(4);
    const cfg = applyPoint(v.variants[0].config, v.sweep.params, v.sweep.points[3]);
    expect(cfg.populations[1]).toMatchObject({ count: 4, params: { threshold: 0.02 } });
  });

  test("field errors name the experiment path", () => {
    expect(errorOf(world(ok, { name: "leveraged" })).message).toContain(
      'populations.1.name = "leveraged"; allowed: a name that is not a shipped kind',
    );
    expect(errorOf(world(ok, { params: { threshold: "x" } })).field).toBe("populations.1.params.threshold");
    expect(errorOf(world(ok, { instruments: ["Z"] })).message).toContain('populations.1.instruments.0 = "Z"');
    expect(errorOf(world(3)).message).toContain("populations.1.create = 3; allowed: a function");
    expect(
      errorOf({ ...world(ok), sweep: { "populations.1.params.threshold": [0.01, { dist: "normal" }] } })
        .field,
    ).toBe('sweep["populations.1.params.threshold"].1');
    expect(errorOf({ ...world(ok), sweep: { "populations.1.create": [ok] } }).message).toContain(
      "a plain data value",
    );
  });

  test("create reading a param it was not given (a misspelling) is refused; its own params, JSON and spreading are not", () => {
    const e = errorOf(
      world((_v: unknown, { params }: { params: Record<string, number> }) => {
        const { treshold } = params; // misspelt
        return { act: () => treshold };
      }),
    );
    expect(e.code).toBe("UNKNOWN_PARAM");
    expect(e.message).toContain(
      'invalid experiment: populations.1.create = "params.treshold"; allowed: reads of its own params only (threshold)',
    );
    expect(e.message).toContain(
      'create of population "dipBuyer" read params.treshold, which would be undefined in every run; did you mean params.threshold?',
    );
    const seen: unknown[] = [];
    validateExperiment(
      world((_v: unknown, { params }: { params: Record<string, number> }) => {
        seen.push(
          params.threshold,
          JSON.stringify(params),
          { ...params },
          Object.keys(params),
          String(params),
        );
        return { act() {} };
      }),
    );
    expect(seen.slice(0, 4)).toEqual([0.01, '{"threshold":0.01}', { threshold: 0.01 }, ["threshold"]]);
  });

  test("act reading a param it was not given passes validation (act does not run there) and fails the run at that read, with the nearest name", () => {
    const def = world((_v: unknown, { params }: { params: Record<string, number> }) => ({
      act: () => params.treshold, // misspelt
    }));
    const plan = makePlan(validateExperiment(def), { manifest: false });
    let e: unknown;
    try {
      executeRun(plan, 0);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ValidationError);
    expect([(e as ValidationError).code, (e as ValidationError).field]).toEqual([
      "UNKNOWN_PARAM",
      "populations.1.act",
    ]);
    expect((e as ValidationError).message).toContain(
      'act of population "dipBuyer" read params.treshold, which would be undefined in every run; did you mean params.threshold?',
    );
  });

  test("create is tried once per variant (once for variants with the same agents): throwing or returning no act is a validation error", () => {
    let e = errorOf(
      world((_v: unknown, { index }: { index: number }) => (index === 2 ? { go: 1 } : { act() {} })),
    );
    expect(e.code).toBe("INVALID_AGENT");
    // the population is written at the top level (no variant sets populations): named there
    expect(e.field).toBe("populations.1.create");
    expect(e.message).toContain(
      'invalid experiment: populations.1.create = {"go":1}; allowed: a function returning an Agent',
    );
    expect(e.message).toContain('for agent 2 of population "dipBuyer")');
    // a variant that changes the market may be what breaks it: named in the message
    const needsTwo = (v: { instrumentCount: number }) => {
      if (v.instrumentCount < 2) throw new Error("needs two instruments");
      return { act() {} };
    };
    e = errorOf({
      ...world(needsTwo),
      shocks: [],
      variants: { a: {}, b: { market: { instruments: [{ symbol: "X", initialPrice: 100 }] } } },
    });
    expect(e.field).toBe("populations.1.create");
    expect(e.message).toBe(
      'invalid experiment: populations.1.create = "Error: needs two instruments"; allowed: a function returning an Agent, an object with an act(tick) function (it threw for agent 0 of population "dipBuyer") in variant "b"',
    );
    e = errorOf({
      ...world(ok),
      variants: {
        a: {},
        b: {
          populations: [
            dip(() => {
              throw new Error("boom");
            }),
          ],
        },
      },
    });
    expect(e.code).toBe("AGENT_CREATE_FAILED");
    expect(e.message).toContain('variants.b.populations.0.create = "Error: boom"');
    expect(e.message).toContain('it threw for agent 0 of population "dipBuyer"');
    // variants that differ only in their policy build the same agents: tried once, not per variant
    let calls = 0;
    const counted = () => {
      calls++;
      return { act() {} };
    };
    expect(validateExperiment(world(counted)).variants).toHaveLength(2);
    expect(calls).toBe(3);
    calls = 0;
    validateExperiment({
      ...world(counted),
      variants: { a: {}, b: { populations: [marketMakers({ count: 1 }), dip(counted, { count: 5 })] } },
    });
    expect(calls).toBe(3 + 5);
    // with a custom simulate, create is the simulator's business
    expect(validateExperiment({ ...world(() => 1), simulate: fakeSimulate }).variants).toHaveLength(2);
  });

  test("create is tried under each swept value too (a count or a param may break it only there)", () => {
    const fragile = (_v: unknown, { params, index }: { params: { threshold: number }; index: number }) => {
      if (index >= 3) throw new Error(`no room for agent ${index}`);
      return params.threshold > 0.5 ? { go: 1 } : { act() {} };
    };
    let e = errorOf({ ...world(fragile), sweep: { "populations.1.count": [0, 3, 4] } });
    expect(e.field).toBe('sweep["populations.1.count"].2');
    expect(e.message).toContain(
      'a value under which variant "full" is valid (it makes populations.1.create = "Error: no room for agent 3" invalid',
    );
    e = errorOf({ ...world(fragile), sweep: { "populations.1.params.threshold": [0.01, 0.9] } });
    expect(e.field).toBe('sweep["populations.1.params.threshold"].1');
    expect(e.message).toContain('populations.1.create = {"go":1} invalid');
    // every value fine: accepted (and a custom simulate skips the try)
    expect(
      validateExperiment({ ...world(fragile), sweep: { "populations.1.count": [0, 2] } }).sweep.points,
    ).toHaveLength(2);
    expect(
      validateExperiment({ ...world(fragile), sweep: { "populations.1.count": [9] }, simulate: fakeSimulate })
        .sweep.points,
    ).toHaveLength(1);
  });

  test("create is tried at every grid point: a combination of swept values that breaks it is refused at validation, naming the point", () => {
    // agent k needs k < room: count 4 is fine with room 5, room 3 is fine with 3 agents, 4 agents with room 3 is not
    const roomy = (_v: unknown, { params, index }: { params: { room: number }; index: number }) => {
      if (index >= params.room) throw new Error(`no room for agent ${index}`);
      return { act() {} };
    };
    const def = {
      ...world(roomy, { params: { room: 5 } }),
      sweep: { "populations.1.count": [2, 4], "populations.1.params.room": [5, 3] },
    };
    const e = errorOf(def);
    expect([e.code, e.field]).toEqual(["AGENT_CREATE_FAILED", "sweep (point 3)"]);
    expect(e.value).toEqual({ "populations.1.count": 4, "populations.1.params.room": 3 });
    expect(e.message).toContain(
      'a grid point under which variant "full" is valid: at point 3 (populations.1.count = 4, populations.1.params.room = 3), populations.1.create = "Error: no room for agent 3" is refused',
    );
    // the same grid without that combination is accepted
    expect(
      validateExperiment({
        ...def,
        sweep: { "populations.1.count": [2, 4], "populations.1.params.room": [5, 4] },
      }).sweep.points,
    ).toHaveLength(4);
  });
});

describe("validateExperiment: custom triggers", () => {
  // The built-in world (no simulate), so validation tries the trigger as a run would call it.
  const world = (over: Partial<ExperimentDefinition>) => fakeExperiment({ simulate: undefined, ...over });
  const custom = (test: unknown) => presets.closeFactor({ trigger: { kind: "custom", test: test as never } });

  test("is tried once per function on a one-lot long and short of the first instrument", () => {
    const seen: number[] = [];
    const test = (venue: Venue, account: number) => {
      seen.push(venue.position(account, 0));
      return false;
    };
    const v = validateExperiment(
      world({
        liquidation: custom(test),
        // b differs from a in its ticks only (two variants of one config are refused)
        variants: { full: presets.fullClose(), a: custom(test), b: { liquidation: custom(test), ticks: 30 } },
      }),
    );
    expect(seen).toEqual([1, -1]);
    expect(v.variants[1].config.liquidation.trigger).toMatchObject({ kind: "custom", test });
    // a custom simulate may call the policy otherwise: nothing is tried
    seen.length = 0;
    validateExperiment(fakeExperiment({ variants: { a: custom(test) } }));
    expect(seen).toEqual([]);
  });

  test("one that returns no boolean or throws is refused, at the path where the policy was written", () => {
    // a block body without return: undefined, which the engine would refuse in the first run
    const noReturn = (venue: Venue, account: number) => {
      venue.marginRatio(account) < 1.1;
    };
    expect(errorOf(world({ liquidation: custom(noReturn), variants: undefined })).message).toBe(
      "invalid experiment: liquidation.trigger.test = undefined; allowed: a function (venue, account) => true or false (it returned the value shown for a one-lot long in a scratch market)",
    );
    expect(errorOf(world({ variants: { full: presets.fullClose(), early: custom(noReturn) } })).field).toBe(
      "variants.early.trigger.test",
    );
    const e = errorOf(
      world({
        variants: {
          full: presets.fullClose(),
          early: {
            liquidation: custom(
              (venue: Venue, account: number) =>
                (venue as never as { nope(a: number): number }).nope(account) < 1,
            ),
          },
        },
      }),
    );
    expect(e.code).toBe("TRIGGER_FAILED");
    expect(e.message).toBe(
      'invalid experiment: variants.early.liquidation.trigger.test = "TypeError: venue.nope is not a function"; allowed: a function (venue, account) => true or false (it threw, tried on a one-lot long in a scratch market)',
    );
    // true only for a short: the short's result is checked too
    expect(
      errorOf(
        world({ variants: { s: custom((v: Venue, a: number) => (v.position(a, 0) < 0 ? "yes" : false)) } }),
      ).message,
    ).toContain(
      'variants.s.trigger.test = "yes"; allowed: a function (venue, account) => true or false (it returned the value shown for a one-lot short',
    );
  });
});

describe("validateExperiment: custom amount rules and orderings", () => {
  // The built-in world (no simulate), so validation tries them as a run would call them.
  const world = (over: Partial<ExperimentDefinition>) => fakeExperiment({ simulate: undefined, ...over });
  const amount = (lots: unknown) => presets.fullClose({ amount: { kind: "custom", lots: lots as never } });
  const ordering = (key: unknown) => presets.fullClose({ ordering: { kind: "custom", key: key as never } });

  test("each is tried once per function on a one-lot long and short, with the account's holdings", () => {
    const seen: unknown[] = [];
    const lots = (venue: Venue, account: number, hs: ReadonlyArray<{ instrument: number; q: number }>) => {
      seen.push(["lots", venue.position(account, 0), hs.map((h) => [h.instrument, h.q])]);
      return [1];
    };
    const key = (_venue: Venue, _account: number, h: { q: number }) => {
      seen.push(["key", h.q]);
      return h.q;
    };
    validateExperiment(
      world({
        liquidation: amount(lots),
        variants: { a: amount(lots), b: ordering(key), c: { liquidation: ordering(key), ticks: 30 } },
      }),
    );
    expect(seen).toEqual([
      ["lots", 1, [[0, 1]]],
      ["lots", -1, [[0, -1]]],
      ["key", 1],
      ["key", -1],
    ]);
  });

  test("what the engine would refuse, or a throw, is refused at the path where the policy was written", () => {
    const cases: Array<[unknown, string]> = [
      [
        amount(() => undefined),
        "variants.mine.amount.lots(venue, account, holdings) = undefined; allowed: an array of 1 integer numbers of lots, one per holding in the policy's ordering (it returned the value shown for a one-lot long in a scratch market)",
      ],
      [
        amount((v: Venue, a: number) => [v.position(a, 0) < 0 ? 2 : 1]),
        "variants.mine.amount.lots(venue, account, holdings)[0] = 2; allowed: an integer number of lots in [0, 1] (holdings[0]: instrument 0, position -1) (it returned the value shown for a one-lot short in a scratch market)",
      ],
      [
        ordering(() => Number.NaN),
        "variants.mine.ordering.key(venue, account, holding) = NaN; allowed: a finite number (for the holding of instrument 0, position 1; ascending keys are closed first, ties by instrument id) (it returned the value shown for a one-lot long in a scratch market)",
      ],
    ];
    for (const [policy, message] of cases)
      expect(errorOf(world({ variants: { full: presets.fullClose(), mine: policy as never } })).message).toBe(
        `invalid experiment: ${message}`,
      );
    const threw = errorOf(
      world({
        variants: {
          mine: {
            liquidation: ordering((v: Venue, _a: number, h: { instrument: number }) =>
              (v as never as { volatility(i: number): number }).volatility(h.instrument),
            ),
          },
        },
      }),
    );
    expect([threw.code, threw.message]).toEqual([
      "ORDERING_FAILED",
      'invalid experiment: variants.mine.liquidation.ordering.key = "TypeError: v.volatility is not a function"; allowed: a function (venue, account, holding) => a finite number (it threw, tried on a one-lot long in a scratch market)',
    ]);
    expect(errorOf(world({ liquidation: amount(() => [-1]), variants: undefined })).code).toBe(
      "INVALID_AMOUNT_RESULT",
    );
  });

  test("a lots that changes the holdings it is given is refused (they are read-only), as a run would fail", () => {
    const changed = errorOf(
      world({
        variants: {
          mine: amount((_v: Venue, _a: number, hs: Array<{ q: number }>) => {
            hs[0].q = 0;
            return [0];
          }),
        },
      }),
    );
    expect([changed.code, changed.field]).toEqual(["AMOUNT_FAILED", "variants.mine.amount.lots"]);
    expect(changed.message).toContain("Cannot assign to read only property 'q'");
  });

  test("async functions and generators are refused before anything is tried", () => {
    expect(errorOf(world({ variants: { mine: amount(async () => [1]) } })).message).toBe(
      "invalid liquidation policy: variants.mine.amount.lots = a function; allowed: a function (venue, account, holdings) => an array of lots to close, one integer in [0, |q|] per holding, not async",
    );
    expect(errorOf(world({ variants: { mine: ordering(function* () {}) } })).field).toBe(
      "variants.mine.ordering.key",
    );
  });
});
