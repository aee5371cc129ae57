import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Static imports and re-exports: `import ... from "x"`, `export ... from "x"`, `import "x"`.
const STATIC = /^\s*(?:import|export)\s(?:[^;]*?\sfrom\s*)?["']([^"']+)["']/gm;

function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    // Doc comments hold example imports of the package itself: not part of the graph.
    const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const specifiers = [...code.matchAll(STATIC)].map((m) => m[1]);
    seen.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith(".")) visit(join(dirname(file), s));
  };
  visit(join(root, entry));
  return seen;
}

describe("the core's import graph", () => {
  test("mod.ts reaches no node:, npm: or jsr: module and no bare package by static import", () => {
    const files = graph("mod.ts");
    assert.ok(files.size > 5, "the graph walk found the core's files");
    const external = [...files].flatMap(([file, specifiers]) =>
      specifiers.filter((s) => !s.startsWith(".")).map((s) => `${file.slice(root.length)}: ${s}`)
    );
    assert.deepEqual(external, []);
  });
});
