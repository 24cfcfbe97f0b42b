/**
 * A custom trigger that reads positions (here: liquidate any short of more than 50 lots) also
 * found the account of a marketSell shock, short after its first child orders. The engine froze it
 * under whileLiquidating "frozen" (a Dutch auction: frozen until it ends), the next child order was
 * refused (ACCOUNT_IN_LIQUIDATION) and the run stopped; under "free" the engine bought the shock's
 * lots back, undoing the scenario. A
 * shock's seller is exogenous flow, not a trader on margin: the world hands its accounts to the
 * engine as exempt, never checked nor liquidated (the fuzz of random worlds found it).
 */
import { marketMakers } from "@cascade/agents";
import { Rng } from "@cascade/core";
import { makePlan, runInfo, simulateWorld, validateExperiment } from "@cascade/experiment";
import { presets } from "@cascade/liquidation";
import { Venue } from "@cascade/market";
import { afterEach, describe, expect, it } from "vitest";
import tiny from "../e2e/fixtures/tiny.js";

const bigShorts = { kind: "custom" as const, test: (venue: Venue, a: number) => venue.position(a, 0) < -50 };

const world = (whileLiquidating: "frozen" | "free") => ({
  ...tiny,
  replications: 1,
  ticks: 100,
  // deep quotes, requoted every tick: each child of 100 lots fills in full
  populations: [
    marketMakers({ count: 2, capital: 1e10, levelSize: 100, levelSpacing: 1, activation: { every: 1 } }),
  ],
  shocks: [{ kind: "marketSell", instrument: "AAA", atTick: 61, quantity: 400, overTicks: 4 }],
  // the frozen account stays in liquidation while its auction runs; the free one is swept back
  liquidation:
    whileLiquidating === "frozen"
      ? presets.dutchAuction({ trigger: bigShorts })
      : presets.fullClose({ trigger: bigShorts, whileLiquidating }),
  variants: undefined,
  baseline: undefined,
});

// The venue simulateWorld opens: the last one an account was opened on.
let venue: Venue | undefined;
const openAccount = Venue.prototype.openAccount;
afterEach(() => {
  Venue.prototype.openAccount = openAccount;
});

function run(whileLiquidating: "frozen" | "free") {
  Venue.prototype.openAccount = function (this: Venue, ...args: Parameters<Venue["openAccount"]>) {
    venue = this;
    return openAccount.apply(this, args);
  };
  const plan = makePlan(validateExperiment(world(whileLiquidating)), { manifest: false });
  const info = runInfo(plan, 0);
  const records = simulateWorld(info.config, Rng.fromSeed(info.seed));
  const v = venue as Venue;
  let shock = -1;
  for (let a = 0; a < v.accountCount(); a++) if (v.label(a) === "shock[0]") shock = a;
  return { records, v, shock };
}

describe("a marketSell over several ticks under a custom trigger that finds its seller", () => {
  for (const mode of ["frozen", "free"] as const) {
    it(`${mode}: runs to the end, the seller sells all 400 lots and is never liquidated`, () => {
      const { records, v, shock } = run(mode);
      expect(shock).toBeGreaterThanOrEqual(0);
      expect(v.position(shock, 0)).toBe(-400);
      expect(v.isFrozen(shock)).toBe(false);
      expect(records.liquidations.filter((l) => l.account === "shock[0]")).toEqual([]);
      expect(records.shocks?.[0]).toMatchObject({ kind: "marketSell", quantity: 400, overTicks: 4 });
    });
  }
});
