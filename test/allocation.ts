import { Session } from "node:inspector";

/** A function as the heap profile's stacks name it: a method's own name, in a file whose path ends with `file`. */
export interface Frame {
  functionName: string;
  file: string;
}

/**
 * Bytes allocated on the JS heap while `fn` runs, garbage included, from V8's sampling heap
 * profiler at a fine interval (an estimate: each sample stands for `interval` bytes on average).
 * For tests that a hot path allocates nothing per call: run it warm, many times, and compare the
 * total with what one object per call would cost. With `within`, only the bytes allocated while a
 * call of that function is on the stack (by it, or by what it calls): the hot path's own, apart
 * from the driver's set-up between its calls.
 */
export function allocatedBytes(fn: () => void, within?: Frame, interval = 32): number {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): unknown => {
    let result: unknown;
    let error: Error | null = null;
    // The inspector answers synchronously for a session in its own thread.
    session.post(method, params, (e, r) => {
      error = e;
      result = r;
    });
    if (error) throw error;
    return result;
  };
  try {
    post("HeapProfiler.enable");
    post("HeapProfiler.startSampling", {
      samplingInterval: interval,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    fn();
    const { profile } = post("HeapProfiler.stopSampling") as { profile: { head: Node } };
    let total = 0;
    const walk = (n: Node, counted: boolean) => {
      // Skip the inspector's own work (it builds the profile it returns while still sampling).
      if (n.callFrame.url === "node:inspector") return;
      const inside =
        counted ||
        (n.callFrame.functionName === within?.functionName && n.callFrame.url.endsWith(within.file));
      if (inside) total += n.selfSize;
      for (const c of n.children) walk(c, inside);
    };
    walk(profile.head, within === undefined);
    return total;
  } finally {
    session.disconnect();
  }
}

/**
 * The least of three allocatedBytes samples of `fn` (run three times, warm): a deoptimization or a
 * late tier-up on a loaded host that lands in one sample adds the bytes of unoptimized code (an
 * order path's 12.7 bytes per requote instead of ~0, seen once in CI under load), while an
 * allocation the path itself makes shows in all three. `fn` must be repeatable.
 */
export function leastAllocatedBytes(fn: () => void, within?: Frame, interval?: number): number {
  const sample = () => allocatedBytes(fn, within, interval);
  return Math.min(sample(), sample(), sample());
}

interface Node {
  callFrame: { url: string; functionName: string };
  selfSize: number;
  children: Node[];
}
