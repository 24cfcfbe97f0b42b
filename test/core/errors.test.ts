import { isAsyncFunction } from "@cascade/core";
import { describe, expect, it } from "vitest";

describe("isAsyncFunction: a researcher callback whose Promise no synchronous run can wait for", () => {
  it("is true for an async function, arrow, method, or one bound from them", () => {
    async function load() {}
    const agent = { async act() {} };
    expect(isAsyncFunction(load)).toBe(true);
    expect(isAsyncFunction(async () => 1)).toBe(true);
    expect(isAsyncFunction(agent.act)).toBe(true);
    expect(isAsyncFunction(agent.act.bind(agent))).toBe(true);
  });

  it("is false for a synchronous function (even one returning a Promise), a generator, or no function", () => {
    expect(isAsyncFunction(() => Promise.resolve(1))).toBe(false);
    expect(isAsyncFunction(function act() {})).toBe(false);
    expect(isAsyncFunction(class Agent {})).toBe(false);
    expect(isAsyncFunction(function* ticks() {})).toBe(false);
    expect(isAsyncFunction(async function* ticks() {})).toBe(false);
    // an object that claims the name is no function
    expect(isAsyncFunction({ constructor: { name: "AsyncFunction" } })).toBe(false);
    expect(isAsyncFunction(null)).toBe(false);
    expect(isAsyncFunction(undefined)).toBe(false);
  });
});
