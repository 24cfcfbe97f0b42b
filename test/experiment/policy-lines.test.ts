/**
 * `cascade validate`'s policy lines: every parameter of every part, the defaults a preset fills
 * in or the engine assumes included; variants running the same policy share an entry; what a
 * sweep sets reads "swept".
 */
import { type PolicySpec, presets } from "@cascade/liquidation";
import { expect, test } from "vitest";
import { policyLines, policyParts, valueAsWritten } from "../../packages/experiment/src/policy-lines.js";

const one = (variant: string, policy: PolicySpec, swept: string[] = []) => ({ variant, policy, swept });

test("a preset's defaults are shown: dutchAuction() reads as dutchAuction({ decayPerTick: 0.01 }), every part grouped", () => {
  const implicit = policyParts(presets.dutchAuction());
  expect(policyParts(presets.dutchAuction({ decayPerTick: 0.01 }))).toEqual(implicit);
  expect(implicit).toEqual([
    ["trigger maintenance", "amount full", "ordering largestNotional"],
    [
      "execution dutchAuction (startPremium 0.2, decayPerTick 0.01, durationTicks 100, floorDiscount 0.5, reference mark)",
      "whileLiquidating frozen",
    ],
    [
      "penalty (rate 0.13, to insuranceFund)",
      "loss (insuranceFund 0, whenFundEmpty badDebt)",
      "backstop none",
    ],
  ]);
  expect(policyParts(presets.dutchAuction({ decayPerTick: 0.02 }))[1][0]).toContain("decayPerTick 0.02,");
});

test("the exact lines of one variant: heading, name and parts indented, numbers as written (the preset's 2 / 3 as 2/3)", () => {
  expect(policyLines([one("hl", presets.stepwise({ minNotional: 50_000 }))])).toEqual([
    "  liquidation policy of each variant, as it runs (defaults included):",
    '    hl (policy "stepwise"): trigger maintenance; amount stepwise (fraction 0.2, cooldownTicks 30, minNotional 50000); ordering largestNotional',
    "      execution marketSweep (maxSlippage 0.05); whileLiquidating frozen",
    "      penalty (rate 0, to insuranceFund); loss (insuranceFund 0, whenFundEmpty adl); backstop (belowMaintenanceFraction 2/3, price bankruptcy, capital unbounded)",
  ]);
});

test("every value of every preset's spec is on its lines, under its parameter's name", () => {
  const all: PolicySpec[] = [
    presets.fullClose(),
    presets.closeFactor(),
    presets.restoreToTarget(),
    presets.stepwise({ backstopCapital: 250_000 }),
    presets.tieredPartial({ insuranceFund: 1e20, whenFundEmpty: "socialize" }),
    presets.dutchAuction({ reference: "oracle" }),
    presets.backstopVault({ price: "mark", capital: 0 }),
    presets.fullClose({ execution: { kind: "sliced", slices: 7, maxSlippage: 0.02 } }),
    presets.closeFactor({ trigger: { kind: "healthFactor", below: 1.05 } }),
  ];
  for (const spec of all) {
    const text = policyParts(spec).flat().join("; ");
    for (const part of ["trigger", "amount", "execution", "backstop", "penalty", "loss"] as const) {
      const obj = spec[part] as Record<string, unknown> | undefined;
      if (obj === undefined) {
        expect(text).toContain(`${part} none`);
        continue;
      }
      for (const [key, value] of Object.entries(obj)) {
        // (2 / 3, the stepwise preset's backstop fraction, reads 2/3: valueAsWritten below)
        const v =
          typeof value === "number" && value >= 1e15
            ? value.toExponential()
            : value === 2 / 3
              ? "2/3"
              : String(value);
        expect(text, `${spec.name}: ${part}.${key}`).toMatch(
          key === "kind"
            ? `${part} ${v}`
            : new RegExp(`${part} [^;]*\\b${key} ${v.replace(/[.+]/g, "\\$&").replace("/", "\\/")}[,)]`),
        );
      }
    }
    expect(text).toContain(`ordering ${spec.ordering}`);
    expect(text).toContain(`whileLiquidating ${spec.whileLiquidating}`);
  }
});

test("an optional parameter left out shows what the engine does without it", () => {
  const bare: PolicySpec = {
    ...presets.dutchAuction(),
    amount: { kind: "closeFactor", fraction: 0.3 },
    execution: {
      kind: "dutchAuction",
      startPremium: 0.1,
      decayPerTick: 0.02,
      durationTicks: 50,
      floorDiscount: 0.4,
    },
    backstop: { belowMaintenanceFraction: 0.5, price: "mark" },
  };
  const text = policyParts(bare).flat().join("; ");
  expect(text).toContain("amount closeFactor (fraction 0.3, fullBelowHealthFactor none)");
  expect(text).toContain("floorDiscount 0.4, reference mark)");
  expect(text).toContain("backstop (belowMaintenanceFraction 0.5, price mark, capital unbounded)");
  // a bounded vault of 0 is not an unbounded one
  expect(policyParts(presets.backstopVault({ capital: 0 }))[2][2]).toBe(
    "backstop (belowMaintenanceFraction 1, price bankruptcy, capital 0)",
  );
});

test("variants running the same policy share an entry and say so; a custom trigger's test is the same only as the same function", () => {
  const test = () => false;
  const custom = (t: () => boolean) =>
    presets.fullClose({ name: "mine", trigger: { kind: "custom", test: t } });
  const lines = policyLines([
    one("a", presets.fullClose()),
    one("b", presets.closeFactor()),
    one("c", presets.fullClose()),
    one("d", presets.fullClose()),
    one("e", custom(test)),
    one("f", custom(test)),
    one(
      "g",
      custom(() => false),
    ),
  ]);
  const heads = lines.filter((l) => /^ {4}\S/.test(l));
  expect(heads).toEqual([
    '    a, c and d (the same policy, "fullClose"): trigger maintenance; amount full; ordering largestNotional',
    '    b (policy "closeFactor"): trigger healthFactor (below 1); amount closeFactor (fraction 0.5, fullBelowHealthFactor 0.95); ordering largestNotional',
    '    e and f (the same policy, "mine"): trigger custom (test a function); amount full; ordering largestNotional',
    '    g (policy "mine"): trigger custom (test a function); amount full; ordering largestNotional',
  ]);
  expect(lines).toHaveLength(1 + 4 * 3);
  // another name is another policy, even with the same parts
  expect(
    policyLines([one("a", presets.fullClose()), one("b", presets.fullClose({ name: "x" }))]),
  ).toHaveLength(1 + 2 * 3);
});

test("what a sweep sets reads swept: a parameter, a part, the name, the whole policy; the heading says so only then", () => {
  const base = presets.closeFactor();
  const [cf, whole] = [
    policyLines([one("cf", base, ["amount.fraction", "penalty.rate", "whileLiquidating"])]),
    policyLines([one("p", base, [""]), one("q", base, [""]), one("r", base, ["execution", "name"])]),
  ];
  expect(cf[0]).toBe(
    "  liquidation policy of each variant, as it runs (defaults included; swept: set by the sweep, its values on the sweep lines):",
  );
  expect(cf[1]).toContain("amount closeFactor (fraction swept, fullBelowHealthFactor 0.95)");
  expect(cf[2]).toBe("      execution marketSweep (maxSlippage 0.05); whileLiquidating swept");
  expect(cf[3]).toContain("penalty (rate swept, to liquidator)");
  expect(whole.slice(1)).toEqual([
    "    p and q: the whole policy is swept",
    "    r (policy swept): trigger healthFactor (below 1); amount closeFactor (fraction 0.5, fullBelowHealthFactor 0.95); ordering largestNotional",
    "      execution swept; whileLiquidating free",
    "      penalty (rate 0.05, to liquidator); loss (insuranceFund 0, whenFundEmpty badDebt); backstop none",
  ]);
  // a swept kind stands for the kind
  expect(policyParts(presets.fullClose(), ["amount.kind"])[0][1]).toBe("amount swept");
  expect(policyLines([one("x", base)])[0]).toBe(
    "  liquidation policy of each variant, as it runs (defaults included):",
  );
});

test("a custom amount rule and ordering read as such; the same policy only with the same functions", () => {
  const lots = () => [];
  const key = () => 0;
  const mine = (l: () => number[], k: () => number) =>
    presets.fullClose({
      name: "mine",
      amount: { kind: "custom", lots: l },
      ordering: { kind: "custom", key: k },
    });
  expect(policyParts(mine(lots, key))[0]).toEqual([
    "trigger maintenance",
    "amount custom (lots a function)",
    "ordering custom (key a function)",
  ]);
  const heads = policyLines([
    one("a", mine(lots, key)),
    one("b", mine(lots, key)),
    one(
      "c",
      mine(lots, () => 0),
    ),
    one(
      "d",
      mine(() => [], key),
    ),
  ]).filter((l) => /^ {4}\S/.test(l));
  expect(heads.map((l) => l.slice(0, l.indexOf(":")))).toEqual([
    '    a and b (the same policy, "mine")',
    '    c (policy "mine")',
    '    d (policy "mine")',
  ]);
  // a swept ordering reads swept, as any part
  expect(policyParts(mine(lots, key), ["ordering"])[0][2]).toBe("ordering swept");
});

/** The number a shown text stands for: a decimal as JavaScript reads it, "p/q" as p / q. */
const readBack = (text: string) => {
  const [p, q] = text.split("/");
  return q === undefined ? Number(text) : Number(p) / Number(q);
};

test("valueAsWritten: a repeating decimal that is exactly a fraction's double reads as the fraction; other numbers as formatValue writes them", () => {
  expect(valueAsWritten(2 / 3)).toBe("2/3");
  expect(valueAsWritten(-1 / 3)).toBe("-1/3");
  expect(valueAsWritten(1 / 252)).toBe("1/252"); // a trading day's share of a year
  expect(valueAsWritten(5 / 7)).toBe("5/7");
  expect(valueAsWritten(4 / 3)).toBe("4/3");
  // decimals that end stay decimals: 0.125 is not shown as 1/8
  for (const x of [0, 7, 0.5, 0.125, 0.05, 1.25, 50_000, -0.2, 1e-7])
    expect(valueAsWritten(x), String(x)).toBe(String(x));
  // not a fraction's double: in full, not rounded (0.1 + 0.2 is not 0.3)
  expect(valueAsWritten(0.1 + 0.2)).toBe("0.30000000000000004");
  expect(valueAsWritten(Math.PI)).toBe("3.141592653589793");
  expect(valueAsWritten(1 / 1009)).toBe(String(1 / 1009)); // past the largest denominator tried
  // huge values as formatValue writes them, never a longer fraction
  expect(valueAsWritten(1e20)).toBe("1e+20");
  expect(valueAsWritten(1e20 / 3)).toBe("33333333333333330000");
  expect(valueAsWritten(Number.NaN)).toBe("NaN");
  expect(valueAsWritten(Number.POSITIVE_INFINITY)).toBe("Infinity");
});

test("valueAsWritten hides nothing: the text stands for exactly the number shown, for every fraction and for random doubles", () => {
  for (let q = 1; q <= 1200; q++)
    for (const p of [1, 2, q - 1, q + 1, 3 * q + 1, -5, 123_456]) {
      const x = p / q;
      expect(readBack(valueAsWritten(x)), `${p}/${q}`).toBe(x);
    }
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 2000; i++) {
    const x = (next() - 0.5) * 10 ** Math.floor(next() * 30 - 10);
    expect(readBack(valueAsWritten(x)), String(x)).toBe(x);
  }
});
