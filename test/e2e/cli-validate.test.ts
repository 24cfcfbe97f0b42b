/**
 * End to end: invalid experiment files and flags exit with code 2, name the bad field, and create
 * no results; validate / list / --help.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cascade, fixture, REPO, type Result, requireBuilt, TINY } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-e2e-v-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BAD: Array<[string, RegExp]> = [
  ["bad-unknown-key.ts", /replicatoins = 3; allowed: one of the keys/],
  ["bad-wrong-type.ts", /ticks = "200"; allowed: an integer/],
  ["bad-negative-count.ts", /populations\.3\.count = -3/],
  ["bad-policy-fraction.ts", /variants\.partial\.liquidation\.amount\.fraction = 1\.5; allowed: .*\(0, 1\]/],
  [
    "bad-preset-option.ts",
    /invalid liquidation policy \(at .*bad-preset-option\.ts:11:\d+\): closeFactor\.cooldown = 3; allowed: one of the options/,
  ],
  [
    "bad-sweep-path.ts",
    /sweep\["liquidation\.amount\.fractoin"\] = "liquidation\.amount\.fractoin"; allowed: a path that exists.*did you mean "liquidation\.amount\.fraction"\?\)$/m,
  ],
  ["bad-no-default.ts", /default export/],
];

describe("invalid input", () => {
  const results = new Map<string, Result>();
  beforeAll(async () => {
    requireBuilt();
    const all = await Promise.all(
      BAD.map(async ([file]) => {
        const cwd = join(tmp, file);
        mkdirSync(cwd);
        return [file, await cascade(["run", fixture(file), "--workers", "1"], cwd)] as const;
      }),
    );
    for (const [f, r] of all) results.set(f, r);
  });

  test.each(BAD)("%s: named error, exit 2, no results", (file, message) => {
    const r = results.get(file) as Result;
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(readdirSync(join(tmp, file))).toEqual([]);
  });

  test("an unknown experiment name suggests the nearest study, exit 2", async () => {
    const r = await cascade(["run", "partial-vs-ful", "--quiet"], REPO);
    expect(r.stderr).toMatch(
      /cannot load experiment: file = "partial-vs-ful"; allowed: .*; did you mean "partial-vs-full"\?/,
    );
    expect(r.code).toBe(2);
    expect(existsSync(join(REPO, "results", "partial-vs-ful"))).toBe(false);
  });

  test("bad flags exit 2 without writing", async () => {
    const cwd = join(tmp, "flags");
    mkdirSync(cwd);
    const all = await Promise.all([
      cascade(["run", TINY, "--shard", "3/2"], cwd),
      cascade(["run", TINY, "--workers", "-1"], cwd),
      cascade(["run", TINY, "--frobnicate"], cwd),
      cascade(["run", join(tmp, "nope.ts")], cwd),
      cascade(["explode"], cwd),
      cascade(["run", TINY, "--out"], cwd),
      cascade(["run", TINY, "--resume=yes"], cwd),
      cascade(["run", TINY, "--out", "--quiet"], cwd),
      cascade(["run", TINY, "--out", ""], cwd),
      cascade(["run", TINY, "--replicatons", "3"], cwd),
    ]);
    const [shard, workers, unknown, missing, cmd, noValue, switchValue, flagAsValue, emptyOut, misspelt] =
      all;
    // The CLI names its flags; runExperiment's callers see options.shard / options.out instead.
    expect(shard.stderr).toMatch(/invalid command line: --shard = "3\/2"/);
    expect(emptyOut.stderr).toMatch(/invalid command line: --out = ""; allowed: a path \(not empty\)/);
    // A negative number after a flag is that flag's value, checked by the flag's own rule.
    expect(workers.stderr).toMatch(/--workers = "-1"; allowed: an integer in \[0, 1024\] \(0 = in-process\)/);
    expect(unknown.stderr).toMatch(
      /option = "--frobnicate"; allowed: one of --replications <value>, --workers <value>, .*--resume, --quiet, --no-report, --help/,
    );
    // a misspelt flag names the nearest one, as a misspelt command does
    expect(misspelt.stderr).toMatch(
      /option = "--replicatons"; allowed: one of .*, --help; did you mean "--replications"\?\n/,
    );
    expect(unknown.stderr).not.toMatch(/did you mean/);
    expect(missing.stderr).toMatch(/nope\.ts/);
    expect(cmd.stderr).toMatch(/command = "explode"; allowed: one of run, report, merge, validate, list/);
    expect(noValue.stderr).toMatch(/--out = undefined; allowed: a value after --out/);
    expect(switchValue.stderr).toMatch(
      /--resume = "yes"; allowed: no value \(--resume is a switch: on when given\)/,
    );
    expect(flagAsValue.stderr).toMatch(
      /--out = "--quiet"; allowed: a value after --out \(for a value starting with "-", write --out=<value>\)/,
    );
    for (const r of all) expect(r.code).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
  });
  test("an --out that cannot hold results and a refused --resume name the flag (runExperiment and mergeResults: options.out, options.resume)", async () => {
    const cwd = join(tmp, "out-flags");
    mkdirSync(cwd);
    const file = join(cwd, "a-file");
    writeFileSync(file, "x");
    const shard = join(cwd, "s");
    const ran = await cascade(
      ["run", TINY, "--replications", "1", "--shard", "1/1", "--out", shard, "--quiet"],
      cwd,
    );
    expect(ran.code, ran.stderr).toBe(0);
    const [runIntoFile, resumeOther, mergeIntoFile, mergeOverShard] = await Promise.all([
      cascade(["run", TINY, "--out", file, "--quiet"], cwd),
      cascade(
        [
          "run",
          TINY,
          "--replications",
          "1",
          "--shard",
          "1/1",
          "--seed",
          "5",
          "--out",
          shard,
          "--resume",
          "--quiet",
        ],
        cwd,
      ),
      cascade(["merge", shard, "--out", join(file, "m"), "--quiet"], cwd),
      cascade(["merge", shard, "--out", shard, "--quiet"], cwd),
    ]);
    expect(runIntoFile.stderr).toBe(
      `error: cannot write results: --out = ${JSON.stringify(file)}; allowed: a folder this process can create and write to (${file} is a file, not a folder)\n`,
    );
    expect(resumeOther.stderr).toMatch(
      /^error: cannot resume: --resume = ".*\/s\/journal\.jsonl"; allowed: a journal written by the same experiment configuration and shard 1\/1 \(this one differs in: rootSeed \(42 there, 5 now\), seeds; rerun without --resume to start over\)\n$/,
    );
    expect(mergeIntoFile.stderr).toMatch(
      /^error: cannot write results: --out = ".*\/a-file\/m"; allowed: a folder this process can create/,
    );
    expect(mergeOverShard.stderr).toMatch(
      /^error: cannot merge: --out = ".*\/s"; allowed: a folder other than the shard folders\n$/,
    );
    for (const r of [runIntoFile, resumeOther, mergeIntoFile, mergeOverShard]) {
      expect(r.stderr).not.toMatch(/options\./);
      expect(r.code).toBe(2);
    }
  });

  test("report and merge say why a folder is not one they take: missing, a file, complete unsharded results, missing shards, a damaged journal", async () => {
    const cwd = join(tmp, "not-results");
    mkdirSync(cwd);
    const file = join(cwd, "a-file");
    writeFileSync(file, "x");
    const whole = join(cwd, "whole");
    const half = join(cwd, "half");
    const ran = await Promise.all([
      cascade(["run", TINY, "--replications", "1", "--out", whole, "--quiet", "--no-report"], cwd),
      cascade(["run", TINY, "--replications", "1", "--shard", "1/2", "--out", half, "--quiet"], cwd),
    ]);
    for (const r of ran) expect(r.code, r.stderr).toBe(0);
    const damaged = join(cwd, "damaged");
    mkdirSync(damaged);
    for (const f of ["manifest.json", "run-info.json", "journal.jsonl"])
      writeFileSync(join(damaged, f), readFileSync(join(half, f)));
    appendFileSync(join(damaged, "journal.jsonl"), "garbage\n");
    // What a shard stopped part-way leaves: its journal alone.
    const stopped = join(cwd, "stopped");
    mkdirSync(stopped);
    writeFileSync(join(stopped, "journal.jsonl"), readFileSync(join(half, "journal.jsonl")));
    const [reportMissing, reportFile, mergeWhole, mergeMissing, mergeHalf, mergeDamaged, mergeStopped] =
      await Promise.all([
        cascade(["report", join(cwd, "nope")], cwd),
        cascade(["report", file], cwd),
        cascade(["merge", whole, "--out", join(cwd, "m")], cwd),
        cascade(["merge", "nope", "--out", join(cwd, "m")], cwd),
        cascade(["merge", "half", "--out", join(cwd, "m")], cwd),
        cascade(["merge", "damaged", "--out", join(cwd, "m")], cwd),
        cascade(["merge", "stopped", "--out", join(cwd, "m")], cwd),
      ]);
    const results = "allowed: a folder with manifest.json written by cascade run or cascade merge";
    expect(reportMissing.stderr).toBe(
      `error: invalid command line: results-dir = ${JSON.stringify(join(cwd, "nope"))}; ${results} (it does not exist)\n`,
    );
    expect(reportFile.stderr).toBe(
      `error: invalid command line: results-dir = ${JSON.stringify(file)}; ${results} (it is a file)\n`,
    );
    // mergeResults names runExperiment, writeReport and their options: the command line, its commands and flags.
    const shardFolder =
      "allowed: a folder written by cascade run with --shard i/N (with manifest.json and journal.jsonl)";
    expect(mergeWhole.stderr).toBe(
      `error: cannot merge: dirs.0 = ${JSON.stringify(whole)}; ${shardFolder}; this one holds the complete results of a run without --shard, which need no merge (cascade report writes their report)\n`,
    );
    expect(mergeMissing.stderr).toBe(
      `error: cannot merge: dirs.0 = "nope"; ${shardFolder}; it does not exist\n`,
    );
    expect(mergeHalf.stderr).toBe(
      'error: cannot merge: dirs = "1 of 2 runs (shards given: 1/2; missing: shard 2/2; first missing runs: 1)"; allowed: shard folders that together hold every run (run the missing shards with cascade run, or finish them with --resume)\n',
    );
    expect(mergeDamaged.stderr).toBe(
      `error: cannot merge: dirs.0 = "damaged"; allowed: a shard folder whose journal.jsonl holds only whole, readable runs (its line 3 is damaged or out of place; rerun that shard's cascade run with --resume, which drops such lines and runs them again)\n`,
    );
    expect(mergeStopped.stderr).toBe(
      `error: cannot merge: dirs.0 = "stopped"; ${shardFolder}; this one holds only journal.jsonl, of shard 1/2: a run stopped before its end (rerun that shard's cascade run with --resume to finish it)\n`,
    );
    const all = [reportMissing, reportFile, mergeWhole, mergeMissing, mergeHalf, mergeDamaged, mergeStopped];
    for (const r of all) {
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/options\.|runExperiment|writeReport/);
    }
    expect(readdirSync(cwd).sort()).toEqual(["a-file", "damaged", "half", "stopped", "whole"]);
  });

  test("a number flag out of range names the whole range, the same below and above it", async () => {
    const cwd = join(tmp, "ranges");
    mkdirSync(cwd);
    const all = await Promise.all([
      cascade(["run", TINY, "--workers", "5000"], cwd),
      cascade(["run", TINY, "--replications", "0"], cwd),
      cascade(["run", TINY, "--replications", "20000000"], cwd),
      cascade(["validate", TINY, "--replications", "x"], cwd),
      cascade(["run", TINY, "--seed", "-1"], cwd),
    ]);
    const [workers, repLow, repHigh, repValidate, seed] = all.map((r) => r.stderr);
    expect(workers).toMatch(/--workers = "5000"; allowed: an integer in \[0, 1024\] \(0 = in-process\)/);
    for (const [text, value] of [
      [repLow, "0"],
      [repHigh, "20000000"],
      [repValidate, "x"],
    ]) {
      expect(text).toMatch(
        new RegExp(`--replications = "${value}"; allowed: an integer in \\[1, 10000000\\]`),
      );
    }
    expect(seed).toMatch(/--seed = "-1"; allowed: an integer in \[0, 9007199254740991\]/);
    for (const r of all) expect(r.code).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
  });

  test("a missing or extra argument names it, its value and what is allowed", async () => {
    const cwd = join(tmp, "positionals");
    mkdirSync(cwd);
    const all = await Promise.all([
      cascade(["run"], cwd),
      cascade(["run", TINY, "other.ts"], cwd),
      cascade(["validate"], cwd),
      cascade(["merge", "s1", "s2"], cwd),
      cascade(["merge", "--out", "m"], cwd),
      cascade(["report"], cwd),
      cascade(["list", "extra"], cwd),
    ]);
    const [run, runTwo, validate, mergeNoOut, mergeNoDirs, report, list] = all.map((r) => r.stderr);
    expect(run).toMatch(
      /<file> = undefined; allowed: one experiment file \(a path, or a name in experiments\/\)/,
    );
    expect(runTwo).toMatch(/<file> = \[".*tiny\.ts","other\.ts"\]; allowed: one experiment file/);
    expect(validate).toMatch(/<file> = undefined; allowed: one experiment file/);
    expect(mergeNoOut).toMatch(
      /--out = undefined; allowed: the folder to write the merged results to \(required\)/,
    );
    expect(mergeNoDirs).toMatch(
      /<dirs> = undefined; allowed: one or more folders written by cascade run --shard i\/N/,
    );
    expect(report).toMatch(
      /<results-dir> = undefined; allowed: one folder written by cascade run or cascade merge/,
    );
    expect(list).toMatch(/arguments = \["extra"\]; allowed: none \(the folder is --dir DIR\)/);
    for (const r of all) expect(r.code).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe("validate, list, help", () => {
  test("validate a good file", async () => {
    const r = await cascade(["validate", TINY, "--replications", "4"], tmp);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /ok tiny: 2 variant\(s\) \[full, partial; baseline full\] x 1 sweep point\(s\) x 4 replication\(s\) = 8 runs/,
    );
    expect(existsSync(join(tmp, "results"))).toBe(false);
    expect(r.stdout).toMatch(/= 8 runs of 200 ticks\n {2}metrics: peak_drawdown, /);
    expect(r.stdout).toContain("\n  while liquidating: frozen in full; free in partial\n");
    // each variant's policy in full, right after the while-liquidating line
    expect(r.stdout).toContain(
      `\n  while liquidating: frozen in full; free in partial
  liquidation policy of each variant, as it runs (defaults included):
    full (policy "fullClose"): trigger maintenance; amount full; ordering largestNotional
      execution marketSweep (maxSlippage 0.05); whileLiquidating frozen
      penalty (rate 0.01, to insuranceFund); loss (insuranceFund 0, whenFundEmpty badDebt); backstop none
    partial (policy "closeFactor"): trigger healthFactor (below 1); amount closeFactor (fraction 0.5, fullBelowHealthFactor 0.95); ordering largestNotional
      execution marketSweep (maxSlippage 0.05); whileLiquidating free
      penalty (rate 0.05, to liquidator); loss (insuranceFund 0, whenFundEmpty badDebt); backstop none
`,
    );
  });

  test("validate prints each variant's policy with the preset's defaults, shares one between variants that run it, and marks what a sweep sets", async () => {
    const file = join(tmp, "policies.ts");
    writeFileSync(
      file,
      `import tiny from ${JSON.stringify(TINY)};
import { presets } from "@cascade/liquidation";
export default {
  ...tiny,
  variants: {
    full: presets.fullClose(),
    auction: presets.dutchAuction(),
    again: { liquidation: presets.fullClose(), ticks: 150 },
    vault: presets.stepwise({ backstopCapital: 0 }),
    unbounded: presets.stepwise(),
  },
  sweep: { "liquidation.amount.fraction": [0.2, 0.4], "liquidation.loss.insuranceFund, liquidation.backstop.capital": [0, 5000] },
};
`,
    );
    const r = await cascade(["validate", file, "--smoke", "none"], tmp);
    expect(r.code, r.stderr).toBe(0);
    const block = r.stdout.slice(r.stdout.indexOf("  liquidation policy"), r.stdout.indexOf("  sweep "));
    expect(
      block,
    ).toBe(`  liquidation policy of each variant, as it runs (defaults included; swept: set by the sweep, its values on the sweep lines):
    full and again (the same policy, "fullClose"): trigger maintenance; amount full; ordering largestNotional
      execution marketSweep (maxSlippage 0.05); whileLiquidating frozen
      penalty (rate 0.01, to insuranceFund); loss (insuranceFund swept, whenFundEmpty badDebt); backstop none
    auction (policy "dutchAuction"): trigger maintenance; amount full; ordering largestNotional
      execution dutchAuction (startPremium 0.2, decayPerTick 0.01, durationTicks 100, floorDiscount 0.5, reference mark); whileLiquidating frozen
      penalty (rate 0.13, to insuranceFund); loss (insuranceFund swept, whenFundEmpty badDebt); backstop none
    vault (policy "stepwise"): trigger maintenance; amount stepwise (fraction swept, cooldownTicks 30, minNotional 100000); ordering largestNotional
      execution marketSweep (maxSlippage 0.05); whileLiquidating frozen
      penalty (rate 0, to insuranceFund); loss (insuranceFund swept, whenFundEmpty adl); backstop (belowMaintenanceFraction 2/3, price bankruptcy, capital swept)
    unbounded (policy "stepwise"): trigger maintenance; amount stepwise (fraction swept, cooldownTicks 30, minNotional 100000); ordering largestNotional
      execution marketSweep (maxSlippage 0.05); whileLiquidating frozen
      penalty (rate 0, to insuranceFund); loss (insuranceFund swept, whenFundEmpty adl); backstop (belowMaintenanceFraction 2/3, price bankruptcy, capital unbounded)
`);
  });

  test("validate says which variants freeze liquidated accounts, and refuses a bad value", async () => {
    const file = join(tmp, "frozen.ts");
    writeFileSync(
      file,
      `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, variants: { ...tiny.variants, full: { ...tiny.variants.full, whileLiquidating: "free" } } };\n`,
    );
    const r = await cascade(["validate", file], tmp);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("\n  while liquidating: free in every variant\n");
    writeFileSync(
      file,
      `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, variants: { ...tiny.variants, full: { ...tiny.variants.full, whileLiquidating: "locked" } } };\n`,
    );
    const bad = await cascade(["validate", file], tmp);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('variants.full.whileLiquidating = "locked"; allowed: one of "frozen"');
  });

  test("the policy lines README.md shows for its first experiment are validate's output for it", async () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const code = /```ts\n(\/\/ experiments\/my-first\.ts\n[\s\S]*?)```/.exec(readme)?.[1];
    const shown = /For `my-first\.ts`:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code, "README.md shows experiments/my-first.ts").toBeDefined();
    expect(shown, "README.md shows validate's policy lines for it").toMatch(/^ {2}liquidation policy /);
    const file = join(tmp, "my-first.ts");
    writeFileSync(file, code as string);
    const r = await cascade(["validate", file], tmp);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`\n${shown}`);
  });

  test("validate: swept run lengths are given as a range", async () => {
    const file = join(tmp, "swept-ticks.ts");
    writeFileSync(
      file,
      `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, sweep: { ticks: [150, 250] } };\n`,
    );
    const r = await cascade(["validate", file], tmp);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/x 2 sweep point\(s\) x 3 replication\(s\) = 12 runs of 150-250 ticks\n/);
    expect(r.stdout).toMatch(/^ {2}sweep ticks: 150, 250 \(2 values\), in every variant$/m);
    expect(r.stdout).not.toMatch(/unchanged by the sweep/);
    // what comparison.csv will hold: two variants, no sweepReference
    expect(r.stdout).toMatch(
      /^ {2}compared: each variant against the baseline at each point \(no sweepReference: points are not compared with each other\)$/m,
    );
    const withRef = join(tmp, "swept-ticks-ref.ts");
    writeFileSync(
      withRef,
      `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, sweep: { ticks: [150, 250] }, sweepReference: "ticks" };\n`,
    );
    const s = await cascade(["validate", withRef], tmp);
    expect(s.stdout).toMatch(
      /^ {2}compared: each point against ticks = 150 \(sweepReference\), the other parameters as at the point; and each variant against the baseline at each point$/m,
    );
  });

  test("validate: says which variants a sweep reaches and which run unchanged at every point", async () => {
    const file = join(tmp, "swept-fraction.ts");
    writeFileSync(
      file,
      `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, sweep: { "liquidation.amount.fraction": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8] } };\n`,
    );
    const r = await cascade(["validate", file], tmp);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^ {2}sweep liquidation\.amount\.fraction: 0\.1, 0\.2, 0\.3, 0\.4, 0\.5, \.\.\., 0\.8 \(7 values\), in partial\n {2}unchanged by the sweep \(the same runs at every point, simulated once\): full$/m,
    );
  });

  test("validate: a populations path names the population it reaches in each variant when they differ; a variant without it runs unchanged", async () => {
    const file = join(tmp, "swept-population.ts");
    writeFileSync(
      file,
      `import { momentumTraders } from "@cascade/agents";\nimport tiny from ${JSON.stringify(TINY)};\nconst three = tiny.populations.slice(0, 3);\nexport default { ...tiny, variants: { full: tiny.variants.full, few: { populations: three }, mom: { populations: [...three, momentumTraders({ count: 12 })] } }, sweep: { "populations.3.count": [5, 10] } };\n`,
    );
    const r = await cascade(["validate", file], tmp);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^ {2}sweep populations\.3\.count: 5, 10 \(2 values\), in full \(population 3: leveraged\), mom \(population 3: momentum\)\n {2}unchanged by the sweep \(the same runs at every point, simulated once\): few$/m,
    );
  });

  test("list shows experiments/*.ts with descriptions; --help on each command", async () => {
    const cwd = join(tmp, "lst");
    mkdirSync(join(cwd, "experiments"), { recursive: true });
    writeFileSync(join(cwd, "package.json"), '{ "type": "module" }\n');
    writeFileSync(join(cwd, "experiments", "one.ts"), `export { default } from ${JSON.stringify(TINY)};\n`);
    writeFileSync(join(cwd, "experiments", "two.ts"), `export default { name: "two" };\n`);
    // A script beside the experiments is not run by listing them.
    const marker = join(cwd, "script-ran");
    writeFileSync(
      join(cwd, "experiments", "script.ts"),
      `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "yes");\n`,
    );
    const [list, help, runHelp, mergeHelp, validateHelp] = await Promise.all([
      cascade(["list"], cwd),
      cascade(["--help"], cwd),
      cascade(["run", "--help"], cwd),
      cascade(["merge", "--help"], cwd),
      cascade(["validate", "--help"], cwd),
    ]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/experiments\/one\.ts {2}tiny - Tiny two-asset cascade/);
    expect(list.stdout).toMatch(/experiments\/two\.ts {2}INVALID: .*seed/);
    expect(list.stdout).toMatch(/experiments\/script\.ts {2}skipped: no default export \(not loaded/);
    expect(existsSync(marker)).toBe(false);
    expect(help.stdout).toMatch(/commands:[\s\S]*run[\s\S]*merge[\s\S]*validate[\s\S]*list/);
    expect(runHelp.stdout).toMatch(/--shard i\/N/);
    // a researcher holding a runs.csv row: which seed --seed takes, and how to rerun that one run
    expect(runHelp.stdout).toMatch(
      /--seed S +override the root seed[^\n]*rootSeed, not\n +runs\.csv's seed column/,
    );
    expect(runHelp.stdout).toMatch(/--shard <run\+1>\/<runs> reruns one run alone/);
    expect(mergeHelp.stdout).toMatch(/--out DIR/);
    // what validate checks, and what it leaves to a run (it printed only its usage line)
    expect(validateHelp.stdout).toMatch(/--replications N +override/);
    expect(validateHelp.stdout).toMatch(/--seed S +override the root seed/);
    expect(validateHelp.stdout).toMatch(/It does not\ntype-check the file/);
    expect(validateHelp.stdout).toMatch(
      /each custom\ntrigger, amount rule and ordering \(on a one-lot long and short/,
    );
    expect(validateHelp.stdout).toMatch(
      /--smoke WHICH +with custom metrics, agents, triggers or simulate, the smoke run/,
    );
    expect(validateHelp.stdout).toMatch(
      /code only variants other than the baseline have \(their custom trigger, say\) is named in\na note, as it first runs in cascade run unless --smoke variants\. Code that point 0 does not reach\n\(a population of 0 agents there\) first runs in cascade run, or with --smoke points/,
    );
    expect(validateHelp.stdout).toMatch(
      /It prints each variant's liquidation policy as it will run: every part \(trigger, amount, ordering,\nexecution, whileLiquidating, penalty, loss, backstop\) with every parameter/,
    );
    for (const r of [help, runHelp, mergeHelp, validateHelp]) expect(r.code).toBe(0);
  });
});

test("no command is invalid input: usage on stderr, exit 2; an unknown one names the nearest, with or without help", async () => {
  requireBuilt();
  // `cascade $CMD ...` with $CMD empty in a job script printed the usage and exited 0: the job
  // went on as if it had run.
  const [none, typo, helpTypo] = await Promise.all([
    cascade([], tmp),
    cascade(["runn", "x.ts"], tmp),
    cascade(["help", "runn"], tmp),
  ]);
  expect(none.code).toBe(2);
  expect(none.stdout).toBe("");
  expect(none.stderr).toMatch(/^usage: cascade <command> \[options\]\n\ncommands:\n {2}run /);
  expect(none.stderr.endsWith("\nerror: no command given\n")).toBe(true);
  const unknown =
    'error: invalid command line: command = "runn"; allowed: one of run, report, merge, validate, list; did you mean "run"?\n';
  for (const r of [typo, helpTypo]) {
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(unknown);
  }
});

test("an experiment file outside the repository still finds @cascade/* (from Cascade's own install)", async () => {
  requireBuilt();
  // The OS temp folder has no node_modules above it: the packages resolve from the CLI's install.
  const file = join(tmp, "outside.ts");
  writeFileSync(file, readFileSync(TINY, "utf8"));
  const r = await cascade(["validate", file], tmp);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^ok tiny: 2 variant\(s\)/);
});

describe("validate's smoke run of custom metrics", () => {
  const write = (name: string, custom: string) => {
    const file = join(tmp, `${name}.ts`);
    writeFileSync(
      file,
      `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, metrics: { custom: ${custom} } };\n`,
    );
    return file;
  };

  test("refuses a custom metric that returns a string or an object, naming the metric, the value and the run", async () => {
    requireBuilt();
    const text = await cascade(["validate", write("metric-string", "{ label: (r) => 'x' + r.ticks }")], tmp);
    expect(text.code).toBe(2);
    expect(text.stdout).toBe("");
    expect(text.stderr).toMatch(
      /^error: invalid custom metric \(validate's smoke run: variant "full", point 0, replication 0, seed \d+\): metrics\.custom\.label = "x200"; allowed: a number or null \(the function's return value\)\n$/,
    );
    const object = await cascade(
      [
        "validate",
        write("metric-object", "{ ok: (r) => r.ticks, obj: { compute: () => ({ a: 1 }), unit: 'lots' } }"),
      ],
      tmp,
    );
    expect(object.code).toBe(2);
    expect(object.stderr).toContain('metrics.custom.obj = {"a":1}; allowed: a number or null');
    expect(existsSync(join(tmp, "results"))).toBe(false);
  });

  test("says which run it ran, and notes a metric blank in it (NaN is a blank cell)", async () => {
    const r = await cascade(
      ["validate", write("metric-nan", "{ ok: (r) => r.ticks, nan_here: () => Number.NaN }")],
      tmp,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /\n {2}smoke run: replication 0 of the baseline, full, at point 0 \(run 0\), in full: every custom metric returned a number or null\n {2}note: metrics\.custom\.nan_here was blank \(null, NaN or an infinity\) in the smoke run; if it is in every run, cascade run warns\n$/,
    );
    expect(r.stdout).not.toContain("metrics.custom.ok was blank");
    expect(existsSync(join(tmp, "results"))).toBe(false);
    const none = await cascade(
      ["validate", write("metric-string-unchecked", "{ label: () => 'x' }"), "--smoke", "none"],
      tmp,
    );
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).not.toContain("smoke run");
    const bad = await cascade(["validate", TINY, "--smoke", "all"], tmp);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--smoke = "all"; allowed: "baseline" (the default), "variants", "points" or "none"',
    );
  });

  test("--smoke variants runs each variant, and finds a value only one variant returns", async () => {
    const file = write(
      "metric-one-variant",
      "{ by_variant: (r, run) => (run.variant === 'partial' ? 'p' : 1) }",
    );
    const baseline = await cascade(["validate", file], tmp);
    expect(baseline.code, baseline.stderr).toBe(0);
    const each = await cascade(["validate", file, "--smoke", "variants"], tmp);
    expect(each.code).toBe(2);
    expect(each.stderr).toMatch(
      /^error: invalid custom metric \(validate's smoke run: variant "partial", point 0, replication 0, seed \d+\): metrics\.custom\.by_variant = "p"; allowed: a number or null/,
    );
  });

  test("reports a metric that throws as cascade run does, as the smoke run's failure (exit 1)", async () => {
    const r = await cascade(["validate", write("metric-throws", "{ boom: (r) => r.nothing.x }")], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: validate's smoke run 0 failed \(variant "full", point 0, replication 0, seed \d+\): custom metric failed: metrics\.custom\.boom threw: Cannot read properties of undefined \(reading 'x'\)\n/,
    );
  });
});

describe("validate's smoke run of custom agents (no custom metric)", () => {
  /** The custom-agent fixture without its metrics, its dip buyers' act replaced by `act`. */
  const write = (name: string, act: string) => {
    const file = join(tmp, `${name}.ts`);
    writeFileSync(
      file,
      `import base from ${JSON.stringify(fixture("custom-agent.ts"))};
const dip = base.populations[3];
export default {
  ...base,
  metrics: undefined,
  populations: [...base.populations.slice(0, 3), { ...dip, create: () => { let n = 0; return { act() { ${act} } }; } }],
};
`,
    );
    return file;
  };

  test("runs one when an agent's act is the experiment's own, and reports its failure as cascade run does (exit 1)", async () => {
    requireBuilt();
    const broken = await cascade(
      ["validate", write("agent-throws", "if (++n === 3) throw new RangeError('no dip today');")],
      tmp,
    );
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe("");
    expect(broken.stderr).toMatch(
      /^error: validate's smoke run 0 failed \(variant "default", point 0, replication 0, seed \d+\): custom agent failed: populations\.3 \("dipBuyer"\) agent \d+'s act at tick \d+ threw: no dip today\n/,
    );
    const fine = await cascade(["validate", write("agent-fine", "n++;")], tmp);
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(
      /\n {2}smoke run: replication 0 of the baseline, default, at point 0 \(run 0\), in full: no failure \(custom agents\)\n$/,
    );
    const none = await cascade(
      ["validate", write("agent-throws-unchecked", "throw new Error('x');"), "--smoke", "none"],
      tmp,
    );
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).not.toContain("smoke run");
    expect(existsSync(join(tmp, "results"))).toBe(false);
  });
});

describe("validate --smoke points: replication 0 of the baseline at every sweep point", () => {
  test("reaches code point 0 does not run (dip buyers swept from 0 agents) and reports its failure with the point; says which runs it ran", async () => {
    requireBuilt();
    /** The custom-agent fixture (2 replications) with its dip buyers swept [0, 6], their act replaced by `act`. */
    const write = (name: string, act: string) => {
      const file = join(tmp, `${name}.ts`);
      writeFileSync(
        file,
        `import base from ${JSON.stringify(fixture("custom-agent.ts"))};
const dip = base.populations[3];
export default {
  ...base,
  metrics: undefined,
  populations: [...base.populations.slice(0, 3), { ...dip, create: () => ({ act() { ${act} } }) }],
  sweep: { "populations.dipBuyer.count": [0, 6] },
};
`,
      );
      return file;
    };
    const broken = write("points-agent-throws", "throw new RangeError('no dip today');");
    // the default smoke run is point 0, where there are no dip buyers: nothing fails
    const atZero = await cascade(["validate", broken], tmp);
    expect(atZero.code, atZero.stderr).toBe(0);
    const points = await cascade(["validate", broken, "--smoke", "points"], tmp);
    expect(points.code).toBe(1);
    expect(points.stdout).toBe("");
    expect(points.stderr).toMatch(
      /^error: validate's smoke run 2 failed \(variant "default", point 1, replication 0, seed \d+\): custom agent failed: populations\.3 \("dipBuyer"\) agent \d+'s act at tick \d+ threw: no dip today\n/,
    );
    const fine = await cascade(["validate", write("points-agent-fine", ""), "--smoke", "points"], tmp);
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(
      /\n {2}smoke run: replication 0 of the baseline, default, at each of the 2 sweep points \(runs 0, 2\), in full: no failure \(custom agents\)\n$/,
    );
    // a custom metric's invalid value names the point it came from
    const metric = join(tmp, "points-metric.ts");
    writeFileSync(
      metric,
      `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, sweep: { ticks: [200, 150] }, metrics: { custom: { by_point: (r, run) => (run.point === 1 ? "p" : 1) } } };\n`,
    );
    const bad = await cascade(["validate", metric, "--smoke", "points"], tmp);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^error: invalid custom metric \(validate's smoke run: variant "full", point 1, replication 0, seed \d+\): metrics\.custom\.by_point = "p"; allowed: a number or null/,
    );
    const usage = await cascade(["validate", TINY, "--smoke", "all"], tmp);
    expect(usage.stderr).toContain(
      '--smoke = "all"; allowed: "baseline" (the default), "variants", "points" or "none"',
    );
  });
});

describe("validate: sweep points that change whileLiquidating", () => {
  test("a swept whileLiquidating is named in the while-liquidating line", async () => {
    requireBuilt();
    const file = join(tmp, "swept-mode.ts");
    writeFileSync(
      file,
      `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, sweep: { "liquidation.whileLiquidating": ["frozen", "free"] } };\n`,
    );
    const r = await cascade(["validate", file, "--smoke", "none"], tmp);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "\n  while liquidating: frozen or free by sweep point (liquidation.whileLiquidating) in every variant\n",
    );
    expect(r.stdout).toContain(
      '\n  sweep liquidation.whileLiquidating: "frozen", "free" (2 values), in every variant\n',
    );
  });

  test("a swept policy says the mode each of its values sets", async () => {
    const file = join(tmp, "swept-policy-mode.ts");
    writeFileSync(
      file,
      `import tiny from ${JSON.stringify(TINY)};\nimport { presets } from "@cascade/liquidation";\nexport default { ...tiny, variants: undefined, baseline: undefined, sweep: { liquidation: [presets.fullClose(), presets.closeFactor({ fraction: 0.5 }), presets.fullClose({ whileLiquidating: "free" })] } };\n`,
    );
    const r = await cascade(["validate", file, "--smoke", "none"], tmp);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "\n  while liquidating: frozen or free by sweep point (liquidation) in every variant\n",
    );
    expect(r.stdout).toMatch(
      /^ {2}sweep liquidation: .* \(3 values\), in every variant; while liquidating: frozen, free, free$/m,
    );
    // the policy is the sweep's values: not one of them repeated
    expect(r.stdout).toContain("\n    default: the whole policy is swept\n");
    // a swept policy that keeps the mode adds nothing
    writeFileSync(
      file,
      `import tiny from ${JSON.stringify(TINY)};\nimport { presets } from "@cascade/liquidation";\nexport default { ...tiny, variants: undefined, baseline: undefined, sweep: { liquidation: [presets.fullClose(), presets.fullClose({ penalty: { rate: 0.02, to: "insuranceFund" } })] } };\n`,
    );
    const same = await cascade(["validate", file, "--smoke", "none"], tmp);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("\n  while liquidating: frozen in every variant\n");
    expect(same.stdout).toMatch(/^ {2}sweep liquidation: .* \(2 values\), in every variant$/m);
  });
});

describe("report on a shard's folder", () => {
  test("is refused, naming the shard and its runs, and points to cascade merge; a shard of one is whole", async () => {
    requireBuilt();
    const cwd = join(tmp, "report-shard");
    mkdirSync(cwd);
    const [a, b, whole] = await Promise.all([
      cascade(["run", TINY, "--shard", "1/2", "--out", "s1", "--workers", "0", "--quiet"], cwd),
      cascade(["run", TINY, "--shard", "2/2", "--out", "s2", "--workers", "0", "--quiet"], cwd),
      cascade(
        ["run", TINY, "--shard", "1/1", "--out", "one", "--workers", "0", "--quiet", "--no-report"],
        cwd,
      ),
    ]);
    expect([a.code, b.code, whole.code]).toEqual([0, 0, 0]);
    const r = await cascade(["report", "s1"], cwd);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'cannot report: results-dir = "s1"; allowed: the results of a whole experiment (this folder is shard 1 of 2: 3 of 6 runs); join all 2 shard folders with cascade merge <dirs...> --out DIR, which writes the report',
    );
    expect(existsSync(join(cwd, "s1", "report.html"))).toBe(false);
    // --out elsewhere is refused too
    expect((await cascade(["report", "s2", "--out", "r.html"], cwd)).code).toBe(2);
    expect(existsSync(join(cwd, "r.html"))).toBe(false);
    // shard 1/1 holds every run: its report is the experiment's
    const one = await cascade(["report", "one"], cwd);
    expect(one.code).toBe(0);
    expect(existsSync(join(cwd, "one", "report.html"))).toBe(true);
    // the merged folder reports
    const merged = await cascade(["merge", "s1", "s2", "--out", "m", "--quiet"], cwd);
    expect(merged.code).toBe(0);
    expect(existsSync(join(cwd, "m", "report.html"))).toBe(true);
  });
});

describe("validate's smoke run of code only another variant has", () => {
  test("says the baseline's smoke run did not reach another variant's custom trigger, and --smoke variants does", async () => {
    requireBuilt();
    const file = join(tmp, "trigger-elsewhere.ts");
    writeFileSync(
      file,
      `import { presets } from "@cascade/liquidation";
import base from ${JSON.stringify(fixture("tiny.ts"))};
export default {
  ...base,
  metrics: undefined,
  variants: {
    ...base.variants,
    early: { liquidation: presets.fullClose({ trigger: { kind: "custom", test: (venue, a) => venue.marginRatio(a) < 0.09 } }) },
  },
};
`,
    );
    const r = await cascade(["validate", file], tmp);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /\n {2}smoke run: replication 0 of the baseline, full, at point 0 \(run 0\), in full: no failure\n {2}note: the baseline has no custom triggers \(variant early has\): they first run in cascade run, or with --smoke variants\n$/,
    );
    const all = await cascade(["validate", file, "--smoke", "variants"], tmp);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(
      /\n {2}smoke run: replication 0 of each variant at point 0 \(runs [\d, ]+\), in full: no failure \(custom triggers\)\n$/,
    );
  });
});
