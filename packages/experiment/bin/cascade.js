#!/usr/bin/env node
// The `cascade` bin. It is a committed file, not dist/cli.js itself, so that `pnpm install` can link
// it before the packages are built (linking a missing dist file only warned, and left no bin).
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("cascade: @cascade/experiment is not built yet: run `pnpm build` first\n");
  process.exit(1);
}
(await import(cli.href)).runCli();
