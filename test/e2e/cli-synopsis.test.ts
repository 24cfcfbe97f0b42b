import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { cascade, REPO, requireBuilt } from "./helpers.js";

const COMMANDS = ["run", "merge", "report", "validate", "list"];

/** The options each command's line of a README's CLI block shows (`--flag` tokens, by command). */
function synopsis(readme: string, heading: string): Map<string, string[]> {
  const text = readFileSync(join(REPO, readme), "utf8");
  const at = text.indexOf(`\n${heading}\n`);
  expect(at, `${readme} has no "${heading}" section`).toBeGreaterThan(0);
  const block = text.slice(
    text.indexOf("```\n", at) + 4,
    text.indexOf("\n```", text.indexOf("```\n", at) + 4),
  );
  const out = new Map<string, string[]>();
  let current = "";
  for (const line of block.split("\n")) {
    // a continuation line is indented; `cascade <command> --help` belongs to no command
    if (line.startsWith("cascade ")) current = /^cascade (\w+)/.exec(line)?.[1] ?? "";
    if (!COMMANDS.includes(current)) continue;
    // the command's own part of the line (the package README adds a description after 3 spaces)
    const own = line.split(/\s{3,}(?=[a-z])/)[0];
    out.set(current, [...(out.get(current) ?? []), ...(own.match(/--[a-z-]+/g) ?? [])]);
  }
  return out;
}

test("the CLI blocks of README.md and packages/experiment/README.md list each command's options as its --help does", async () => {
  requireBuilt();
  // README.md showed validate without --smoke, the package README merge without --quiet.
  const helps = await Promise.all(COMMANDS.map((c) => cascade([c, "--help"], REPO)));
  for (const [readme, heading] of [
    ["README.md", "## The CLI"],
    ["packages/experiment/README.md", "## CLI"],
  ]) {
    const shown = synopsis(readme, heading);
    COMMANDS.forEach((c, i) => {
      const help = helps[i].stdout;
      // the usage line and the option lines ("  --flag ...") of the command's help
      const options = [
        ...new Set([
          ...(help.split("\n")[0].match(/--[a-z-]+/g) ?? []),
          ...Array.from(help.matchAll(/^ {2}(--[a-z-]+)/gm), (m) => m[1]),
        ]),
      ];
      expect([...new Set(shown.get(c) ?? [])].sort(), `${readme}: cascade ${c}`).toEqual(options.sort());
    });
  }
});

test("cascade --help names the exit codes README.md's CLI section names", async () => {
  requireBuilt();
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const at = readme.indexOf("\nExit codes: ");
  expect(at).toBeGreaterThan(0);
  const paragraph = readme.slice(at, readme.indexOf("\n\n", at)).replaceAll("CASCADE_DEBUG=1", "");
  const codes = (text: string) => [...new Set(text.match(/\b\d+\b/g))].sort();
  const help = await cascade(["--help"], REPO);
  const line = help.stdout.split("\n").find((l) => l.startsWith("exit codes:")) ?? "";
  // the top-level help named 0, 2 and 1 but not 130 / 143 (interrupted: Ctrl-C / SIGTERM)
  expect(codes(line)).toEqual(codes(paragraph));
});

test("every --flag the READMEs and notebooks name is an option of some command's --help (or another tool's)", async () => {
  requireBuilt();
  // Slurm's, pnpm's and V8's flags, named where the docs show those tools' command lines
  const others = ["--array", "--cpus-per-task", "--frozen-lockfile", "--no-concurrent-recompilation"];
  const helps = await Promise.all(COMMANDS.map((c) => cascade([c, "--help"], REPO)));
  const accepted = new Set(["--help", ...helps.flatMap((h) => h.stdout.match(/--[a-z][a-z-]*/g) ?? [])]);
  const docs = [
    "README.md",
    "experiments/README.md",
    ...readdirSync(join(REPO, "packages")).map((p) => `packages/${p}/README.md`),
    ...readdirSync(join(REPO, "notebooks"))
      .filter((f) => f.endsWith(".ipynb"))
      .map((f) => `notebooks/${f}`),
  ];
  const unknown = docs.flatMap((doc) =>
    [...readFileSync(join(REPO, doc), "utf8").matchAll(/(?<![\w-])--[a-z][a-z-]*/g)]
      .map((m) => m[0])
      .filter((f) => !accepted.has(f) && !others.includes(f))
      .map((f) => `${doc}: ${f}`),
  );
  expect(unknown).toEqual([]);
});
