/**
 * A nested grid (an outer parameter whose values create or set the path of an inner one) is the
 * same grid however each path names its instrument: by index ("market.instruments.1..."), by
 * symbol ("market.instruments.BBB...") or every instrument ("market.instruments.*..."). The paths
 * are compared as each variant resolves them, not as written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@cascade/core";
import { applyPoint, runExperiment, validateExperiment } from "@cascade/experiment";
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
const volatility = { windowTicks: 50, everyTicks: 10, reference: 0.002, maxMultiplier: 2 };
/** BBB's margin: fixed, or volatility-linked (the value that creates the inner path) */
const margins = [
  { initial: 0.1, maintenance: 0.08 },
  { initial: 0.1, maintenance: 0.08, volatility },
];
const INNER = "margin.volatility.maxMultiplier";
/** outer `market.instruments.<at>.margin`, inner `market.instruments.<inner>.margin.volatility.maxMultiplier` */
const nested = (outer: string, inner: string) => ({
  [`market.instruments.${outer}.margin`]: margins,
  [`market.instruments.${inner}.${INNER}`]: [3, 4],
});
/** Each variant's instruments' maxMultiplier (null: fixed margin) at each point. */
function multipliers(def: Record<string, unknown>): Array<Array<Array<number | null>>> {
  const exp = validateExperiment(def);
  return exp.sweep.points.map((pt) =>
    exp.variants.map((v) =>
      applyPoint(v.config, exp.sweep.params, pt).market.instruments.map(
        (i) => i.margin?.volatility?.maxMultiplier ?? null,
      ),
    ),
  );
}

test("an outer and an inner path naming one instrument by index and by symbol are one nested grid", () => {
  const byIndex = multipliers({ ...tiny, sweep: nested("1", "1") });
  // fixed at the first outer value; the inner value where the second creates the rule
  expect(byIndex).toEqual([
    [
      [null, null],
      [null, null],
    ],
    [
      [null, null],
      [null, null],
    ],
    [
      [null, 3],
      [null, 3],
    ],
    [
      [null, 4],
      [null, 4],
    ],
  ]);
  for (const [outer, inner] of [
    ["1", "BBB"],
    ["BBB", "1"],
    ["BBB", "BBB"],
  ])
    expect(multipliers({ ...tiny, sweep: nested(outer, inner) }), `${outer} then ${inner}`).toEqual(byIndex);
  // every instrument's margin, then BBB's multiplier: created on both, swept on BBB only
  expect(multipliers({ ...tiny, sweep: nested("*", "BBB") })[3]).toEqual([
    [2, 4],
    [2, 4],
  ]);
});

test("a symbol follows its instrument in each variant's list, in the outer path and the inner one", () => {
  // swapped: BBB at index 0, so index 1 is AAA there
  const variants = { full: tiny.variants?.full, swapped: { market: { instruments: [bbb, aaa] } } };
  const at3 = (outer: string, inner: string) =>
    multipliers({ ...tiny, variants, sweep: nested(outer, inner) })[3];
  expect(at3("BBB", "BBB")).toEqual([
    [null, 4],
    [4, null],
  ]);
  // index 1 is BBB in full, AAA in swapped: there the outer value gives AAA the rule (its own
  // maxMultiplier, 2), and the inner one, by symbol, reaches BBB, which has none
  expect(at3("1", "BBB")).toEqual([
    [null, 4],
    [null, 2],
  ]);
  expect(at3("BBB", "1")).toEqual([
    [null, 4],
    [2, null],
  ]);
});

test("an inner path by symbol that no outer value creates is refused naming the outer parameter", () => {
  const e = errorOf({
    ...tiny,
    sweep: { "market.instruments.1.margin": [margins[0]], [`market.instruments.BBB.${INNER}`]: [3, 4] },
  });
  expect([e.code, e.field]).toEqual(["UNKNOWN_PATH", `sweep["market.instruments.BBB.${INNER}"]`]);
  expect(e.message).toContain(
    `or that an earlier parameter's values create (sweep["market.instruments.1.margin"] sets market.instruments.1.margin, but no variant has market.instruments.BBB.${INNER} under any of its values`,
  );
});

test("validate: an inner path by symbol under an outer one by index reaches the variants the outer values create it in", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "cascade-nested-spell-v-"));
  dirs.push(tmp);
  const file = join(tmp, "nested.ts");
  writeFileSync(
    file,
    `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, sweep: ${JSON.stringify(nested("1", "BBB"))} };\n`,
  );
  const r = await cascade(["validate", file], tmp);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain(`  sweep market.instruments.BBB.${INNER}: 3, 4 (2 values), in every variant\n`);
});

test("comparison.csv of a nested grid with the inner path as sweepReference is the same however the paths are written", async () => {
  const comparison = async (outer: string, inner: string) => {
    const out = mkdtempSync(join(tmpdir(), "cascade-nested-spell-"));
    dirs.push(out);
    const sweep = nested(outer, inner);
    await runExperiment(
      { ...tiny, replications: 2, ticks: 80, sweep, sweepReference: `market.instruments.${inner}.${INNER}` },
      { out, workers: 0, progress: false },
    );
    return readFileSync(join(out, "comparison.csv"), "utf8").replaceAll(
      `market.instruments.${inner}.${INNER}`,
      "<inner>",
    );
  };
  const byIndex = await comparison("1", "1");
  // each variant against itself at the reference point, besides partial against full
  expect(byIndex.split("\n").filter((l) => l.startsWith("partial,partial,")).length).toBeGreaterThan(0);
  expect(await comparison("1", "BBB")).toBe(byIndex);
});

test("two paths reaching one field, however each is written, are one path in any order and in one key", () => {
  const codeOf = (sweep: Record<string, unknown[]>) => errorOf({ ...tiny, sweep }).code;
  const margin = { initial: 0.1, maintenance: 0.05 };
  const lists: Array<{
    spellings: string[];
    at: (s: string) => string;
    field: string;
    whole: unknown;
    value: unknown;
  }> = [
    {
      spellings: ["1", "BBB", "*"],
      at: (s) => `market.instruments.${s}.margin`,
      field: "maintenance",
      whole: margin,
      value: 0.05,
    },
    {
      spellings: ["3", "leveraged"],
      at: (s) => `populations.${s}`,
      field: "maxSlippage",
      whole: tiny.populations[3],
      value: 0.02,
    },
  ];
  for (const { spellings, at, field, whole, value } of lists)
    for (const a of spellings)
      for (const b of spellings) {
        const [fieldA, fieldB, wholeB] = [`${at(a)}.${field}`, `${at(b)}.${field}`, at(b)];
        if (a !== b) {
          expect(codeOf({ [fieldA]: [value], [fieldB]: [value] }), `${fieldA} then ${fieldB}`).toBe(
            "DUPLICATE_PATH",
          );
          expect(codeOf({ [`${fieldA}, ${fieldB}`]: [value] }), `${fieldA}, ${fieldB}`).toBe(
            "DUPLICATE_PATH",
          );
        }
        // the inner path first: the outer one would replace it at every point
        expect(codeOf({ [fieldA]: [value], [wholeB]: [whole] }), `${fieldA} then ${wholeB}`).toBe(
          "OVERLAPPING_PATH",
        );
        expect(codeOf({ [`${wholeB}, ${fieldA}`]: [whole] }), `${wholeB}, ${fieldA}`).toBe(
          "OVERLAPPING_PATH",
        );
      }
});

test("* inside an outer path is refused where an outer value gives the field to some instruments only", () => {
  const inner = `market.instruments.*.${INNER}`;
  for (const outer of ["market.instruments.1.margin", "market.instruments.BBB.margin"]) {
    const e = errorOf({ ...tiny, sweep: { [outer]: margins, [inner]: [3, 4] } });
    expect([e.code, e.field, e.value], outer).toEqual(["UNKNOWN_PATH", `sweep["${inner}"]`, inner]);
    expect(e.message).toContain(
      `allowed: a field that every instrument of a variant has, or none (variant "full", under a value of sweep["${outer}"]: BBB has ${INNER}, AAA has not;`,
    );
  }
  // a whole instruments list as the outer value: the same at the point whose list gives it to one
  const lists = [tiny.market.instruments, [aaa, { ...bbb, margin: margins[1] }]];
  const e = errorOf({ ...tiny, sweep: { "market.instruments": lists, [inner]: [3, 4] } });
  expect(e.code).toBe("UNKNOWN_PATH");
  expect(e.message).toContain('under a value of sweep["market.instruments"]: BBB has');
  // every instrument given the rule by the outer value: accepted, swept on each
  const both = multipliers({ ...tiny, sweep: { "market.instruments.*.margin": margins, [inner]: [3, 4] } });
  expect(both[3]).toEqual([
    [4, 4],
    [4, 4],
  ]);
});
