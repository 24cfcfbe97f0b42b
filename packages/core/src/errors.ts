import { isTypedArray } from "./arrays.js";

/**
 * One error type for every rejected input in Cascade. The message always names
 * the field, the offending value and what is allowed, so a researcher can fix
 * an experiment file or an agent without reading the source.
 */
export class CascadeError extends Error {
  override readonly name: string = "CascadeError";
  constructor(
    /** Stable machine-readable code, e.g. "INVALID_PRICE", "UNKNOWN_ACCOUNT". */
    readonly code: string,
    /** Path of the offending field, e.g. "price" or "variants.partial.policy.closeFactor". */
    readonly field: string,
    /** The value that was rejected. */
    readonly value: unknown,
    /** Human description of what is allowed, e.g. "an integer number of ticks in [1, 100000]". */
    readonly allowed: string,
    /** Optional context prefix, e.g. "order rejected". */
    readonly context = "invalid input",
  ) {
    super(`${context}: ${field} = ${formatValue(value)}; allowed: ${allowed}`);
  }
}

/** Thrown for a bad experiment file or configuration (CLI exit code 2). */
export class ValidationError extends CascadeError {
  override readonly name = "ValidationError";
}

/**
 * The path of member `key` under `prefix` in an error's field: `prefix.key`, or `prefix["key"]`
 * for a key that is no identifier or index (`variants["cf 30"]`, `populations.4.params["dip size"]`),
 * so every package writes a path a reader can split the same way.
 */
export function memberPath(prefix: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$|^\d+$/.test(key)) return prefix === "" ? key : `${prefix}.${key}`;
  return prefix === "" ? JSON.stringify(key) : `${prefix}[${JSON.stringify(key)}]`;
}

/**
 * A value as error messages show it (strings quoted, |x| >= 1e15 in exponent form when shorter, a
 * typed array as its class and entries, `Int32Array [1, 2]`, other data as JSON), cut at 80 characters.
 */
export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    // 1e20 would read 100000000000000000000: from 1e15 on, the shorter of the full digits and the
    // exponent form (both exact), so round huge values read 1e+20 while one with many digits, such
    // as 2^53 = 9007199254740992 next to a bound written in full, keeps its digits. Messages only:
    // CSV cells are written by the experiment's own formatter.
    const full = String(value);
    if (Math.abs(value) < 1e15) return full;
    const exp = value.toExponential();
    return exp.length < full.length ? exp : full;
  }
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  // An async callback (simulate, a custom metric) returns one; JSON would show it as {}.
  if (typeof (value as { then?: unknown } | null)?.then === "function") return "a Promise";
  // JSON would show a typed array as an object of indices ({"0":1,"1":2}), the lots a custom amount
  // rule returned, say: its class and entries, each as a number is shown (NaN, 1e+20, 3n).
  if (isTypedArray(value))
    return cut(
      `${value.constructor.name} [${Array.from(value as ArrayLike<unknown>, formatValue).join(", ")}]`,
    );
  try {
    const s = JSON.stringify(value, entriesOfTypedArrays);
    return s === undefined ? String(value) : cut(s);
  } catch {
    return String(value);
  }
}

/** A message's value at most 80 characters long. */
const cut = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** JSON.stringify's replacer: a typed array inside a value, as the array of its entries. */
function entriesOfTypedArrays(_key: string, v: unknown): unknown {
  return isTypedArray(v) ? Array.from(v) : v;
}

/**
 * What calling `f` returns before any of its body has run, if anything: "async" (a Promise, which
 * Cascade's synchronous runs cannot wait for; what the body throws becomes a rejected Promise no run
 * sees) or "a generator" (an iterator: its body runs only when iterated, which no run does, so it
 * would do nothing, silently). For a function, a method, an arrow, or one bound from them; null
 * for a plain synchronous function or anything else. Researcher callbacks are refused for either
 * where they are checked.
 */
export function deferredBody(f: unknown): "async" | "a generator" | null {
  if (typeof f !== "function") return null;
  const kind = f.constructor?.name;
  if (kind === "AsyncFunction") return "async";
  return kind === "GeneratorFunction" || kind === "AsyncGeneratorFunction" ? "a generator" : null;
}

/** Throws a CascadeError unless `value` is a safe integer within [min, max]. */
export function requireInteger(
  field: string,
  value: unknown,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
  code = "INVALID_INTEGER",
  context?: string,
): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new CascadeError(code, field, value, `an integer in [${min}, ${max}]`, context);
  }
  return value;
}

/** Throws a CascadeError unless `value` is a finite number within [min, max]. */
export function requireFinite(
  field: string,
  value: unknown,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
  code = "INVALID_NUMBER",
  context?: string,
): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new CascadeError(code, field, value, finiteIn(min, max), context);
  }
  return value;
}

/** "a finite number in [lo, hi]", or just "a finite number" / ">= lo" / "<= hi" where a bound is infinite. */
export function finiteIn(lo: number, hi: number): string {
  if (lo === Number.NEGATIVE_INFINITY && hi === Number.POSITIVE_INFINITY) return "a finite number";
  if (hi === Number.POSITIVE_INFINITY) return `a finite number >= ${lo}`;
  if (lo === Number.NEGATIVE_INFINITY) return `a finite number <= ${hi}`;
  return `a finite number in [${lo}, ${hi}]`;
}

/**
 * A value other than an Error that researcher code threw (`throw "no data"`, `throw { code: 1 }`):
 * it has no message and no stack, so this Error says what was thrown (`value`) and by what
 * (`where`: "metrics.custom.peak", an agent). Its stack is its first line alone: frames of
 * Cascade's own code would send the reader to the wrong place.
 */
export class NotAnError extends Error {
  constructor(
    /** What threw it: "custom metric failed: metrics.custom.peak", "simulate". */
    where: string,
    readonly value: unknown,
  ) {
    super(`${where} threw ${describeThrown(value)}`, { cause: value });
    this.stack = `${this.name}: ${this.message}`;
  }
}
NotAnError.prototype.name = "NotAnError";

/**
 * What researcher code threw, named by `where` ("custom metric failed: metrics.custom.peak"): a run
 * failure shows only the message, and an experiment defines many agents and metrics. An Error's
 * message is kept after "threw:" and its stack after the new message (its frames are the
 * experiment file's lines); any other value becomes a NotAnError.
 */
export function thrownBy(where: string, e: unknown): Error {
  if (!(e instanceof Error)) return new NotAnError(where, e);
  const err = new Error(`${where} threw: ${e.message}`, { cause: e });
  if (e.stack) err.stack = `${err.message}\n${e.stack}`;
  return err;
}

/**
 * A value researcher code returned in a run, refused by Cascade's check of it (`refusal`, the
 * check's CascadeError) and named by `where` as thrownBy names what code threw: "`where` returned:
 * field = value; allowed: ...", with the refusal's code. No stack points at the code at fault (it
 * had returned): a run failure reads this class (also from a worker thread, on the stack's first
 * line) and adds no hint about the stack.
 */
export class ReturnedValueError extends CascadeError {
  override readonly name = "ReturnedValueError";
  constructor(where: string, refusal: CascadeError) {
    super(refusal.code, refusal.field, refusal.value, refusal.allowed, `${where} returned`);
  }
}

/**
 * What a custom agent's act or a custom trigger threw, as it goes on: passed as it is when it
 * already says where it comes from (a NotAnError names its thrower, a venue stream's observer; a
 * ValidationError names the field at fault), else named by `where` (thrownBy).
 */
export function rethrownBy(where: string, e: unknown): unknown {
  return e instanceof NotAnError || e instanceof ValidationError ? e : thrownBy(where, e);
}

/** An Error's message; any other thrown value as what it is and shown ("a string, not an Error: \"x\""). */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (value === null || value === undefined) return `${value}, not an Error`;
  if (typeof value === "function") return "a function, not an Error";
  const kind = Array.isArray(value)
    ? "an array"
    : typeof value === "object"
      ? "an object"
      : `a ${typeof value}`;
  return `${kind}, not an Error: ${formatValue(value)}`;
}
