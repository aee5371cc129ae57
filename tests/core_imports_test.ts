import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { importsOf, root } from "./_source_files.ts";

/**
 * Whether an import, as importsOf gives it (a relative specifier resolved to
 * a path from the root, any other as written), is a file of this repository
 * rather than a package or a runtime's module.
 */
function isLocal(target: string): boolean {
  return /\.[mc]?[jt]s$/.test(target) && existsSync(join(root, target));
}

/** Every file `entry` reaches by static imports, with what each imports. */
function graph(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const imports = importsOf(file);
    seen.set(file, imports);
    for (const target of imports) if (isLocal(target)) visit(target);
  };
  visit(entry);
  return seen;
}

describe("the core's import graph", () => {
  test("mod.ts reaches no node:, npm: or jsr: module and no bare package by static import", () => {
    const files = graph("mod.ts");
    assert.ok(files.size > 5, "the graph walk found the core's files");
    const external = [...files].flatMap(([file, imports]) =>
      imports.filter((target) => !isLocal(target)).map((target) => `${file}: ${target}`)
    );
    assert.deepEqual(external, []);
  });
});
