/**
 * Bounds of the numbers a run takes from the command line or the experiment file, in a module of
 * their own so that the CLI checks its flags with the same ranges (and names them in full) before
 * it loads anything heavy.
 */

/** Worker threads of a pool (0 = in-process). */
export const MAX_WORKERS = 1024;

/** Replications per variant and sweep point. */
export const MAX_REPLICATIONS = 10_000_000;
