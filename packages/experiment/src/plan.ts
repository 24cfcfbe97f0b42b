/**
 * The run plan: which runs exist, their order, their seeds, the shard a run belongs to and the
 * manifest that describes them.
 *
 * Runs are numbered point-major: run = (point * V + variant) * R + replication, where V = number
 * of variants and R = replications. Every output file is sorted by this number, which is what makes
 * the files byte-identical whatever the worker count, the completion order or the sharding.
 *
 * Common random numbers: seed_r = first uint32 of Rng.fromSeed(rootSeed).split("replication").split(r)
 * depends on the root seed and r only, so replication r sees the same seed under every variant
 * and every sweep point and the differences between variants are paired.
 */

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "@cascade/core";
import { sha256, sourceForHash } from "./load.js";
import { metricColumns } from "./metrics.js";
import { toJsonValue } from "./paths.js";
import { RESULTS_FORMAT } from "./results-files.js";
import type { RunInfo } from "./types.js";
import {
  applyPoint,
  applyPointReached,
  RUN_COLUMNS,
  type ValidatedExperiment,
  valueKey,
} from "./validate.js";

export interface Plan {
  exp: ValidatedExperiment;
  variants: number;
  points: number;
  replications: number;
  total: number;
  seeds: number[];
  /** Union of instrument symbols over the variants, in order of appearance. */
  symbols: string[];
  metricColumns: string[];
  /** The comparable manifest (no time, host or shard information). */
  manifest: Record<string, unknown>;
  /** sha256 of the manifest without versions and git commit: identifies a journal. */
  fingerprint: string;
  /** The fingerprinted manifest part by part (configParts): says what changed when a resume is refused. */
  parts: Record<string, string | number>;
}

export function replicationSeed(rootSeed: number, r: number): number {
  return Rng.fromSeed(rootSeed).split("replication").split(r).nextU32();
}

export interface PlanOptions {
  /** Experiment source text (its sha256 goes into the manifest). */
  sourceText?: string;
  /** sha256 of its local imports (ExperimentSource.importsSha256), in the manifest's source.imports. */
  importsSha256?: string | null;
  /** Directory used to look up the git commit. */
  gitDir?: string;
  /** The experiment's own files (file and bundled imports): untracked or changed ones make gitDirty true. */
  inputs?: readonly string[];
  /** false: skip package versions and git commit (workers only need the fingerprint). */
  manifest?: boolean;
}

export function makePlan(exp: ValidatedExperiment, options: PlanOptions = {}): Plan {
  const V = exp.variants.length;
  const P = exp.sweep.points.length;
  const R = exp.replications;
  const seeds = Array.from({ length: R }, (_, r) => replicationSeed(exp.seed, r));
  const symbols = exp.symbols;
  const cols = metricColumns(exp.builtIn, symbols, exp.custom);
  const core: Record<string, unknown> = {
    format: RESULTS_FORMAT,
    name: exp.name,
    description: exp.description,
    rootSeed: exp.seed,
    replications: R,
    seeds,
    baseline: exp.variants[exp.baseline].name,
    config: toJsonValue(exp.base),
    variants: exp.variants.map((v) => ({
      name: v.name,
      description: v.description,
      overrides: v.overrides,
      config: toJsonValue(v.config),
    })),
    sweep: {
      parameters: exp.sweep.params,
      ...(exp.sweep.reference !== null ? { reference: exp.sweep.reference } : {}),
      points: exp.sweep.points.map((pt, i) => ({
        point: i,
        values: Object.fromEntries(exp.sweep.params.map((p, k) => [p, toJsonValue(pt[k])])),
      })),
    },
    runs: V * P * R,
    runOrder: "run = (point * variants + variant) * replications + replication",
    columns: {
      runs: [...RUN_COLUMNS, ...exp.sweep.params, ...cols],
    },
    metrics: cols,
    customMetrics: exp.custom.map(([n]) => n),
    // Only when a custom metric says what it measures: the manifests of the others are unchanged.
    ...(Object.keys(exp.metricInfo).length > 0 ? { metricInfo: exp.metricInfo } : {}),
    ...(exp.headline !== null ? { headline: exp.headline } : {}),
    simulate: exp.simulate ? "custom" : "world",
    source:
      options.sourceText === undefined
        ? functionsSource(exp.definition)
        : {
            sha256: sourceSha256(options.sourceText),
            ...(options.importsSha256 ? { imports: options.importsSha256 } : {}),
          },
  };
  const fingerprint = manifestFingerprint(core);
  const parts = configParts(core);
  const manifest =
    options.manifest === false
      ? core
      : { ...core, versions: packageVersions(), ...codeState(options.gitDir, options.inputs ?? []) };
  return {
    exp,
    variants: V,
    points: P,
    replications: R,
    total: V * P * R,
    seeds,
    symbols,
    metricColumns: cols,
    manifest,
    fingerprint,
    parts,
  };
}

/**
 * samePoint[point * V + variant]: the first sweep point at which this variant's config is the same
 * (a sweep path that does not reach the variant leaves it unchanged). With the built-in world a
 * run is a function of its config and seed, so such runs are simulated once (sameRunAs). Every
 * point is its own under a custom simulate (it receives the RunInfo). Computed on first use and
 * kept per plan: only the main thread groups runs, so worker threads never pay for it.
 */
const samePointCache = new WeakMap<Plan, Int32Array>();

function samePoints(plan: Plan): Int32Array {
  let out = samePointCache.get(plan);
  if (out === undefined) {
    out = computeSamePoints(plan.exp);
    samePointCache.set(plan, out);
  }
  return out;
}

function computeSamePoints(exp: ValidatedExperiment): Int32Array {
  const V = exp.variants.length;
  const P = exp.sweep.points.length;
  const out = new Int32Array(V * P);
  const functions = new Map<unknown, number>();
  for (let v = 0; v < V; v++) {
    const first = new Map<string, number>();
    for (let p = 0; p < P; p++) {
      let same = p;
      if (exp.simulate === undefined && P > 1) {
        const key = valueKey(
          applyPoint(exp.variants[v].config, exp.sweep.params, exp.sweep.points[p]),
          functions,
        );
        same = first.get(key) ?? p;
        if (same === p) first.set(key, p);
      }
      out[p * V + v] = same;
    }
  }
  return out;
}

/** The first run with the same config and seed as this one (itself when there is none): its results are this run's. */
export function sameRunAs(plan: Plan, run: number): number {
  const { point, variant, replication } = runCoords(plan, run);
  const p = samePoints(plan)[point * plan.variants + variant];
  return p === point ? run : (p * plan.variants + variant) * plan.replications + replication;
}

/**
 * The runs to execute, grouped: runs with the same config and seed are simulated once (the group's
 * first run) and each gets its own metrics (custom metrics see their own RunInfo). In run order.
 */
export function runGroups(plan: Plan, runs: readonly number[]): number[][] {
  const groups = new Map<number, number[]>();
  for (const run of runs) {
    const key = sameRunAs(plan, run);
    const g = groups.get(key);
    if (g) g.push(run);
    else groups.set(key, [run]);
  }
  return [...groups.values()];
}

/** Manifest keys kept as values in configParts; the others are kept as digests. */
const PLAIN_PARTS = new Set(["name", "rootSeed", "replications", "baseline", "runs", "simulate"]);
/** Manifest keys that describe the code, not the configuration (not fingerprinted). */
const CODE_STATE = new Set(["versions", "git", "gitDirty", "cascadeGit", "cascadeGitDirty"]);
/** Code-state keys kept as values when configParts includes the code state. */
const PLAIN_CODE_STATE = new Set(["git", "gitDirty", "cascadeGit", "cascadeGitDirty"]);

/** A manifest part by part (configParts): a scalar's value, or a short digest of a structure. */
export type ManifestParts = Record<string, string | number | boolean | null>;

/**
 * The fingerprint of a configuration from its manifest (as makePlan builds it, or as read back
 * from manifest.json: JSON keeps the keys' order and values): every key but the code state.
 */
export function manifestFingerprint(manifest: Record<string, unknown>): string {
  const core: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(manifest)) if (!CODE_STATE.has(k)) core[k] = v;
  return sha256(JSON.stringify(core));
}

/**
 * A manifest's fingerprinted keys, each as its value (the few scalars in PLAIN_PARTS) or a short
 * digest of its JSON: enough to name what differs between two runs (changedParts) without storing
 * the manifest in the journal. With `codeState`, the code-state keys too (versions as a digest,
 * the git commits and dirty flags as values): shards to merge must agree on those as well.
 */
export function configParts(manifest: Record<string, unknown>, codeState: true): ManifestParts;
export function configParts(manifest: Record<string, unknown>): Record<string, string | number>;
export function configParts(manifest: Record<string, unknown>, codeState = false): ManifestParts {
  const out: ManifestParts = {};
  for (const [k, v] of Object.entries(manifest)) {
    if (CODE_STATE.has(k)) {
      if (!codeState) continue;
      out[k] =
        PLAIN_CODE_STATE.has(k) && (v === null || typeof v === "string" || typeof v === "boolean")
          ? v
          : sha256(JSON.stringify(v ?? null)).slice(0, 16);
      continue;
    }
    out[k] =
      PLAIN_PARTS.has(k) && (typeof v === "number" || typeof v === "string")
        ? v
        : sha256(JSON.stringify(v ?? null)).slice(0, 16);
    // The source's own parts too (file text, local imports, an object's functions): a refusal
    // then names which of them changed.
    if (k === "source" && v !== null && typeof v === "object")
      for (const [sk, sv] of Object.entries(v)) out[`source.${sk}`] = String(sv).slice(0, 16);
  }
  return out;
}

/** What each part of the source is, as a refusal names it. */
const SOURCE_PARTS: Record<string, string> = {
  "source.sha256": "source (the experiment file's text: any edit counts)",
  "source.imports": "source (the experiment file's local imports: any edit counts)",
  "source.functions": "source (the code of the experiment object's functions: any edit counts)",
};

/** What makes another configuration of this source, for a refusal that cannot name the part. */
export function sourceEditNote(parts: ManifestParts | undefined): string {
  if (parts?.["source.functions"] !== undefined)
    return "any edit of the experiment object's functions counts";
  if (parts?.["source.sha256"] !== undefined)
    return "any edit of the experiment file or its local imports counts";
  return "any edit of the experiment file or its local imports, or of an experiment object's functions, counts";
}

/**
 * "replications (20 there, 30 now), variants" for the parts that differ; "" when none is known to.
 * `labels` name the two sides ("there", "now").
 */
export function changedParts(
  before: ManifestParts | undefined,
  now: ManifestParts,
  labels: readonly [string, string] = ["there", "now"],
): string {
  if (!before) return "";
  // With the source's parts on both sides, they say what changed in it (older journals lack them).
  const bySourceParts = [before, now].every((p) => Object.keys(p).some((k) => k in SOURCE_PARTS));
  const changed: string[] = [];
  for (const k of new Set([...Object.keys(now), ...Object.keys(before)])) {
    if (before[k] === now[k]) continue;
    if (k in SOURCE_PARTS) {
      if (bySourceParts) changed.push(SOURCE_PARTS[k]);
      continue;
    }
    if (k === "source") {
      if (!bySourceParts) changed.push(`source (${sourceEditNote(now)})`);
      continue;
    }
    changed.push(
      (PLAIN_PARTS.has(k) || PLAIN_CODE_STATE.has(k)) && before[k] !== undefined && now[k] !== undefined
        ? `${k} (${JSON.stringify(before[k])} ${labels[0]}, ${JSON.stringify(now[k])} ${labels[1]})`
        : k,
    );
  }
  return changed.join(", ");
}

export function runCoords(plan: Plan, run: number): { point: number; variant: number; replication: number } {
  return coordsOf(run, plan.replications, plan.variants);
}

/** Run index -> (sweep point, variant, replication): runs are numbered point-major, replication-minor. */
export function coordsOf(
  run: number,
  replications: number,
  variants: number,
): { point: number; variant: number; replication: number } {
  const replication = run % replications;
  const pv = (run - replication) / replications;
  const variant = pv % variants;
  return { point: (pv - variant) / variants, variant, replication };
}

export function runInfo(plan: Plan, run: number): RunInfo {
  const { point, variant, replication } = runCoords(plan, run);
  const exp = plan.exp;
  const values = exp.sweep.points[point];
  const { config, reached } = applyPointReached(exp.variants[variant].config, exp.sweep.params, values);
  // Only the parameters that reach this variant's config, as runs.csv leaves the others blank.
  const params: Record<string, unknown> = {};
  exp.sweep.params.forEach((p, k) => {
    if (reached[k]) params[p] = values[k];
  });
  return {
    run,
    variant: exp.variants[variant].name,
    point,
    replication,
    seed: plan.seeds[replication],
    params,
    config,
  };
}

/**
 * An experiment passed as an object has no file to hash: the code of its functions (custom
 * metrics, simulate, custom agents and triggers) is hashed instead, so that editing one makes it
 * another configuration (a resume refuses the old journal and results). Values a function closes
 * over are not seen. null when it holds no function.
 */
function functionsSource(definition: unknown): { functions: string } | null {
  const texts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, path: string) => {
    if (typeof v === "function") {
      texts.push(`${path}=${sourceForHash(Function.prototype.toString.call(v))}`);
      return;
    }
    if (v === null || typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], `${path}.${i}`);
    } else for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], `${path}.${k}`);
  };
  walk(definition, "");
  return texts.length > 0 ? { functions: sha256(texts.join("\n")) } : null;
}

function sourceSha256(text: string): string {
  return sha256(sourceForHash(text));
}

const PACKAGES = ["core", "market", "liquidation", "agents", "experiment"];

function packageVersions(): Record<string, unknown> {
  const here = dirname(fileURLToPath(import.meta.url)); // packages/experiment/{src,dist}
  const pkgs = join(here, "..", "..");
  const out: Record<string, unknown> = {};
  for (const p of PACKAGES) {
    const file = join(pkgs, p, "package.json");
    if (!existsSync(file)) continue;
    try {
      const j = JSON.parse(readFileSync(file, "utf8")) as { name: string; version: string };
      out[j.name] = j.version;
    } catch {
      // unreadable package.json: leave it out
    }
  }
  try {
    const j = JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    const deps: Record<string, string> = {};
    for (const [k, v] of Object.entries(j.dependencies ?? {})) if (!k.startsWith("@cascade/")) deps[k] = v;
    out.dependencies = deps;
  } catch {
    // ignore
  }
  return out;
}

/** Cascade's own folder (packages/experiment/{src,dist}): its repository holds the code that runs. */
const INSTALL_DIR = dirname(fileURLToPath(import.meta.url));

function runGit(dir: string | undefined, args: string[]): string | null {
  try {
    return execFileSync("git", ["--no-optional-locks", ...args], {
      cwd: dir ?? process.cwd(),
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).toString();
  } catch {
    return null;
  }
}

/**
 * `git` and `gitDirty` of the experiment's repository (gitState), and, when Cascade's own code is
 * in another repository (a study kept in ~/studies or in a repository of its own), `cascadeGit`
 * and `cascadeGitDirty` of that one: without them such results would name no commit of the code
 * that produced them. A study inside Cascade's repository gets neither (git already names it).
 */
function codeState(
  dir: string | undefined,
  inputs: readonly string[],
): Record<string, string | boolean | null> {
  const own = gitState(dir, inputs);
  const top = (d: string | undefined) => runGit(d, ["rev-parse", "--show-toplevel"])?.trim() || null;
  const cascadeTop = top(INSTALL_DIR);
  if (cascadeTop === null || cascadeTop === top(dir)) return own;
  const cascade = gitState(INSTALL_DIR, []);
  return { ...own, cascadeGit: cascade.git, cascadeGitDirty: cascade.gitDirty };
}

/**
 * The commit of the repository holding `dir`, and whether tracked files had uncommitted changes or
 * the experiment's own files (`inputs`) are not committed (the commit alone would not show either:
 * such results cannot be rebuilt from it). The experiment file's own edits are also in
 * source.sha256. Both null outside a git repository.
 */
function gitState(
  dir: string | undefined,
  inputs: readonly string[],
): { git: string | null; gitDirty: boolean | null } {
  const git = (args: string[]) => runGit(dir, args);
  const commit = git(["rev-parse", "HEAD"])?.trim() ?? "";
  if (!/^[0-9a-f]{40,64}$/.test(commit)) return { git: null, gitDirty: null };
  // A failed status (a timeout on a huge tree) leaves the flag unknown, not the commit.
  const status = git(["status", "--porcelain", "--untracked-files=no"]);
  if (status === null) return { git: commit, gitDirty: null };
  if (status.trim() !== "") return { git: commit, gitDirty: true };
  // The experiment's own files count even when untracked (a new study not yet added); files
  // outside the repository are simply not reported by git.
  const top = git(["rev-parse", "--show-toplevel"])?.trim();
  const mine = top ? inputs.filter((f) => f.startsWith(`${top}/`)) : [];
  if (mine.length === 0) return { git: commit, gitDirty: false };
  const own = git(["status", "--porcelain", "--untracked-files=all", "--", ...mine]);
  return { git: commit, gitDirty: own === null ? null : own.trim() !== "" };
}
