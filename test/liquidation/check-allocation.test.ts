import { type PolicySpec, presets } from "@cascade/liquidation";
import { describe, expect, it } from "vitest";
import { leastAllocatedBytes } from "../allocation.js";
import { engine, maker, open, twoAssetVenue } from "./helpers.js";

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
function checkBytesPerAccount(policy: PolicySpec): number {
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
});
