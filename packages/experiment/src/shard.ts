import { ValidationError } from "@cascade/core";

export interface Shard {
  /** 1-based shard index. */
  index: number;
  count: number;
}

/** The most shards a run may be split into. */
export const MAX_SHARDS = 1_000_000;

/** Parses "i/N" (1 <= i <= N); an error names `options.shard` (the CLI reads it as --shard). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !(count >= 1) || !(index >= 1 && index <= count) || count > MAX_SHARDS) {
    throw new ValidationError(
      "INVALID_OPTION",
      "options.shard",
      text,
      "i/N with integers 1 <= i <= N (e.g. 1/4)",
      "invalid run options",
    );
  }
  return { index, count };
}

/** Shard i of N holds the runs with run % N == i - 1. */
export function inShard(run: number, shard: Shard | undefined): boolean {
  return shard === undefined || run % shard.count === shard.index - 1;
}
