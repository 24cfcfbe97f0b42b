/**
 * A sweep path may name an instrument by its symbol instead of its index
 * ("market.instruments.BBB.margin.maintenance"), resolved in each variant's own instruments list
 * as a population's label is, or every instrument at once ("market.instruments.*.<field>", one
 * value written to each, one parameter): the key as written stays the parameter's name.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@cascade/core";
import {
  applyPoint,
  type ExperimentDefinition,
  runExperiment,
  validateExperiment,
} from "@cascade/experiment";
import { afterAll, beforeAll, expect, test } from "vitest";
import tiny from "../e2e/fixtures/tiny.js";
import { cascade, requireBuilt, TINY } from "../e2e/helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
beforeAll(requireBuilt);

function errorOf(def: unknown): ValidationError {
  try {
    validateExperiment(def);
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error("expected a validation error");
}

const [aaa, bbb] = tiny.market.instruments;
const fullClose = tiny.variants?.full;
/** BBB first: its index is 0 in this variant, 1 in the base's list */
const swapped = { market: { instruments: [bbb, aaa] } };
const maintenance = (config: { market: { instruments: Array<{ symbol: string; margin?: unknown }> } }) =>
  Object.fromEntries(
    config.market.instruments.map((i) => [i.symbol, (i.margin as { maintenance: number }).maintenance]),
  );

test("a symbol reaches the instrument of that symbol in each variant's own list", () => {
  const key = "market.instruments.BBB.margin.maintenance";
  const exp = validateExperiment({
    ...tiny,
    variants: { full: fullClose, swapped },
    sweep: { [key]: [0.05, 0.07] },
  });
  expect(exp.sweep.params).toEqual([key]);
  for (const value of [0.05, 0.07]) {
    const [inFull, inSwapped] = exp.variants.map((v) => applyPoint(v.config, exp.sweep.params, [value]));
    expect(maintenance(inFull)).toEqual({ AAA: 0.08, BBB: value });
    expect(maintenance(inSwapped)).toEqual({ BBB: value, AAA: 0.08 });
    expect(inSwapped.market.instruments[0].symbol).toBe("BBB");
  }
  // an index path still names the instrument at that index in each variant
  const byIndex = validateExperiment({
    ...tiny,
    variants: { full: fullClose, swapped },
    sweep: { "market.instruments.1.margin.maintenance": [0.05, 0.07] },
  });
  const [full1, swapped1] = byIndex.variants.map((v) => applyPoint(v.config, byIndex.sweep.params, [0.05]));
  expect(maintenance(full1)).toEqual({ AAA: 0.08, BBB: 0.05 });
  expect(maintenance(swapped1)).toEqual({ BBB: 0.08, AAA: 0.05 });
});

test("market.instruments.* writes the one value to every instrument of each variant", () => {
  const key = "market.instruments.*.margin.maintenance";
  const exp = validateExperiment({
    ...tiny,
    variants: { full: fullClose, swapped },
    sweep: { [key]: [0.05, 0.07] },
  });
  expect(exp.sweep.params).toEqual([key]);
  for (const v of exp.variants)
    expect(maintenance(applyPoint(v.config, exp.sweep.params, [0.07]))).toEqual({ AAA: 0.07, BBB: 0.07 });
  // a variant with one instrument: that one
  const one = validateExperiment({
    ...tiny,
    shocks: [],
    variants: { one: { market: { instruments: [aaa] } } },
    baseline: "one",
    sweep: { [key]: [0.05, 0.07] },
  });
  expect(maintenance(applyPoint(one.variants[0].config, one.sweep.params, [0.05]))).toEqual({ AAA: 0.05 });
});

test("a symbol no instrument has is refused, listing each variant's symbols and the nearest", () => {
  const e = errorOf({
    ...tiny,
    variants: { full: fullClose, swapped },
    sweep: { "market.instruments.BBX.margin.maintenance": [0.05] },
  });
  expect(e.code).toBe("UNKNOWN_PATH");
  expect(e.field).toBe('sweep["market.instruments.BBX.margin.maintenance"]');
  expect(e.value).toBe("market.instruments.BBX.margin.maintenance");
  expect(e.message).toContain(
    `an instrument's index or symbol that an instrument of a variant has (variant "full" has 0: AAA, 1: BBB; variant "swapped" has 0: BBB, 1: AAA; did you mean "market.instruments.BBB.margin.maintenance"?)`,
  );
  // a misspelt field under a symbol is suggested by symbol
  const field = errorOf({ ...tiny, sweep: { "market.instruments.BBB.margin.maintenanse": [0.05] } });
  expect(field.code).toBe("UNKNOWN_PATH");
  expect(field.message).toContain(
    '(the longest existing prefix is "market.instruments.BBB.margin"; did you mean "market.instruments.BBB.margin.maintenance"?)',
  );
});

test("an index that is another instrument's symbol is refused as ambiguous", () => {
  const numbered = { market: { ...tiny.market, instruments: [{ ...aaa, symbol: "1" }, bbb] } };
  const e = errorOf({
    ...tiny,
    ...numbered,
    shocks: [],
    variants: { full: fullClose },
    sweep: { "market.instruments.1.margin.maintenance": [0.05] },
  });
  expect(e.code).toBe("AMBIGUOUS_PATH");
  expect(e.field).toBe('sweep["market.instruments.1.margin.maintenance"]');
  expect(e.message).toContain(
    'an instrument index that is no other instrument\'s symbol (variant "full" has instrument 0 with symbol "1" and instrument 1, BBB: a segment of digits is an index; rename that symbol to sweep it by symbol, or sweep it by its index, "market.instruments.0.margin.maintenance")',
  );
  // an index beyond the list that is a symbol: the researcher meant the symbol, refused the same way
  const beyond = errorOf({
    ...tiny,
    ...numbered,
    market: { ...tiny.market, instruments: [{ ...aaa, symbol: "7" }, bbb] },
    shocks: [],
    variants: { full: fullClose },
    sweep: { "market.instruments.7.margin.maintenance": [0.05] },
  });
  expect(beyond.code).toBe("AMBIGUOUS_PATH");
  expect(beyond.message).toContain(
    'has instrument 0 with symbol "7" and no instrument 7: a segment of digits is an index',
  );
});

test("a symbol and an index or * reaching one instrument are one path", () => {
  const twice = errorOf({
    ...tiny,
    sweep: {
      "market.instruments.1.margin.maintenance": [0.05],
      "market.instruments.BBB.margin.maintenance": [0.06],
    },
  });
  expect(twice.code).toBe("DUPLICATE_PATH");
  expect(twice.field).toBe('sweep["market.instruments.BBB.margin.maintenance"]');
  const all = errorOf({
    ...tiny,
    sweep: {
      "market.instruments.*.margin.maintenance": [0.05],
      "market.instruments.AAA.margin.maintenance": [0.06],
    },
  });
  expect(all.code).toBe("DUPLICATE_PATH");
  const inside = errorOf({
    ...tiny,
    sweep: {
      "market.instruments.AAA.margin.maintenance": [0.05],
      "market.instruments.*.margin": [{ initial: 0.1, maintenance: 0.05 }],
    },
  });
  expect(inside.code).toBe("OVERLAPPING_PATH");
  // a bad value names the field it reached in the variant
  const bad = errorOf({ ...tiny, sweep: { "market.instruments.BBB.margin.maintenance": [0.05, 2] } });
  expect(bad.field).toBe('sweep["market.instruments.BBB.margin.maintenance"].1');
  expect(bad.message).toMatch(/at market\.instruments\.1\.margin\.maintenance in variant "full"\)$/);
});

test("* is refused where it is not an instrument, and where some instruments of a variant lack the path", () => {
  const pops = errorOf({ ...tiny, sweep: { "populations.*.count": [5] } });
  expect(pops.code).toBe("UNKNOWN_PATH");
  expect(pops.field).toBe('sweep["populations.*.count"]');
  expect(pops.message).toContain(
    '* stands for every instrument, in a path "market.instruments.*.<field>"; name other list items by index',
  );
  const whole = errorOf({ ...tiny, sweep: { "market.instruments.*": [aaa] } });
  expect(whole.code).toBe("UNKNOWN_PATH");
  expect(whole.message).toContain('"market.instruments.*.<field>"');
  const volatility = { windowTicks: 50, everyTicks: 10, reference: 0.002, maxMultiplier: 2 };
  const partly = errorOf({
    ...tiny,
    market: { ...tiny.market, instruments: [{ ...aaa, margin: { ...aaa.margin, volatility } }, bbb] },
    sweep: { "market.instruments.*.margin.volatility.maxMultiplier": [1, 3] },
  });
  expect(partly.code).toBe("UNKNOWN_PATH");
  expect(partly.message).toContain(
    'a field that every instrument of a variant has, or none (variant "full": AAA has margin.volatility.maxMultiplier, BBB has not; name those to sweep by symbol, "market.instruments.AAA.margin.volatility.maxMultiplier")',
  );
});

const small: ExperimentDefinition = { ...tiny, replications: 1, ticks: 80 };

test("runs.csv of a sweep by symbol or * holds the values of the same sweep by index", async () => {
  const run = async (key: string) => {
    const out = mkdtempSync(join(tmpdir(), "cascade-by-symbol-"));
    dirs.push(out);
    await runExperiment({ ...small, sweep: { [key]: [0.03, 0.06] } }, { out, workers: 0, progress: false });
    const [header, ...rows] = readFileSync(join(out, "runs.csv"), "utf8").trimEnd().split("\n");
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    return { header, rows, parameters: manifest.sweep.parameters };
  };
  const byIndex = await run("market.instruments.0.margin.maintenance");
  const bySymbol = await run("market.instruments.AAA.margin.maintenance");
  expect(bySymbol.header).toBe(
    byIndex.header.replace(
      "market.instruments.0.margin.maintenance",
      "market.instruments.AAA.margin.maintenance",
    ),
  );
  expect(bySymbol.rows).toEqual(byIndex.rows);
  expect(bySymbol.rows).toHaveLength(2 * 2);
  expect(bySymbol.parameters).toEqual(["market.instruments.AAA.margin.maintenance"]);
  const linkedKey = "market.instruments.0.margin.maintenance, market.instruments.1.margin.maintenance";
  const linked = await run(linkedKey);
  const all = await run("market.instruments.*.margin.maintenance");
  // one column, named by the key (the linked key's holds a comma: quoted)
  expect(linked.header).toContain(`"${linkedKey}"`);
  expect(all.header).toBe(linked.header.replace(`"${linkedKey}"`, "market.instruments.*.margin.maintenance"));
  expect(all.rows).toEqual(linked.rows);
});

test("validate: a sweep of * lists its values and the variants it reaches", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "cascade-by-symbol-v-"));
  dirs.push(tmp);
  const file = join(tmp, "by-symbol.ts");
  writeFileSync(
    file,
    `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, sweep: { "market.instruments.*.margin.maintenance": [0.05, 0.07] }, sweepReference: "market.instruments.*.margin.maintenance" };\n`,
  );
  const r = await cascade(["validate", file], tmp);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(
    /^ {2}sweep market\.instruments\.\*\.margin\.maintenance: 0\.05, 0\.07 \(2 values\), in every variant$/m,
  );
  expect(r.stdout).toMatch(
    /^ {2}compared: each point against market\.instruments\.\*\.margin\.maintenance = 0\.05 \(sweepReference\)/m,
  );
});

test("a symbol holding a dot is named by its index: the refusal says so", () => {
  const perp = { market: { ...tiny.market, instruments: [aaa, { ...bbb, symbol: "BBB.PERP" }] } };
  const e = errorOf({
    ...tiny,
    ...perp,
    sweep: { "market.instruments.BBB.PERP.margin.maintenance": [0.05] },
  });
  expect(e.code).toBe("UNKNOWN_PATH");
  expect(e.message).toContain(
    'variants "full", "partial" have 0: AAA, 1: BBB.PERP; a symbol holding a ".", BBB.PERP, is named by its index, "market.instruments.<index>.margin.maintenance")',
  );
});

test("validate's margin line shows a field swept by symbol or * as swept, in each variant's order", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "cascade-by-symbol-m-"));
  dirs.push(tmp);
  const file = join(tmp, "margins.ts");
  writeFileSync(
    file,
    [
      `import tiny from ${JSON.stringify(TINY)};`,
      "const volatility = { windowTicks: 50, everyTicks: 10, reference: 0.002, maxMultiplier: 2 };",
      "const [aaa, bbb] = tiny.market.instruments.map((i) => ({ ...i, margin: { ...i.margin, volatility } }));",
      "export default { ...tiny, market: { ...tiny.market, instruments: [aaa, bbb] },",
      "  variants: { full: tiny.variants.full, swapped: { market: { instruments: [bbb, aaa] } } },",
      '  sweep: { "market.instruments.*.margin.volatility.maxMultiplier": [1, 3], "market.instruments.BBB.margin.volatility.reference": [0.002, 0.004] } };',
      "",
    ].join("\n"),
  );
  const r = await cascade(["validate", file], tmp);
  expect(r.code, r.stderr).toBe(0);
  const aaa = "AAA (windowTicks 50, everyTicks 10, reference 0.002, maxMultiplier swept)";
  const bbb = "BBB (windowTicks 50, everyTicks 10, reference swept, maxMultiplier swept)";
  expect(r.stdout).toContain(
    `  margin of full: volatility-linked ${aaa}; ${bbb}\n  margin of swapped: volatility-linked ${bbb}; ${aaa}\n`,
  );
});
