import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests import the packages' TypeScript sources directly, so a failing test
// points at src/ lines; the CLI end-to-end tests run the built dist/ instead.
export default defineConfig({
  resolve: {
    alias: {
      "@cascade/core": pkg("core"),
      "@cascade/market": pkg("market"),
      "@cascade/liquidation": pkg("liquidation"),
      "@cascade/agents": pkg("agents"),
      "@cascade/experiment": pkg("experiment"),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/_scratch/**", "**/node_modules/**"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
