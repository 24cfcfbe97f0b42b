/** null is not "not given": a null config field is refused naming the field, like mark: null. */
import { CascadeError } from "@cascade/core";
import { Venue, type VenueConfig } from "@cascade/market";
import { describe, expect, it } from "vitest";

function refusal(config: unknown): { code: string; field: string; value: unknown } | undefined {
  try {
    new Venue(config as VenueConfig);
  } catch (e) {
    if (e instanceof CascadeError) return { code: e.code, field: e.field, value: e.value };
    throw e;
  }
  return undefined;
}

describe("null config fields", () => {
  it("fees: null is refused (not read as zero fees)", () => {
    expect(refusal({ instruments: [{ symbol: "X", initialPrice: 100 }], fees: null })).toEqual({
      code: "INVALID_CONFIG",
      field: "fees",
      value: null,
    });
  });

  it.each([
    ["tickSize", "INVALID_CONFIG"],
    ["lotSize", "INVALID_CONFIG"],
    ["contractValue", "INVALID_CONFIG"],
    ["minPrice", "INVALID_PRICE"],
    ["maxPrice", "INVALID_PRICE"],
    ["margin", "INVALID_CONFIG"],
  ])("instruments.0.%s: null is refused with %s (not read as the default)", (f, code) => {
    expect(refusal({ instruments: [{ symbol: "X", initialPrice: 100, [f]: null }] })).toEqual({
      code,
      field: `instruments.0.${f}`,
      value: null,
    });
  });

  it("mark.emaAlpha: null is refused (not read as 0.1)", () => {
    expect(
      refusal({ instruments: [{ symbol: "X", initialPrice: 100 }], mark: { kind: "ema", emaAlpha: null } }),
    ).toEqual({ code: "INVALID_CONFIG", field: "mark.emaAlpha", value: null });
  });

  it.each(["mid", "last", "oracle"])(
    "mark.emaAlpha under kind %s is refused (it was accepted and ignored)",
    (kind) => {
      expect(
        refusal({ instruments: [{ symbol: "X", initialPrice: 100 }], mark: { kind, emaAlpha: 0.3 } }),
      ).toEqual({ code: "INVALID_CONFIG", field: "mark.emaAlpha", value: 0.3 });
      expect(
        () =>
          new Venue({
            instruments: [{ symbol: "X", initialPrice: 100 }],
            mark: { kind, emaAlpha: 0.3 },
          } as VenueConfig),
      ).toThrow(
        `mark.emaAlpha = 0.3; allowed: undefined with kind "${kind}" (emaAlpha is read by kind "ema" alone)`,
      );
    },
  );

  it("undefined still means the default", () => {
    const v = new Venue({
      instruments: [{ symbol: "X", initialPrice: 100, contractValue: undefined, margin: undefined }],
      fees: undefined,
    });
    expect(v.instruments[0].contractValue).toBe(1);
    expect(v.instruments[0].maxPrice).toBe(400);
    expect(v.fees).toEqual({ makerBps: 0, takerBps: 0 });
  });
});
