/**
 * How many cores this process may use: the CPUs it may run on (os.availableParallelism(), which
 * follows the affinity mask that Slurm and `taskset` set), capped by a Linux cgroup CPU quota.
 *
 * Why the quota: a Kubernetes pod with `limits.cpu: 2` on a 64-core node sees 64 CPUs, and Node 20's
 * libuv (1.46) ignores the quota. 64 busy workers would share 2 cores' worth of time, throttled by
 * the kernel in 100 ms slices, and each holds a heap. Go (automaxprocs), the JVM and .NET read the
 * same files for the same reason.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, posix } from "node:path";

/** Where the cgroup files are; tests point these at a fake tree. */
export interface CgroupFiles {
  /** Contents of /proc/self/cgroup. */
  procSelfCgroup: string;
  /** The cgroup filesystem mount, normally /sys/fs/cgroup. */
  root: string;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** The directory itself, then each parent up to the mount (a parent's quota also binds). */
function selfAndAncestors(mount: string, cgroupPath: string): string[] {
  const dirs: string[] = [];
  let p = posix.normalize(`/${cgroupPath}`);
  for (;;) {
    dirs.push(join(mount, p));
    if (p === "/") return dirs;
    p = posix.dirname(p);
  }
}

/** A cgroup v2 `cpu.max` ("200000 100000", or "max 100000" for none) as cores, or undefined. */
function v2Quota(text: string | undefined): number | undefined {
  const m = text?.match(/^(\d+)\s+(\d+)$/);
  if (!m) return undefined;
  const quota = Number(m[1]);
  const period = Number(m[2]);
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/** cgroup v1's cpu.cfs_quota_us (-1 for none) over cpu.cfs_period_us, as cores, or undefined. */
function v1Quota(dir: string): number | undefined {
  const quota = Number(read(join(dir, "cpu.cfs_quota_us")));
  const period = Number(read(join(dir, "cpu.cfs_period_us")));
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/**
 * The tightest CPU quota, in cores (may be fractional), over this process's cgroup and its
 * ancestors, for cgroup v2 and v1; undefined when none is set or the files cannot be read (not
 * Linux, no cgroup filesystem). Inside a container the listed path is usually "/" (a cgroup
 * namespace), whose files at the mount are the container's own.
 */
export function cgroupCpuQuota(files?: CgroupFiles): number | undefined {
  const procSelfCgroup = files ? files.procSelfCgroup : read("/proc/self/cgroup");
  if (procSelfCgroup === undefined) return undefined;
  const root = files?.root ?? "/sys/fs/cgroup";
  let best: number | undefined;
  const take = (q: number | undefined) => {
    if (q !== undefined && (best === undefined || q < best)) best = q;
  };
  for (const line of procSelfCgroup.split("\n")) {
    // "hierarchy-id:controllers:path"; the path may itself contain ':'.
    const m = line.match(/^(\d+):([^:]*):(.*)$/);
    if (!m) continue;
    const [, id, controllers, path] = m;
    if (id === "0" && controllers === "") {
      for (const dir of selfAndAncestors(root, path)) take(v2Quota(read(join(dir, "cpu.max"))));
    } else if (controllers.split(",").includes("cpu")) {
      // v1 mounts the cpu controller as cpu,cpuacct (with cpu and cpuacct as links) or as cpu alone.
      const mounts = new Set([join(root, controllers), join(root, "cpu,cpuacct"), join(root, "cpu")]);
      for (const mount of mounts) {
        for (const dir of selfAndAncestors(mount, path)) take(v1Quota(dir));
      }
    }
  }
  return best;
}

/**
 * Cores this process may keep busy: availableParallelism() capped by the cgroup CPU quota, rounded
 * down (workers beyond the quota are throttled, not run), at least 1.
 */
export function usableCores(cpus = availableParallelism(), quota = cgroupCpuQuota()): number {
  const capped = quota === undefined ? cpus : Math.min(cpus, Math.floor(quota));
  return Math.max(1, capped);
}

let cached: number | undefined;

/**
 * `usableCores()` of this process, computed on the first call and kept: the CLI's help, the default
 * worker count and the pool's compile mode read the same value without re-reading the affinity and
 * the cgroup files.
 */
export function processCores(): number {
  cached ??= usableCores();
  return cached;
}
