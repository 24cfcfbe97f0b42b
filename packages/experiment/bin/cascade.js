#!/usr/bin/env node
// The `cascade` bin. It is a committed file, not dist/cli.js itself, so that `pnpm install` can link
// it before the packages are built (linking a missing dist file only warned, and left no bin).
let cli;
try {
  cli = await import("../dist/cli.js");
} catch (e) {
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("cli.js")) throw e;
  process.stderr.write("cascade: @cascade/experiment is not built yet: run `pnpm build` first\n");
  process.exit(1);
}
cli.runCli();
