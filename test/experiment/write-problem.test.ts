import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { writeProblem } from "../../packages/experiment/src/output-dir.js";

const tmp = mkdtempSync(join(tmpdir(), "cascade-write-problem-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test("an OS error under a writable folder is named once: its code is not repeated before Node's message", () => {
  // mkdir under /proc as root: the parent passes access(W_OK), so the reason is mkdir's own error,
  // whose message starts with its code; it read "ENOENT: ENOENT: no such file or directory, ...".
  const dir = join(tmp, "x");
  const err = Object.assign(new Error(`ENOENT: no such file or directory, mkdir '${dir}'`), {
    code: "ENOENT",
  });
  expect(writeProblem(dir, err)).toBe(`ENOENT: no such file or directory, mkdir '${dir}'`);
  // a message that does not start with the code keeps it in front
  const bare = Object.assign(new Error("the disk said no"), { code: "EIO" });
  expect(writeProblem(dir, bare)).toBe("EIO: the disk said no");
  expect(writeProblem(dir)).toBe("unknown reason");
});
