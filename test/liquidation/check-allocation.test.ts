import { type PolicySpec, presets } from "@cascade/liquidation";
import { describe, expect, it } from "vitest";
import { leastAllocatedBytes } from "../allocation.js";
import { deepMaker, engine, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

/** The engine's check, as the heap profile names its frame. */
const CHECK = { functionName: "check", file: "/liquidation/src/engine.ts" };

/**
 * Heap bytes per account evaluated by a warm check, for 50 healthy traders long and short in two
 * instruments: each round moves cash in and out of every trader (a transfer marks it dirty), so each
 * check evaluates them all and pushes their bounds again. Only bytes allocated inside the check
 * count. The transfers' own bytes were once measured apart and subtracted, but their events are
 * optimized away only while RxJS's one call site for every subscriber in the process has seen a
 * single target: a second one anywhere (the second case's engine here, and in every real run the
 * experiment's and the agents' fills$ observers) makes each event a 96-byte object (~190 bytes per
 * account a round), and the difference of two windows of that size moved with any shift between
 * them. (Reusing one event object would save them; measured, 0.6% of a study run's allocation and
 * no time, so events stay fresh objects a subscriber may keep.) The least of three samples: the
 * check allocates ~1,000 bytes per account in code below TurboFan's (measured with --max-opt=2),
 * so a deoptimization or a late tier-up on a loaded host that lands in a sample adds ~10 bytes per
 * account per 1% of its rounds (352 and 173, then 0.02, seen once); an allocation the check itself
 * makes shows in all three.
 */
function checkBytesPerAccount(policy: PolicySpec, marks?: number[]): number {
  const venue = twoAssetVenue();
  const m = maker(venue);
  const traders: number[] = [];
  for (let k = 0; k < 50; k++) {
    const a = venue.openAccount(`t${k}`);
    venue.deposit(a, 100_000);
    open(venue, a, m, 0, k % 2 === 0 ? 10 : -10, 100);
    open(venue, a, m, 1, k % 3 === 0 ? -20 : 20, 50);
    traders.push(a);
  }
  if (marks !== undefined) setMarks(venue, marks);
  const { engine: e } = engine(venue, policy);
  const touch = () => {
    for (let k = 0; k < traders.length; k++) {
      venue.transferCash(m, traders[k], 1, "test");
      venue.transferCash(traders[k], m, 1, "test");
    }
  };
  let tick = 0;
  const rounds = 2000;
  const cycle = () => {
    for (let k = 0; k < rounds; k++) {
      touch();
      e.check(++tick);
    }
  };
  for (let w = 0; w < 3; w++) cycle(); // warm: optimized code
  // the traders and the maker (their counterparty, also holding positions)
  const evaluated = traders.length + 1;
  expect(e.lastChecked).toBe(evaluated);
  // Sampled every 256 bytes, not 32: the transfers' events would make ~600,000 samples a window in
  // the second case (5 s each on a loaded host, near the test's time limit over three windows),
  // while an object per evaluated account is still ~6,400.
  const bytes = leastAllocatedBytes(cycle, CHECK, 256);
  expect(e.lastChecked).toBe(evaluated);
  expect(e.stats().liquidations).toBe(0);
  return bytes / (rounds * evaluated);
}

/**
 * Sliced full closes of 20 traders long 10 X at 100 with 150 of cash (under their 5% maintenance at
 * mark 89), five slices each into a deep book: the engine's later-slice path runs (partialPlanDone),
 * so its call is in the feedback the check's code is optimized with, as in a study run with a
 * sliced variant. Returns the lots the slices sold (all of them).
 */
function sliceTraders(): number {
  const venue = twoAssetVenue();
  deepMaker(venue);
  const m = maker(venue);
  const traders: number[] = [];
  for (let k = 0; k < 20; k++) {
    const a = venue.openAccount(`t${k}`);
    venue.deposit(a, 150);
    open(venue, a, m, 0, 10, 100);
    traders.push(a);
  }
  const { engine: e } = engine(
    venue,
    presets.fullClose({ execution: { kind: "sliced", slices: 5, maxSlippage: 0.5 } }),
  );
  setMarks(venue, [89, 50]);
  for (let t = 1; t <= 6; t++) {
    venue.advance(t);
    e.check(t);
  }
  let sold = 0;
  for (const a of traders) sold += 10 - venue.position(a, 0);
  return sold;
}

describe("the engine's check allocates nothing per account it evaluates", () => {
  it("under a maintenance trigger", () => {
    expect(checkBytesPerAccount(presets.fullClose({ maxSlippage: 1 }))).toBeLessThan(8);
  });

  it("under a health-factor trigger (the closeFactor preset's)", () => {
    // Before: the trigger test took venue.healthFactor's double, boxed on its return (18 bytes per account measured).
    // Run after the maintenance case, the check's code meets a second trigger kind: pushBounds'
    // for-of loops made an iterator each where it ran unoptimized (6.7 to 7.6 bytes measured by the
    // old subtraction, 8.5 once). The check's own bytes measure 0.01 to 0.05 in both cases; an
    // object per account (16+ bytes) fails the bound.
    expect(checkBytesPerAccount(presets.closeFactor({ maxSlippage: 1 }))).toBeLessThan(7);
  });

  it("at fractional marks, as in every real run (equity and requirement not whole numbers)", () => {
    // At marks 100 and 50 each account's equity and requirement are whole numbers, which V8 passes
    // as small integers; at these marks they are doubles, and a double passed to a call V8 does not
    // inline is boxed: pushBounds took both as arguments (too large to inline), two 16-byte boxes per
    // account (32.2 bytes measured; 0.008 since it reads them from the engine's last read).
    expect(checkBytesPerAccount(presets.fullClose({ maxSlippage: 1 }), [100.37, 50.13])).toBeLessThan(8);
  });

  it("at fractional marks, once sliced liquidations have run", () => {
    // evaluate passed the read equity and requirement to partialPlanDone (a later slice's test)
    // too: with two calls taking them in different branches, V8 boxed both doubles once, before
    // the branches, for every account evaluated (31.8 and 32.2 bytes measured here with pushBounds
    // alone fixed; 29 an account in an execution-styles run warmed on all its variants, 1.43 MB of
    // its 4.65 MB a run).
    for (let k = 0; k < 50; k++) expect(sliceTraders()).toBe(200);
    expect(checkBytesPerAccount(presets.fullClose({ maxSlippage: 1 }), [100.37, 50.13])).toBeLessThan(8);
  });
});
