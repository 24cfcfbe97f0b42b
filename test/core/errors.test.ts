import { deferredBody } from "@cascade/core";
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
