/**
 * After a run failure the CLI points at CASCADE_DEBUG=1, whose stack shows the experiment file's
 * lines, only when the error came from the experiment's own code (its stack passes through it):
 * not for an error Cascade's own code made (a check of a custom simulate's records, a custom
 * metric's value, a journal missing runs, a worker thread that died).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ExperimentDefinition, runExperiment, simulateWorld } from "@cascade/experiment";
import { BUY, Venue } from "@cascade/market";
import { afterAll, expect, test } from "vitest";
import { cascade, requireBuilt } from "../e2e/helpers.js";
import { cascadeInProcess, fakeExperiment } from "./helpers.js";

const root = mkdtempSync(join(tmpdir(), "cascade-debug-hint-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HINT = "(CASCADE_DEBUG=1 prints the error's stack, at the experiment file's lines)\n";
const fixture = (name: string) => fileURLToPath(new URL(`../e2e/fixtures/${name}`, import.meta.url));

/** The RunFailure runExperiment rejects with, in-process. */
async function failure(over: Partial<ExperimentDefinition>, out: string): Promise<Error> {
  const err = await runExperiment(fakeExperiment({ replications: 1, ...over }), {
    out: join(root, out),
    workers: 0,
  })
    .then(() => null)
    .catch((e: unknown) => e as Error);
  expect(err?.name, out).toBe("RunFailure");
  return err as Error;
}
const fromExperimentCode = (e: Error) => (e as { fromExperimentCode?: unknown }).fromExperimentCode;

test("a RunFailure says whether its error came from the experiment's code: its metric's or simulate's own throw, or Cascade's code called from there, yes; Cascade's own checks, no", async () => {
  const metricThrows = await failure(
    {
      metrics: {
        custom: {
          gap: () => {
            throw new RangeError("no gap in this run");
          },
        },
      },
    },
    "metric-throws",
  );
  expect(metricThrows.message).toContain("no gap in this run");
  expect(fromExperimentCode(metricThrows)).toBe(true);
  // Thrown by the market, called from simulate: its stack passes through simulate's line.
  const misusedVenue = await failure(
    {
      simulate: (config, rng, run) => {
        const venue = new Venue({ instruments: config.market.instruments });
        const a = venue.openAccount("a", { marginExempt: true });
        venue.submit({ account: a, instrument: 0, side: BUY, quantity: -1, type: "market" });
        return simulateWorld(config, rng, run);
      },
    },
    "misused-venue",
  );
  expect(misusedVenue.message).toMatch(/quantity/);
  expect(fromExperimentCode(misusedVenue)).toBe(true);
  // Refused by Cascade's checks after the experiment's code returned.
  const metricValue = await failure(
    { metrics: { custom: { label: () => "high" as unknown as number } } },
    "value",
  );
  expect(metricValue.message).toMatch(/metrics\.custom\.label/);
  expect(fromExperimentCode(metricValue)).toBe(false);
  const shortRecords = await failure(
    { simulate: (config, rng, run) => ({ ...simulateWorld(config, rng, run), ticks: config.ticks - 1 }) },
    "records",
  );
  expect(shortRecords.message).toMatch(/records\.ticks/);
  expect(fromExperimentCode(shortRecords)).toBe(false);
});

test("cascade run: the hint follows an error the experiment's code threw, not one Cascade's check of its records threw", async () => {
  const run = (file: string) =>
    cascadeInProcess([
      "run",
      fixture(file),
      "--workers",
      "0",
      "--out",
      join(root, file),
      "--quiet",
      "--no-report",
    ]);
  const observer = await run("bad-observer.ts");
  expect(observer.code, observer.stderr).toBe(1);
  expect(observer.stderr).toMatch(
    /^error: run \d failed .*: researcher's observer failed on a fill at 1000\n/,
  );
  expect(observer.stderr.endsWith(HINT), observer.stderr).toBe(true);
  const records = await run("bad-records.ts");
  expect(records.code, records.stderr).toBe(1);
  // The whole of stderr: the error alone.
  expect(records.stderr).toMatch(
    /^error: run 0 failed \(variant "full", point 0, replication 0, seed \d+\): [^\n]*records\.ticks[^\n]*\n$/,
  );
});

test("CASCADE_DEBUG=1: the stack reaches the experiment's line under more than 10 of Cascade's frames, in-process and in workers", async () => {
  requireBuilt();
  const file = fixture("bad-deep-tier.ts");
  // the simulate's own frame: its simulateWorld call, under the tier check's 11 frames
  const line =
    readFileSync(file, "utf8")
      .split("\n")
      .findIndex((l) => l.includes("return simulateWorld(")) + 1;
  const run = (workers: string) =>
    cascade(["run", file, "--workers", workers, "--out", join(root, `deep${workers}`), "--quiet"], root);
  const plain = await Promise.all(["0", "2"].map(run));
  process.env.CASCADE_DEBUG = "1";
  let debug: Awaited<ReturnType<typeof run>>[];
  try {
    debug = await Promise.all(["0", "2"].map(run));
  } finally {
    delete process.env.CASCADE_DEBUG;
  }
  for (const r of [...plain, ...debug]) {
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("instruments.0.margin.tiers.0.maintenance = 0; allowed: a rate in (0, 1]");
  }
  for (const r of debug) expect(r.stderr).toContain(`bad-deep-tier.ts:${line}:`);
  // Without it, V8's 10 frames stop short of the experiment's (normal runs keep the short stacks:
  // every Error costs its frames): no line, but the hint says the stack was cut and how to see more.
  for (const r of plain) {
    expect(r.stderr).not.toMatch(/bad-deep-tier\.ts/);
    expect(r.stderr).toContain(
      "(the error's stack was cut at 10 frames, all Cascade's: CASCADE_DEBUG=1 prints it with up to 100, down to the experiment file's lines if it passed through them)",
    );
  }
});
