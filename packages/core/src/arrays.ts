/**
 * Returns `fresh` with `old` copied in from index `offset` (default 0): how the typed arrays of
 * books, ledgers, schedulers and engines grow (`copyInto(new Int32Array(2 * a.length), a)`) or move
 * (`copyInto(new Int32Array(n).fill(-1), a, shift)`). A module-level function on purpose: V8 holds a
 * closure's optimized code weakly, and per-call closures were recompiled after major GCs.
 */
export function copyInto<T extends Int8Array | Uint8Array | Int32Array | Float64Array>(
  fresh: T,
  old: ArrayLike<number>,
  offset = 0,
): T {
  fresh.set(old, offset);
  return fresh;
}

/**
 * Whether `value` is a typed array (an Int32Array, a Float64Array...: an ArrayBuffer view with
 * entries, not a DataView), which researcher code may return where an array of numbers is asked.
 */
export function isTypedArray(value: unknown): value is ArrayLike<number | bigint> {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}
