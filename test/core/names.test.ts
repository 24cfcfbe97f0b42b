import { nearestName, suggestName } from "@cascade/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("nearestName (did you mean)", () => {
  const options = ["fraction", "cooldownTicks", "minNotional", "backstopCapital", "insuranceFund"];

  it("finds a misspelt, miscased or shortened name, and nothing for an unrelated one", () => {
    expect(nearestName("insuranceFnd", options)).toBe("insuranceFund");
    expect(nearestName("fractoin", options)).toBe("fraction"); // adjacent swap: one edit
    expect(nearestName("MinNotional", options)).toBe("minNotional");
    expect(nearestName("cooldown", options)).toBe("cooldownTicks"); // the only name it begins
    expect(nearestName("crowd", ["crowding", "capital"])).toBe("crowding");
    expect(nearestName("factor", options)).toBeUndefined();
    expect(nearestName("fund", options)).toBeUndefined();
    // a beginning shared by two names guesses neither
    expect(nearestName("dip", ["dipBuying", "dipThreshold"])).toBeUndefined();
  });

  it("suggestName words it for a message, and says nothing for a non-string or an exact name", () => {
    expect(suggestName("replication", ["replications", "ticks"])).toBe('; did you mean "replications"?');
    expect(suggestName(3, ["replications"])).toBe("");
    expect(suggestName("ticks", ["ticks"])).toBe("");
    expect(suggestName("zzz", ["replications"])).toBe("");
  });

  it("a name in the list is its own nearest, and a name with a letter dropped is found", () => {
    const word = fc.stringMatching(/^[a-z][a-zA-Z]{2,14}$/);
    fc.assert(
      fc.property(fc.uniqueArray(word, { minLength: 1, maxLength: 8 }), fc.nat(), fc.nat(), (names, i, j) => {
        const name = names[i % names.length];
        expect(nearestName(name, names)).toBe(name);
        // one letter dropped: the nearest is at distance 1, so this name or another as near
        const pos = j % name.length;
        const typo = name.slice(0, pos) + name.slice(pos + 1);
        expect(nearestName(typo, names)).toBeDefined();
        expect(nearestName(typo, [name])).toBe(name);
      }),
    );
  });
});
