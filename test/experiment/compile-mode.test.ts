import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import { describe, expect, test } from "vitest";
import { enterPoolCompileMode, inPlaceCompilePools } from "../../packages/experiment/src/compile-mode.js";

// Lets a new isolate ask V8 whether it compiles in the background (natives syntax is parsed per
// isolate, so only the workers below use it).
setFlagsFromString("--allow-natives-syntax");

/** Whether a worker started now compiles optimized code on V8's background threads. */
function workerCompilesInBackground(): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const w = new Worker(
      `require("node:worker_threads").parentPort.postMessage(new Function("return %IsConcurrentRecompilationSupported()")());`,
      { eval: true },
    );
    w.once("message", (v: boolean) => {
      void w.terminate();
      resolve(v);
    });
    w.once("error", reject);
  });
}

describe("pool compile mode", () => {
  test("a pool with a worker per core compiles in place; the flag comes back when it closes", async () => {
    expect(await workerCompilesInBackground()).toBe(true);
    const leave = enterPoolCompileMode(2, 2, []);
    expect(inPlaceCompilePools()).toBe(1);
    expect(await workerCompilesInBackground()).toBe(false);
    leave();
    leave(); // idempotent
    expect(inPlaceCompilePools()).toBe(0);
    expect(await workerCompilesInBackground()).toBe(true);
  });

  test("fewer workers than cores leave V8 compiling in the background", async () => {
    const leave = enterPoolCompileMode(1, 2, []);
    expect(inPlaceCompilePools()).toBe(0);
    expect(await workerCompilesInBackground()).toBe(true);
    leave();
  });

  test("overlapping pools: the flag stays off until the last one closes", async () => {
    const a = enterPoolCompileMode(4, 4, []);
    const b = enterPoolCompileMode(8, 4, []);
    expect(inPlaceCompilePools()).toBe(2);
    a();
    expect(await workerCompilesInBackground()).toBe(false);
    b();
    expect(inPlaceCompilePools()).toBe(0);
    expect(await workerCompilesInBackground()).toBe(true);
  });

  test("a process started with either form of the flag is left as it is", async () => {
    for (const flag of [
      "--concurrent-recompilation",
      "--no-concurrent-recompilation",
      "--no-concurrent_recompilation",
      "--noconcurrent-recompilation",
      "--no_concurrent_recompilation",
    ]) {
      const leave = enterPoolCompileMode(2, 2, ["--foo", flag]);
      expect(inPlaceCompilePools()).toBe(0);
      expect(await workerCompilesInBackground()).toBe(true);
      leave();
    }
  });
});
