import { CascadeError, deferredBody, describeThrown, formatValue } from "@cascade/core";
import { describe, expect, it } from "vitest";

describe("deferredBody: a researcher callback that returns before its body has run", () => {
  it("is async for an async function, arrow, method, or one bound from them", () => {
    async function load() {}
    const agent = { async act() {} };
    expect(deferredBody(load)).toBe("async");
    expect(deferredBody(async () => 1)).toBe("async");
    expect(deferredBody(agent.act)).toBe("async");
    expect(deferredBody(agent.act.bind(agent))).toBe("async");
  });

  it("is a generator for a generator or an async generator, bound or not", () => {
    const agent = {
      *act() {
        yield;
      },
    };
    expect(deferredBody(agent.act)).toBe("a generator");
    expect(deferredBody(agent.act.bind(agent))).toBe("a generator");
    expect(
      deferredBody(async function* ticks() {
        yield;
      }),
    ).toBe("a generator");
  });

  it("is null for a synchronous function (even one returning a Promise), or no function", () => {
    expect(deferredBody(() => Promise.resolve(1))).toBeNull();
    expect(deferredBody(function act() {})).toBeNull();
    expect(deferredBody(class Agent {})).toBeNull();
    // an object that claims the name is no function
    expect(deferredBody({ constructor: { name: "AsyncFunction" } })).toBeNull();
    expect(deferredBody(null)).toBeNull();
    expect(deferredBody(undefined)).toBeNull();
  });
});

describe("formatValue: a typed array reads as its class and its entries, not as JSON's object of indices", () => {
  it("prints the entries of every kind of typed array, as numbers are printed", () => {
    expect(formatValue(Int32Array.from([1, 2]))).toBe("Int32Array [1, 2]");
    expect(formatValue(Float64Array.from([0.5, Number.NaN, Number.NEGATIVE_INFINITY, 1e20]))).toBe(
      "Float64Array [0.5, NaN, -Infinity, 1e+20]",
    );
    expect(formatValue(BigInt64Array.from([3n]))).toBe("BigInt64Array [3n]");
    expect(formatValue(new Uint8Array(0))).toBe("Uint8Array []");
  });

  it("cuts a long one at 80 characters, as a long JSON value is", () => {
    const shown = formatValue(new Int32Array(100).fill(7));
    expect(shown).toBe(`${`Int32Array [${new Array(100).fill(7).join(", ")}]`.slice(0, 77)}...`);
    expect(shown.length).toBe(80);
  });

  it("inside an object or array, as the array of its entries", () => {
    expect(formatValue({ lots: Int32Array.from([1, 2]) })).toBe('{"lots":[1,2]}');
    expect(formatValue([Float64Array.from([0.5])])).toBe("[[0.5]]");
  });

  it("in a CascadeError's message and in what was thrown", () => {
    const err = new CascadeError(
      "X",
      "amount.lots(venue, account, holdings)",
      Int32Array.from([4, 0, 1]),
      "2 lots",
    );
    expect(err.message).toBe(
      "invalid input: amount.lots(venue, account, holdings) = Int32Array [4, 0, 1]; allowed: 2 lots",
    );
    expect(describeThrown(Int32Array.from([1]))).toBe("an object, not an Error: Int32Array [1]");
  });

  it("leaves a DataView, which has no entries to print, as it was", () => {
    expect(formatValue(new DataView(new ArrayBuffer(2)))).toBe("{}");
  });
});
