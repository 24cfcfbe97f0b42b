/**
 * `exempt` accounts (the world's shock sellers) are never checked nor liquidated, whatever the
 * trigger says: no margin call, no freeze, no record, not even from a custom trigger that reads
 * positions. Before, nothing could exempt them: a custom trigger that found a shock seller froze it
 * and its next child order stopped the run. An id that is not the venue's account is refused by name.
 * X at 100, oracle marks, 5% maintenance; A and B each long 100 X on 1,000 of margin, A exempt.
 */
import { Rng, RunLoop } from "@cascade/core";
import { LiquidationEngine, type PolicySpec, presets } from "@cascade/liquidation";
import { describe, expect, it } from "vitest";
import { conserved, maker, open, setMarks, twoAssetVenue } from "./helpers.js";

function twoAccounts(policy: PolicySpec) {
  const v = twoAssetVenue();
  const mk = maker(v);
  const A = v.openAccount("A");
  const B = v.openAccount("B");
  for (const a of [A, B]) {
    v.deposit(a, 1000);
    open(v, a, mk, 0, 100, 100);
  }
  const tested: number[] = [];
  const spy: PolicySpec =
    policy.trigger.kind === "custom"
      ? {
          ...policy,
          trigger: {
            kind: "custom",
            test: (venue, a) => {
              tested.push(a);
              return venue.position(a, 0) > 50;
            },
          },
        }
      : policy;
  const e = new LiquidationEngine({
    venue: v,
    loop: new RunLoop({ rng: Rng.fromSeed(1) }),
    policy: spy,
    rng: Rng.fromSeed(2),
    exempt: [A],
  });
  const called: number[] = [];
  e.marginCalls$.subscribe((c) => called.push(c.account));
  return { v, A, B, e, tested, called };
}

describe("exempt accounts", () => {
  for (const [name, policy] of [
    ["maintenance trigger (backstopVault)", presets.backstopVault()],
    [
      "custom trigger reading positions (dutchAuction, frozen)",
      presets.dutchAuction({ trigger: { kind: "custom", test: () => true } }),
    ],
  ] as const) {
    it(`${name}: B is liquidated, A below the same trigger is left alone`, () => {
      const { v, A, B, e, tested, called } = twoAccounts(policy);
      // at 94: equity 400 < maintenance 470 for both
      setMarks(v, [94, 50]);
      v.advance(1);
      e.check(1);
      expect(called).toEqual([B]);
      // B's 100 lots to the vault, or under its auction
      expect(v.position(B, 0) === 0 || v.reserved(B, 0) === 100).toBe(true);
      expect(e.records.filter((r) => r.account === A)).toEqual([]);
      expect(v.position(A, 0)).toBe(100);
      expect(v.isFrozen(A)).toBe(false);
      expect(v.openAuctions().filter((x) => x.seller === A)).toEqual([]);
      expect(tested).not.toContain(A);
      expect(conserved(v)).toBe(true);
    });
  }

  it("refuses an id that is not an account of the venue, naming it by a dotted path (exempt.1)", () => {
    const v = twoAssetVenue();
    v.openAccount("A");
    const make = (exempt: unknown) =>
      new LiquidationEngine({
        venue: v,
        loop: new RunLoop({ rng: Rng.fromSeed(1) }),
        policy: presets.fullClose(),
        rng: Rng.fromSeed(2),
        exempt: exempt as number[],
      });
    expect(() => make([0, 7])).toThrow(
      /exempt\.1 = 7; allowed: an account id of the venue, an integer in \[0, 1\]/,
    );
    expect(() => make([0.5])).toThrow(/exempt\.0 = 0.5/);
    expect(() => make([0.5])).toThrow(expect.objectContaining({ field: "exempt.0" }));
    expect(() => make(3)).toThrow(/exempt = 3; allowed: undefined or an array of account ids/);
  });
});
