/**
 * A sweep path may name a population by its label instead of its index
 * ("populations.leveraged.leverage"): resolved in each variant's own populations list, so it
 * reaches the same population wherever the builder calls put it; the key as written stays the
 * parameter's name everywhere.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { customAgents, momentumTraders, type PopulationSpec } from "@cascade/agents";
import { ValidationError } from "@cascade/core";
import {
  applyPoint,
  type ExperimentDefinition,
  makePlan,
  runExperiment,
  validateExperiment,
} from "@cascade/experiment";
import { afterAll, beforeAll, expect, test } from "vitest";
import { sweptPopulations } from "../../packages/experiment/src/validate.js";
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

const pops = tiny.populations as PopulationSpec[]; // marketMaker, noise, fundamentalist, leveraged
const fullClose = tiny.variants?.full;
const momentum = momentumTraders({ count: 6 });
/** The base's populations with a momentum crowd in front: the leveraged crowd moves to index 4. */
const shifted = { populations: [momentum, ...pops] };

test("a name reaches the population of that label in each variant's own list", () => {
  const exp = validateExperiment({
    ...tiny,
    variants: { full: fullClose, front: shifted },
    sweep: { "populations.leveraged.leverage": [4, 8] },
  });
  expect(exp.sweep.params).toEqual(["populations.leveraged.leverage"]);
  const [inFull, inFront] = exp.variants.map((v) => applyPoint(v.config, exp.sweep.params, [8]).populations);
  expect(inFull.map((p) => (p as { leverage?: unknown }).leverage)).toEqual([
    undefined,
    undefined,
    undefined,
    8,
  ]);
  expect(inFront.map((p) => (p as { leverage?: unknown }).leverage)).toEqual([
    undefined,
    undefined,
    undefined,
    undefined,
    8,
  ]);
  // the variants' own configs are untouched
  expect((exp.variants[1].config.populations[4] as { leverage: unknown }).leverage).toEqual({
    dist: "uniform",
    min: 5,
    max: 9.5,
  });
  // the key names the population: validate has no per-variant index to point out
  expect(exp.variants.map((v) => sweptPopulations(v.config, "populations.leveraged.leverage"))).toEqual([
    "",
    "",
  ]);
  // an index path still names the population at that index in each variant
  expect(exp.variants.map((v) => sweptPopulations(v.config, "populations.3.count"))).toEqual([
    "population 3: leveraged",
    "population 3: fundamentalist",
  ]);
});

test("a custom population is named by its name; a linked key of names sets each", () => {
  const dips = customAgents({
    name: "dips",
    count: 2,
    capital: 1000,
    activation: { every: 50 },
    params: { threshold: 0.01 },
    create: () => ({ act: () => {} }),
  });
  const key = "populations.dips.params.threshold, populations.noise.maxSlippage";
  const exp = validateExperiment({
    ...tiny,
    populations: [...pops, dips],
    variants: { full: fullClose, front: { populations: [dips, ...pops] } },
    sweep: { [key]: [0.02, 0.05] },
  });
  const at = exp.variants.map((v) => applyPoint(v.config, exp.sweep.params, [0.05]).populations);
  expect((at[0][4] as unknown as { params: { threshold: number } }).params.threshold).toBe(0.05);
  expect((at[0][1] as { maxSlippage: number }).maxSlippage).toBe(0.05);
  expect((at[1][0] as unknown as { params: { threshold: number } }).params.threshold).toBe(0.05);
  expect((at[1][2] as { maxSlippage: number }).maxSlippage).toBe(0.05);
});

test("a name that matches no population in any variant is refused, listing each variant's labels", () => {
  const e = errorOf({
    ...tiny,
    variants: { full: fullClose, front: shifted },
    sweep: { "populations.levered.leverage": [4, 8] },
  });
  expect(e.code).toBe("UNKNOWN_PATH");
  expect(e.field).toBe('sweep["populations.levered.leverage"]');
  expect(e.value).toBe("populations.levered.leverage");
  expect(e.message).toContain(
    'variant "full" has 0: marketMaker, 1: noise, 2: fundamentalist, 3: leveraged; variant "front" has 0: momentum, 1: marketMaker, 2: noise, 3: fundamentalist, 4: leveraged',
  );
  expect(e.message).toContain('did you mean "populations.leveraged.leverage"?');
});

test("a misspelt field under a name path is suggested in the researcher's spelling, by name, not by index", () => {
  const e = errorOf({ ...tiny, sweep: { "populations.leveraged.levrage": [4, 8] } });
  expect(e.code).toBe("UNKNOWN_PATH");
  expect(e.message).toContain(
    '(the longest existing prefix is "populations.leveraged"; did you mean "populations.leveraged.leverage"?)',
  );
  // by index, as before: the prefix names the population there
  expect(errorOf({ ...tiny, sweep: { "populations.3.levrage": [4, 8] } }).message).toContain(
    '(the longest existing prefix is "populations.3", population 3: leveraged; did you mean "populations.3.leverage"?)',
  );
});

test("a name that matches several populations of a variant is refused, naming the variant and their indices", () => {
  const e = errorOf({
    ...tiny,
    variants: {
      full: fullClose,
      twice: { populations: [...pops, { ...pops[3], count: 5 }] },
    },
    sweep: { "populations.leveraged.leverage": [4, 8] },
  });
  expect(e.code).toBe("AMBIGUOUS_PATH");
  expect(e.field).toBe('sweep["populations.leveraged.leverage"]');
  expect(e.message).toContain('variant "twice" has populations 3 and 4 labelled leveraged');
  expect(e.message).toContain(
    '"populations.3.leverage" or "populations.4.leverage", or give each its own name',
  );
});

test("a label that an earlier parameter's value gives to several populations is refused at that point", () => {
  const e = errorOf({
    ...tiny,
    sweep: {
      populations: [pops, [...pops, { ...pops[3], count: 5 }]],
      "populations.leveraged.leverage": [4, 8],
    },
  });
  expect(e.code).toBe("AMBIGUOUS_PATH");
  expect(e.field).toBe("sweep (point 2)");
  expect(e.message).toContain("populations.leveraged.leverage = 4 is refused");
  expect(e.message).toContain("a point whose config has populations 3 and 4 labelled leveraged");
});

test("a built-in population's optional name tells two of one kind apart; validated, and written only when given", () => {
  const longs = { ...pops[3], name: "longs" } as PopulationSpec;
  const exp = validateExperiment({
    ...tiny,
    populations: [...pops, longs],
    sweep: { "populations.longs.leverage": [4, 8], "populations.leveraged.count": [5, 10] },
  });
  const cfg = applyPoint(exp.variants[0].config, exp.sweep.params, [8, 10]).populations;
  expect(cfg[4]).toMatchObject({ name: "longs", leverage: 8, count: 20 });
  expect(cfg[3]).toMatchObject({ count: 10, leverage: { dist: "uniform", min: 5, max: 9.5 } });
  expect(sweptPopulations(exp.variants[0].config, "populations.4.count")).toBe("population 4: longs");
  // the builders write it only when given (every manifest without it stays as it was)
  expect(Object.keys(momentumTraders({ count: 1 }))).toEqual(["kind", "count"]);
  expect(momentumTraders({ count: 1, name: "trend" })).toEqual({ kind: "momentum", count: 1, name: "trend" });
  for (const name of ["long-1", "", 3, "noise", "Custom"]) {
    const e = errorOf({ ...tiny, populations: [...pops.slice(0, 3), { ...pops[3], name }] });
    expect([e.code, e.field]).toEqual(["INVALID_VALUE", "populations.3.name"]);
    expect(e.value).toBe(name);
    expect(e.message).toMatch(/letters only|not a shipped kind/);
  }
});

test("a variant without the named population runs unchanged, as with an index it lacks", () => {
  const exp = validateExperiment({
    ...tiny,
    variants: { full: fullClose, none: { populations: pops.slice(0, 3) } },
    sweep: { "populations.leveraged.count": [5, 10] },
  });
  const none = exp.variants[1].config;
  expect(applyPoint(none, exp.sweep.params, [10])).toEqual(none);
  // in no variant (the base has it, every variant replaces it): refused as an index path is
  const e = errorOf({
    ...tiny,
    variants: { a: { populations: pops.slice(0, 3) }, b: { populations: pops.slice(1, 3) } },
    baseline: "a",
    sweep: { "populations.leveraged.count": [5, 10] },
  });
  expect(e.code).toBe("UNKNOWN_PATH");
  expect(e.message).toContain("every variant replaces it");
});

test("a name and an index of one population are one path; a named kind is refused as an indexed one", () => {
  const twice = errorOf({
    ...tiny,
    sweep: { "populations.3.leverage": [4, 8], "populations.leveraged.leverage": [5, 6] },
  });
  expect(twice.code).toBe("DUPLICATE_PATH");
  expect(twice.field).toBe('sweep["populations.leveraged.leverage"]');
  const inside = errorOf({
    ...tiny,
    sweep: { "populations.leveraged.leverage": [4, 8], "populations.3": [pops[3]] },
  });
  expect(inside.code).toBe("OVERLAPPING_PATH");
  const kind = errorOf({ ...tiny, sweep: { "populations.leveraged.kind": ["leveraged", "momentum"] } });
  expect(kind.code).toBe("SWEPT_KIND");
  // a bad value names the field it reached in the variant
  const bad = errorOf({ ...tiny, sweep: { "populations.leveraged.maxSlippage": [0.01, 2] } });
  expect(bad.field).toBe('sweep["populations.leveraged.maxSlippage"].1');
  expect(bad.message).toMatch(/\(at populations\.3\.maxSlippage in variant "full"\)$/);
});

const small: ExperimentDefinition = { ...tiny, replications: 1, ticks: 80 };

test("runs.csv of a sweep by name holds the values of the same sweep by index, the column named by the key", async () => {
  const run = async (key: string, populations = pops) => {
    const out = mkdtempSync(join(tmpdir(), "cascade-by-name-"));
    dirs.push(out);
    await runExperiment(
      { ...small, populations, sweep: { [key]: [5, 8] } },
      { out, workers: 0, progress: false },
    );
    const [header, ...rows] = readFileSync(join(out, "runs.csv"), "utf8").trimEnd().split("\n");
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    return { header, rows, parameters: manifest.sweep.parameters };
  };
  const byIndex = await run("populations.3.leverage");
  const byName = await run("populations.leveraged.leverage");
  // a built-in's name changes no number: account labels and records keep its kind
  const named = await run("populations.crowd.leverage", [
    ...pops.slice(0, 3),
    { ...pops[3], name: "crowd" } as PopulationSpec,
  ]);
  expect(named.rows).toEqual(byIndex.rows);
  expect(byName.header).toBe(
    byIndex.header.replace("populations.3.leverage", "populations.leveraged.leverage"),
  );
  expect(byName.header).not.toBe(byIndex.header);
  expect(byName.rows).toEqual(byIndex.rows);
  expect(byName.rows).toHaveLength(2 * 2);
  expect(byName.parameters).toEqual(["populations.leveraged.leverage"]);
  expect(
    makePlan(validateExperiment({ ...small, sweep: { "populations.leveraged.leverage": [5, 8] } })).total,
  ).toBe(4);
});

test("validate: a sweep by name reaches each variant holding that population, without naming indices", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "cascade-by-name-v-"));
  dirs.push(tmp);
  const file = join(tmp, "by-name.ts");
  writeFileSync(
    file,
    `import { momentumTraders } from "@cascade/agents";\nimport tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, variants: { full: tiny.variants.full, few: { populations: tiny.populations.slice(0, 3) }, front: { populations: [momentumTraders({ count: 6 }), ...tiny.populations] } }, sweep: { "populations.leveraged.count": [5, 10] }, sweepReference: "populations.leveraged.count" };\n`,
  );
  const r = await cascade(["validate", file], tmp);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(
    /^ {2}sweep populations\.leveraged\.count: 5, 10 \(2 values\), in full, front\n {2}unchanged by the sweep \(the same runs at every point, simulated once\): few$/m,
  );
  expect(r.stdout).toMatch(
    /^ {2}compared: each point against populations\.leveraged\.count = 5 \(sweepReference\)/m,
  );
});
