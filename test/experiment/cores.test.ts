import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cgroupCpuQuota, usableCores } from "../../packages/experiment/src/cores.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cascade-cgroup-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function put(path: string, text: string): void {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, `${text}\n`);
}

describe("cgroupCpuQuota", () => {
  it("reads a cgroup v2 cpu.max as cores", () => {
    put("cpu.max", "250000 100000");
    expect(cgroupCpuQuota({ procSelfCgroup: "0::/\n", root })).toBe(2.5);
  });

  it("treats 'max' as no quota", () => {
    put("cpu.max", "max 100000");
    expect(cgroupCpuQuota({ procSelfCgroup: "0::/\n", root })).toBeUndefined();
  });

  it("takes the tightest quota over the cgroup and its ancestors (v2)", () => {
    put("kubepods/cpu.max", "300000 100000");
    put("kubepods/pod1/cpu.max", "max 100000");
    put("kubepods/pod1/ctr/cpu.max", "800000 100000");
    expect(cgroupCpuQuota({ procSelfCgroup: "0::/kubepods/pod1/ctr\n", root })).toBe(3);
  });

  it("falls back to the mount's own files when the listed path is not visible (no cgroup namespace)", () => {
    put("cpu.max", "150000 100000");
    expect(cgroupCpuQuota({ procSelfCgroup: "0::/docker/abc123\n", root })).toBe(1.5);
  });

  it("reads cgroup v1 cfs quota and period, -1 meaning none", () => {
    put("cpu,cpuacct/cpu.cfs_quota_us", "400000");
    put("cpu,cpuacct/cpu.cfs_period_us", "100000");
    const v1 = "12:memory:/x\n3:cpu,cpuacct:/\n1:name=systemd:/\n0::/\n";
    expect(cgroupCpuQuota({ procSelfCgroup: v1, root })).toBe(4);
    put("cpu,cpuacct/cpu.cfs_quota_us", "-1");
    expect(cgroupCpuQuota({ procSelfCgroup: v1, root })).toBeUndefined();
  });

  it("finds a v1 cpu controller mounted alone", () => {
    put("cpu/slurm/job7/cpu.cfs_quota_us", "200000");
    put("cpu/slurm/job7/cpu.cfs_period_us", "100000");
    expect(cgroupCpuQuota({ procSelfCgroup: "4:cpu:/slurm/job7\n", root })).toBe(2);
  });

  it("ignores unreadable or malformed files and lines", () => {
    put("cpu.max", "garbage");
    expect(cgroupCpuQuota({ procSelfCgroup: "not a cgroup line\n0::/\n", root })).toBeUndefined();
    expect(cgroupCpuQuota({ procSelfCgroup: "0::/\n", root: join(root, "missing") })).toBeUndefined();
  });

  it("does not throw on this machine", () => {
    const q = cgroupCpuQuota();
    expect(q === undefined || q > 0).toBe(true);
  });
});

describe("usableCores", () => {
  it("caps the CPUs by the quota, rounded down, at least 1", () => {
    expect(usableCores(64, 2)).toBe(2);
    expect(usableCores(64, 2.9)).toBe(2);
    expect(usableCores(64, 0.5)).toBe(1);
    expect(usableCores(4, 8)).toBe(4);
    expect(usableCores(8, undefined)).toBe(8);
  });
});
