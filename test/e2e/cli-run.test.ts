/**
 * End to end: the built CLI (a child process) on test/e2e/fixtures/tiny.ts.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { processStart } from "../../packages/experiment/src/output-dir.js";
import {
  cascade,
  fixture,
  OUTPUT_FILES,
  type Result,
  readAll,
  requireBuilt,
  start,
  TINY,
} from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-e2e-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const header = (text: string) => text.slice(0, text.indexOf("\n")).split(",");

test("a reader that goes away (cascade run | head) loses no file: report.html is written, exit 0", async () => {
  requireBuilt();
  const dir = join(tmp, "pipe");
  const { child, done } = start(["run", TINY, "--workers", "0", "--out", dir], tmp);
  // Close our end before the first line, as head would after its lines: every write fails with
  // EPIPE (from the first one, before the report is written).
  child.stdout?.destroy();
  const r = await done;
  expect(r.code).toBe(0);
  for (const f of [...OUTPUT_FILES, "report.html"]) expect(existsSync(join(dir, f)), f).toBe(true);
});

describe("cascade run", () => {
  let a: Result;
  let b: Result;
  const dirA = join(tmp, "a");
  const dirB = join(tmp, "b");
  beforeAll(async () => {
    requireBuilt();
    // Two identical commands (one worker), each in its own working directory.
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dirA);
    mkdirSync(dirB);
    [a, b] = await Promise.all([
      cascade(["run", TINY, "--workers", "1"], dirA),
      cascade(["run", TINY, "--workers", "0"], dirB),
    ]);
  });

  test("writes every file, with its columns, under results/<name>/", () => {
    expect(a.stderr).toMatch(/cascade tiny: 6\/6 runs \(100\.0%\)/);
    // then the report's writing, on the progress' stream (said nothing for the 12-38 s of 5k-10k runs)
    const writing = a.stderr.indexOf("\nwriting report.html ...\n");
    expect(writing).toBeGreaterThan(a.stderr.lastIndexOf("cascade tiny: 6/6 runs"));
    expect(a.stderr.split("writing report.html")).toHaveLength(2);
    expect(a.code).toBe(0);
    const out = join(dirA, "results", "tiny");
    for (const f of [...OUTPUT_FILES, "run-info.json"]) expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, "journal.jsonl"))).toBe(false);
    const files = readAll(out);
    expect(header(files["runs.csv"])).toEqual([
      "variant",
      "point",
      "replication",
      "seed",
      "peak_drawdown",
      "peak_drawdown_AAA",
      "peak_drawdown_BBB",
      "liquidated_notional",
      "book_liquidated_notional",
      "liquidations",
      "accounts_liquidated",
      "accounts_liquidated_share",
      "max_cascade_depth",
      "max_cascade_duration",
      "bad_debt",
      "insurance_draw",
      "backstop_absorbed",
      "adl_covered",
      "socialized_loss",
      "unrecovered_debt",
      "adl_volume",
      "mean_slippage",
      "book_mean_slippage",
      "worst_slippage",
      "min_depth",
      "mean_depth",
      "max_spread",
      "recovery_time",
      "recovered",
      "recovery_time_capped",
      "realized_volatility",
      "ticks_at_price_band",
      "ticks_at_min_price_AAA",
      "ticks_at_max_price_AAA",
      "ticks_at_min_price_BBB",
      "ticks_at_max_price_BBB",
      "backstop_pnl",
      "backstop_worst_pnl",
      "final_mid_AAA",
    ]);
    expect(files["runs.csv"].trimEnd().split("\n").length).toBe(1 + 6);
    expect(header(files["summary.csv"])).toEqual([
      "variant",
      "point",
      "metric",
      "n",
      "mean",
      "sd",
      "ci_low",
      "ci_high",
      "median",
      "p05",
      "p95",
      "boot_low",
      "boot_high",
    ]);
    expect(header(files["comparison.csv"])).toEqual([
      "variant",
      "baseline",
      "point",
      "baseline_point",
      "metric",
      "n_pairs",
      "mean_diff",
      "ci_low",
      "ci_high",
      "p_value",
      "p_holm",
      "effect_size",
      "p_wilcoxon",
      "p_wilcoxon_holm",
      "boot_low",
      "boot_high",
    ]);
    expect(header(files["timeseries.csv"])).toEqual([
      "variant",
      "point",
      "replication",
      "tick",
      "instrument",
      "mid",
      "price",
      "best_bid",
      "best_ask",
      "spread",
      "depth_bid",
      "depth_ask",
      "volume",
      "liquidated_notional",
      "fundamental",
    ]);
    // 200 ticks sampled every 10 -> 20 ticks x 2 instruments x 6 runs
    expect(files["timeseries.csv"].trimEnd().split("\n").length).toBe(1 + 20 * 2 * 6);
    // price is the mid whenever there is one (the last trade only while a side is empty)
    const [head, ...body] = files["timeseries.csv"].trimEnd().split("\n");
    const [mid, price] = ["mid", "price"].map((c) => head.split(",").indexOf(c));
    const withMid = body.map((l) => l.split(",")).filter((r) => r[mid] !== "");
    expect(withMid.length).toBeGreaterThan(200);
    for (const r of withMid) expect(r[price]).toBe(r[mid]);
    expect(header(files["liquidations.csv"])).toEqual([
      "variant",
      "point",
      "replication",
      "id",
      "tick",
      "account",
      "instrument",
      "side",
      "quantity",
      "price",
      "mark",
      "notional",
      "slippage",
      "penalty",
      "bad_debt",
      "execution",
      "cascade_id",
      "generation",
      "cause",
    ]);
    expect(files["liquidations.csv"].trimEnd().split("\n").length).toBeGreaterThan(1);
    const manifest = JSON.parse(files["manifest.json"]);
    expect(manifest.name).toBe("tiny");
    expect(manifest.rootSeed).toBe(42);
    expect(manifest.variants.map((v: { name: string }) => v.name)).toEqual(["full", "partial"]);
    expect(manifest.versions["@cascade/experiment"]).toBe("0.1.0");
    const info = JSON.parse(readFileSync(join(out, "run-info.json"), "utf8"));
    expect(typeof info.startedAt).toBe("string");
  });

  test("prints the headline table and writes report.html; cascade report rewrites it elsewhere", async () => {
    const out = join(dirA, "results", "tiny");
    // The headline: each variant's mean with its interval, then the paired difference.
    expect(a.stdout).toMatch(/^variant +metric +mean +95% CI +diff vs baseline/m);
    // grouped by thousands as report.html writes it (26,602.7), not 2.660e+4
    expect(a.stdout).toMatch(/^full +liquidated_notional +\d{1,3}(,\d{3})+(\.\d)? +\[.*\] +\(baseline\)$/m);
    expect(a.stdout).toMatch(
      /^partial +liquidated_notional +\S+ +\[.*\] +-?[\d,.e+-]+ +\[.*\] +[\d.e+-]+ +[\d.e+-]+$/m,
    ); // p, p Holm
    const html = readFileSync(join(out, "report.html"), "utf8");
    for (const chart of ["price-paths", "distributions", "paired-differences", "cascade-depth"]) {
      expect(html).toContain(`data-chart="${chart}"`);
    }
    expect(html).not.toMatch(/<script|https?:\/\//);
    const again = await cascade(["report", out, "--out", join(tmp, "again.html")], tmp);
    expect(again.code).toBe(0);
    expect(readFileSync(join(tmp, "again.html"), "utf8")).toBe(html);
    // the library's options.out read as the flag the user typed
    const unwritable = await cascade(["report", out, "--out", join(tmp, "no-folder", "r.html")], tmp);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain(
      `cannot write the report: --out = ${JSON.stringify(join(tmp, "no-folder", "r.html"))}`,
    );
    expect(unwritable.stderr).not.toContain("options.");
    const missing = await cascade(["report", join(tmp, "nothing-here")], tmp);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/results-dir = .*nothing-here.*manifest\.json/);
    expect(missing.stderr).not.toContain("--resume");
    // A folder with only a journal (a run stopped before its end) is named as such.
    const stopped = join(tmp, "stopped");
    mkdirSync(stopped);
    writeFileSync(join(stopped, "journal.jsonl"), "");
    const unfinished = await cascade(["report", stopped], tmp);
    expect(unfinished.code).toBe(2);
    expect(unfinished.stderr).toContain(
      "this one holds only journal.jsonl: a run that stopped before the end; rerun its cascade run command with --resume to finish it",
    );
    // A run still writing to it (its run.lock held by a live process: this one) is not called stopped.
    const running = join(tmp, "running");
    mkdirSync(running);
    writeFileSync(join(running, "journal.jsonl"), "");
    const holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    writeFileSync(
      join(running, "run.lock"),
      JSON.stringify({ ...holder, pidStart: processStart(process.pid) }),
    );
    const busy = await cascade(["report", running], tmp);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(
      `(this one holds only journal.jsonl, and process ${process.pid} of this machine (${hostname()}) has been writing to it since ${holder.startedAt} (`,
    );
    expect(busy.stderr).toMatch(/ s ago\): wait for that run to end\)\n$/);
  });

  test("the same command twice (in-process the second time) -> byte-identical files", () => {
    expect(b.code).toBe(0);
    expect(readAll(join(dirB, "results", "tiny"))).toEqual(readAll(join(dirA, "results", "tiny")));
  });

  test("1 worker vs 2 workers, and 2 shards merged -> byte-identical", async () => {
    const [w2, s1, s2] = await Promise.all([
      cascade(["run", TINY, "--workers", "2", "--out", "w2", "--quiet"], tmp),
      cascade(["run", TINY, "--workers", "0", "--shard", "1/2", "--out", "s1", "--quiet"], tmp),
      cascade(["run", TINY, "--workers", "1", "--shard", "2/2", "--out", "s2", "--quiet"], tmp),
    ]);
    for (const r of [w2, s1, s2]) expect(r.code, r.stderr).toBe(0);
    const ref = readAll(join(dirA, "results", "tiny"));
    expect(readAll(join(tmp, "w2"))).toEqual(ref);
    const m = await cascade(["merge", "s1", "s2", "--out", "merged"], tmp);
    expect(m.code, m.stderr).toBe(0);
    expect(readAll(join(tmp, "merged"))).toEqual(ref);
    // --quiet as for run: nothing on stderr (no statistics progress), the same bytes
    const q = await cascade(["merge", "s1", "s2", "--out", "merged-quiet", "--quiet"], tmp);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stderr).toBe("");
    expect(readAll(join(tmp, "merged-quiet"))).toEqual(ref);
    // --no-report as for run: the same files, no report.html, none listed
    const nr = await cascade(["merge", "s1", "s2", "--out", "merged-no-report", "--no-report"], tmp);
    expect(nr.code, nr.stderr).toBe(0);
    expect(readAll(join(tmp, "merged-no-report"))).toEqual(ref);
    expect(existsSync(join(tmp, "merged-no-report", "report.html"))).toBe(false);
    expect(nr.stdout).not.toContain("report.html");
    expect(nr.stderr).not.toContain("report.html");
    // merged again over those results: it says what it replaces, on stderr as run's notes (--quiet too)
    const again = await cascade(["merge", "s1", "s2", "--out", "merged-quiet", "--quiet"], tmp);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe(
      "note: merged-quiet/ held the results of this configuration; this merge replaces them\n",
    );
    expect(readAll(join(tmp, "merged-quiet"))).toEqual(ref);
    // with progress on, said once, before anything else (mergeResults says it, as runExperiment does)
    const loud = await cascade(["merge", "s1", "s2", "--out", "merged"], tmp);
    expect(loud.code, loud.stderr).toBe(0);
    expect(
      loud.stderr.startsWith(
        "note: merged/ held the results of this configuration; this merge replaces them\n",
      ),
    ).toBe(true);
    expect(loud.stderr.split("held the results")).toHaveLength(2);
    // its report's writing said as run's (not with --quiet: q above)
    expect(loud.stderr).toContain("\nwriting report.html ...\n");
    // a shard's folder gets no report: it is refused, pointing to cascade merge
    const sr = await cascade(["report", "s1", "--out", "s1.html"], tmp);
    expect(sr.code, sr.stderr).toBe(2);
    expect(sr.stderr).toContain("this folder is shard 1 of 2: 3 of 6 runs");
    expect(existsSync(join(tmp, "s1.html"))).toBe(false);
    // merge prints what run prints: every file, then the headline table
    expect(m.stdout).toMatch(/^ {2}merged\/summary\.csv$/m);
    expect(m.stdout).toMatch(/^ {2}merged\/report\.html$/m);
    expect(m.stdout).toMatch(
      /^partial +liquidated_notional +\S+ +\[.*\] +-?[\d,.e+-]+ +\[.*\] +[\d.e+-]+ +[\d.e+-]+$/m,
    ); // p, p Holm
    // a missing shard is an input error
    const bad = await cascade(["merge", "s1", "--out", "half"], tmp);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/3 of 6 runs/);
    expect(existsSync(join(tmp, "half"))).toBe(false);
  });

  test("node started with flags a Worker refuses (V8, process-wide) -> workers start without them, same bytes", async () => {
    const r = await cascade(["run", TINY, "--workers", "2", "--out", "flags", "--quiet"], tmp, [
      "--stack-size=4000",
      "--title",
      "cascade-e2e",
      "--no-warnings",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readAll(join(tmp, "flags"))).toEqual(readAll(join(dirA, "results", "tiny")));
  });

  /** The runs the interruption tests stop part-way, and the same runs uninterrupted (run once). */
  const INTERRUPTED = ["run", TINY, "--replications", "6", "--quiet"];
  let uninterrupted: Promise<Result> | undefined;
  const reference = () => {
    uninterrupted ??= cascade([...INTERRUPTED, "--workers", "0", "--out", "r-ref"], tmp);
    return uninterrupted;
  };

  /**
   * Runs INTERRUPTED with one worker into `out`, sends `signal` once 2 runs are in the journal, then
   * resumes it in-process: the stopped process, the runs its journal kept, whether final files were
   * left, and the resume.
   */
  async function interruptThenResume(out: string, signal: NodeJS.Signals) {
    const victim = start([...INTERRUPTED, "--workers", "1", "--out", out], tmp);
    const journal = join(tmp, out, "journal.jsonl");
    const lines = () => (existsSync(journal) ? readFileSync(journal, "utf8").split("\n").length - 1 : 0);
    const t0 = Date.now();
    while (lines() < 3 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 10));
    victim.child.kill(signal);
    const stopped = await victim.done;
    const kept = lines() - 1;
    const finalFilesLeft = existsSync(join(tmp, out, "runs.csv"));
    const left = readdirSync(join(tmp, out));
    const resumed = await cascade([...INTERRUPTED, "--workers", "0", "--out", out, "--resume"], tmp);
    return { stopped, kept, finalFilesLeft, left, resumed };
  }

  test("SIGKILL part-way, then --resume -> the bytes of an uninterrupted run", async () => {
    const refRun = reference();
    const {
      stopped: killed,
      kept: finishedBeforeKill,
      finalFilesLeft,
      resumed,
    } = await interruptThenResume("r-kill", "SIGKILL");
    expect(killed.signal).toBe("SIGKILL");
    expect(finishedBeforeKill).toBeGreaterThanOrEqual(2);
    expect(finishedBeforeKill).toBeLessThan(12);
    expect(finalFilesLeft).toBe(false);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(
      new RegExp(`12 runs \\(${12 - finishedBeforeKill} run now, ${finishedBeforeKill} already done\\)`),
    );
    const ref = await refRun;
    expect(ref.code, ref.stderr).toBe(0);
    expect(readAll(join(tmp, "r-kill"))).toEqual(readAll(join(tmp, "r-ref")));
  });

  test("more workers than usable cores: a warning naming both, same results", async () => {
    const r = await cascade(
      ["run", TINY, "--workers", "1024", "--out", "many", "--quiet", "--no-report"],
      tmp,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^warning: --workers 1024 is more than the \d+ usable cores; the runs will compete for them \(slower, same results\)$/m,
    );
    expect(readAll(join(tmp, "many"))).toEqual(readAll(join(dirA, "results", "tiny")));
  });

  test("Ctrl-C part-way -> exit 130, says how many runs are kept and to --resume; the resume gives the same bytes", async () => {
    const refRun = reference();
    const { stopped, kept, finalFilesLeft, left, resumed } = await interruptThenResume("r-int", "SIGINT");
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(left).toEqual(["journal.jsonl"]);
    expect(stopped.stderr).toMatch(
      new RegExp(
        `cascade run interrupted \\(SIGINT\\): ${kept} of 12 runs are done and kept in r-int/journal\\.jsonl, no final file was written; rerun the same command with --resume to continue`,
      ),
    );
    expect(finalFilesLeft).toBe(false);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`\\(${12 - kept} run now, ${kept} already done\\)`));
    const ref = await refRun;
    expect(ref.code, ref.stderr).toBe(0);
    expect(readAll(join(tmp, "r-int"))).toEqual(readAll(join(tmp, "r-ref")));
  });

  test("SIGTERM part-way (a scheduler's time limit) -> exit 143, only the journal is left; the resume gives the same bytes", async () => {
    const refRun = reference();
    const { stopped, kept, left, resumed } = await interruptThenResume("r-term", "SIGTERM");
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.stderr).toMatch(
      new RegExp(
        `cascade run interrupted \\(SIGTERM\\): ${kept} of 12 runs are done and kept in r-term/journal\\.jsonl, no final file was written; rerun the same command with --resume to continue`,
      ),
    );
    expect(left).toEqual(["journal.jsonl"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const ref = await refRun;
    expect(ref.code, ref.stderr).toBe(0);
    expect(readAll(join(tmp, "r-term"))).toEqual(readAll(join(tmp, "r-ref")));
  });

  test("an observer that throws fails the run with its error (exit 1), in-process and in workers", async () => {
    const runs = await Promise.all(
      ["0", "2"].map((w) =>
        cascade(["run", fixture("bad-observer.ts"), "--workers", w, "--out", `obs${w}`], tmp),
      ),
    );
    for (const [k, r] of runs.entries()) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(
        /run \d failed \(variant "full", point 0, replication \d, seed \d+\): researcher's observer failed on a fill at 1000/,
      );
      for (const f of OUTPUT_FILES) expect(existsSync(join(tmp, `obs${k * 2}`, f)), f).toBe(false);
      expect(r.stderr).toContain("CASCADE_DEBUG=1 prints");
    }
    // The documented switch shows where the researcher's code threw, at the .ts line.
    process.env.CASCADE_DEBUG = "1";
    const debugs = await Promise.all(
      ["0", "2"].map((w) =>
        cascade(["run", fixture("bad-observer.ts"), "--workers", w, "--out", `obs-debug${w}`], tmp),
      ),
    );
    delete process.env.CASCADE_DEBUG;
    for (const debug of debugs) {
      expect(debug.code, debug.stderr).toBe(1);
      expect(debug.stderr).toMatch(/bad-observer\.ts:23:\d+/);
      // the message once (on the error line), the class the observer threw once (a worker
      // thread's error arrives as a plain Error), then the stack's frames
      expect(debug.stderr.split("researcher's observer failed")).toHaveLength(2);
      expect(debug.stderr.split("ObserverFault")).toHaveLength(2);
      const lines = debug.stderr.trimEnd().split("\n");
      const at = lines.findIndex((l) => l.startsWith("error: run "));
      expect(lines[at + 1]).toBe("ObserverFault thrown at:");
      expect(lines[at + 2]).toMatch(/^ {4}at /);
      for (const l of lines.slice(at + 2)) expect(l).toMatch(/^ {4}at /);
    }
  });
});

test("a thrown string or object (custom metric, custom agent) says what was thrown and by what, in-process and in workers", async () => {
  requireBuilt();
  const cases = [
    [
      "metric",
      /custom metric failed: metrics\.custom\.peak_mid threw a string, not an Error: "no peak in this run"\n/,
    ],
    [
      "agent",
      /custom agent failed: populations\.4 \("grumpy"\) agent [01]'s act at tick 5\d threw an object, not an Error: \{"code":"GRUMPY","tick":5\d\}\n/,
    ],
  ] as const;
  const NO_STACK =
    "NotAnError: the value thrown was not an Error, so it has no stack (throw new Error(...) to see the line)\n";
  for (const [thrower, message] of cases) {
    for (const debug of ["", "1"]) {
      process.env.CASCADE_THROW = thrower;
      if (debug) process.env.CASCADE_DEBUG = debug;
      const runs = await Promise.all(
        ["0", "2"].map((w) =>
          cascade(
            [
              "run",
              fixture("bad-thrown-value.ts"),
              "--workers",
              w,
              "--out",
              `thrown-${thrower}${w}`,
              "--quiet",
            ],
            tmp,
          ),
        ),
      );
      delete process.env.CASCADE_THROW;
      delete process.env.CASCADE_DEBUG;
      for (const r of runs) {
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(
          /^error: run \d failed \(variant "default", point 0, replication \d, seed \d+\): /,
        );
        expect(r.stderr).toMatch(message);
        // No frames of Cascade's own code: they are not where the value was thrown.
        expect(r.stderr).not.toMatch(/^\s+at /m);
        if (debug) expect(r.stderr.endsWith(NO_STACK), r.stderr).toBe(true);
        else
          expect(r.stderr).toContain("(a value other than an Error has no stack: throw new Error(...) there");
      }
    }
  }
});

test("a worker thread that dies (exit, out of memory) fails the run it was running, by name, not one queued with it", async () => {
  requireBuilt();
  // One worker holds runs 0 and 1 from the start; run 0 finishes, run 1 ends the thread.
  const r = await cascade(
    ["run", fixture("bad-worker-exit.ts"), "--workers", "1", "--out", "worker-exit", "--quiet"],
    tmp,
  );
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(
    /error: run 1 failed \(variant "full", point 0, replication 1, seed \d+\): worker exited with code: 7/,
  );
  // A dead thread's error is made by the pool: its stack is not at the experiment file's lines.
  expect(r.stderr).not.toContain("CASCADE_DEBUG");
  for (const f of OUTPUT_FILES) expect(existsSync(join(tmp, "worker-exit", f)), f).toBe(false);
});

test("a run into a folder with another configuration's results says what it replaces; a rerun of the same says nothing", async () => {
  requireBuilt();
  const dir = join(tmp, "replace");
  const run = (...extra: string[]) =>
    cascade(["run", TINY, "--workers", "0", "--out", dir, "--quiet", "--no-report", ...extra], tmp);
  const first = await run();
  expect(first.code).toBe(0);
  expect(first.stderr).not.toContain("note:");
  const same = await run();
  expect(same.stderr).not.toContain("note:");
  const other = await run("--replications", "2");
  expect(other.code).toBe(0);
  expect(other.stderr).toMatch(
    /^note: \S*replace\/ held the results of another configuration \(they differ in: replications \(3 there, 2 now\).*\); this run replaces them$/m,
  );
  expect(readFileSync(join(dir, "runs.csv"), "utf8").trimEnd().split("\n")).toHaveLength(1 + 2 * 2);
});

test("a run into a complete shard folder of another configuration says what it replaces (the shard keeps its journal)", async () => {
  requireBuilt();
  const dir = join(tmp, "replace-shard");
  const run = (...extra: string[]) =>
    cascade(["run", TINY, "--workers", "0", "--out", dir, "--quiet", "--shard", "1/2", ...extra], tmp);
  expect((await run()).code).toBe(0);
  expect(existsSync(join(dir, "journal.jsonl"))).toBe(true);
  expect((await run()).stderr).not.toContain("note:");
  const other = await run("--replications", "2");
  expect(other.code, other.stderr).toBe(0);
  expect(other.stderr).toMatch(
    /^note: \S*replace-shard\/ held the results of another configuration \(they differ in: replications \(3 there, 2 now\).*\); this run replaces them$/m,
  );
});

test("an --out where folders cannot be made (/proc/sys/x) fails at once, naming --out, the path and why", async () => {
  requireBuilt();
  // Linux only. Node 20's recursive mkdir looped for ever there (mkdir says ENOENT, its parent exists).
  if (!existsSync("/proc/sys")) return;
  for (const out of ["/proc/sys/cascade-out", "/proc/sys/cascade-out/deeper"]) {
    const { child, done } = start(["run", TINY, "--workers", "0", "--out", out, "--quiet"], tmp);
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const r = await done;
    clearTimeout(timer);
    expect(r.signal, "hung: killed after 20 s").toBe(null);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `error: cannot write results: --out = ${JSON.stringify(out)}; allowed: a folder this process can create and write to (/proc/sys is not writable (EACCES))`,
    );
  }
});

test("metrics.builtIn: [] runs end to end: custom metrics only (their closing table), or no metric at all", async () => {
  requireBuilt();
  const file = (name: string, metrics: string) => {
    const path = join(tmp, `${name}.ts`);
    writeFileSync(
      path,
      `import tiny from ${JSON.stringify(TINY)};\nexport default { ...tiny, name: ${JSON.stringify(name)}, replications: 2, metrics: ${metrics} };\n`,
    );
    return path;
  };
  const custom = file("custom-only", "{ builtIn: [], custom: tiny.metrics.custom }");
  const none = file("no-metrics", "{ builtIn: [] }");
  const run = (f: string) =>
    cascade(["run", f, "--workers", "0", "--out", join(tmp, `m-${f.slice(-10)}`), "--quiet"], tmp);
  const [c, n] = [await run(custom), await run(none)];
  expect([c.code, n.code], c.stderr + n.stderr).toEqual([0, 0]);
  const read = (f: string, name: string) =>
    readFileSync(join(tmp, `m-${f.slice(-10)}`, name), "utf8")
      .trimEnd()
      .split("\n");
  // custom metrics only: the only metric column, summarized and compared, and the closing table
  // (the default headline names built-in metrics, none of them here) shows it
  expect(header(read(custom, "runs.csv").join("\n"))).toEqual([
    "variant",
    "point",
    "replication",
    "seed",
    "final_mid_AAA",
  ]);
  expect(
    read(custom, "summary.csv")
      .slice(1)
      .map((l) => l.split(",").slice(0, 3)),
  ).toEqual([
    ["full", "0", "final_mid_AAA"],
    ["partial", "0", "final_mid_AAA"],
  ]);
  expect(
    read(custom, "comparison.csv")
      .slice(1)
      .map((l) => l.split(",").slice(0, 5)),
  ).toEqual([["partial", "full", "0", "0", "final_mid_AAA"]]);
  expect(c.stdout).toMatch(/^variant +metric +mean +95% CI +diff vs baseline/m);
  expect(c.stdout).toMatch(/^full +final_mid_AAA +\S+ +\[.*\] +\(baseline\)$/m);
  expect(c.stdout).toMatch(/^partial +final_mid_AAA +\S+ +\[.*\] +\S+ +\[.*\] +\S+/m);
  // no metric at all: runs, time series and liquidations; summary and comparison hold their header only
  expect(header(read(none, "runs.csv").join("\n"))).toEqual(["variant", "point", "replication", "seed"]);
  expect(read(none, "runs.csv")).toHaveLength(1 + 2 * 2);
  expect(read(none, "summary.csv")).toHaveLength(1);
  expect(read(none, "comparison.csv")).toHaveLength(1);
  expect(read(none, "timeseries.csv").length).toBeGreaterThan(1);
  expect(n.stdout).not.toMatch(/^variant +metric/m);
  expect(existsSync(join(tmp, `m-${none.slice(-10)}`, "report.html"))).toBe(true);
  // a headline is refused when metrics.builtIn leaves out what it names, or there is no metric
  const bad = await Promise.all([
    cascade(
      ["validate", file("h1", '{ builtIn: [], custom: tiny.metrics.custom, headline: ["bad_debt"] }')],
      tmp,
    ),
    cascade(["validate", file("h2", '{ builtIn: [], headline: ["bad_debt"] }')], tmp),
  ]);
  expect(bad[0].stderr).toBe(
    'error: invalid experiment: metrics.headline.0 = "bad_debt"; allowed: metric columns of this experiment: final_mid_AAA (bad_debt is a built-in metric that metrics.builtIn leaves out)\n',
  );
  expect(bad[1].stderr).toBe(
    'error: invalid experiment: metrics.headline = ["bad_debt"]; allowed: none (this experiment has no metric columns: metrics.builtIn is [] and there are no custom metrics; leave metrics.headline out)\n',
  );
  for (const r of bad) expect(r.code).toBe(2);
});
