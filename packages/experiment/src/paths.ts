/** Small helpers over plain-data configs: clone, merge, dotted paths, canonical JSON. */

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Deep copy of plain objects and arrays; functions and other values are kept by reference. */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => clone(x)) as T;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = clone(v[k]);
    return out as T;
  }
  return v;
}

/** Merges `over` into a copy of `base`: plain objects key by key, everything else (arrays too) replaced. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (over === undefined) return clone(base);
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = clone(base) as Record<string, unknown>;
    for (const k of Object.keys(over)) out[k] = deepMerge(out[k], over[k]);
    return out as T;
  }
  return clone(over) as T;
}

export function splitPath(path: string): string[] {
  return path.split(".");
}

/**
 * The config paths a sweep parameter sets: the key itself, or each path of a linked key, several
 * paths separated by commas ("liquidation.loss.insuranceFund, liquidation.backstop.capital"), which
 * all take the parameter's value at each point.
 */
export function sweepPaths(param: string): string[] {
  return param.split(",").map((p) => p.trim());
}

/** A sweep key as validation requires it to be written: its paths joined by ", ", no other spaces. */
export function normalSweepKey(param: string): string {
  return sweepPaths(param).join(", ");
}

/** True when every segment of `path` names an existing key / array index. */
export function hasPath(root: unknown, path: string): boolean {
  let cur: unknown = root;
  for (const seg of splitPath(path)) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(seg) || Number(seg) >= cur.length) return false;
      cur = cur[Number(seg)];
    } else if (isPlainObject(cur)) {
      if (!Object.hasOwn(cur, seg) || cur[seg] === undefined) return false;
      cur = cur[seg];
    } else {
      return false;
    }
  }
  return true;
}

export function getPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const seg of splitPath(path)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isPlainObject(cur)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

/** Sets an existing leaf (the caller checked hasPath); parents are expected to be private copies. */
export function setPath(root: unknown, path: string, value: unknown): void {
  const segs = splitPath(path);
  let cur = root as Record<string, unknown>;
  for (let i = 0; i < segs.length - 1; i++) cur = cur[segs[i]] as Record<string, unknown>;
  cur[segs[segs.length - 1]] = clone(value);
}

/** JSON-safe copy: functions become "[function name]", non-finite numbers become strings. */
export function toJsonValue(v: unknown): unknown {
  if (typeof v === "function") return `[function ${v.name || "anonymous"}]`;
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (typeof v === "bigint") return `${v}n`;
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = toJsonValue(x);
    }
    return out;
  }
  return v;
}
