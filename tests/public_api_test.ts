import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { basename } from "node:path";
import { code, entryFiles, exportedNames, reexports, sourceFiles } from "./_source_files.ts";

const isInternal = (path: string) => basename(path).startsWith("_");

/**
 * Every name a public file (no leading `_`) exports that no entry
 * re-exports, and every entry re-export that comes from an internal file.
 */
function leaks(
  sources: ReadonlyMap<string, string>,
  entries: ReadonlyMap<string, string>,
): string[] {
  const public_ = new Map<string, Set<string>>();
  const problems: string[] = [];
  for (const [entry, text] of entries) {
    for (const [from, names] of reexports(entry, text)) {
      if (isInternal(from)) {
        problems.push(`${entry} re-exports ${[...names]} from internal ${from}`);
      }
      const set = public_.get(from) ?? new Set<string>();
      for (const n of names) set.add(n);
      public_.set(from, set);
    }
  }
  for (const [file, text] of sources) {
    if (isInternal(file)) continue;
    for (const name of exportedNames(text)) {
      if (!public_.get(file)?.has(name)) {
        problems.push(`${file} exports ${name}, which no entry re-exports: move it to a _ file`);
      }
    }
  }
  return problems;
}

describe("public and internal files", () => {
  test("a file without a leading _ exports only names an entry re-exports", () => {
    const sources = new Map(sourceFiles().map((f) => [f, code(f)]));
    const entries = new Map(entryFiles().map((f) => [f, code(f)]));
    assert.ok(entries.has("mod.ts") && entries.has("testing.ts"), [...entries.keys()].join());
    assert.deepEqual(leaks(sources, entries), []);
  });

  test("every entry re-exports something, so the check has names to compare", () => {
    const entries = entryFiles();
    assert.ok(entries.includes("mod.ts") && entries.includes("testing.ts"), entries.join());
    for (const entry of entries) {
      const count = [...reexports(entry).values()].reduce((n, s) => n + s.size, 0);
      assert.ok(count > 0, `${entry} re-exports nothing`);
    }
  });

  test("every way to declare an exported name is read", () => {
    const text = [
      "export const a = 1, b = { c: [1, 2] }, d = (x: number, y = 2) => x + y;",
      "export let e: Map<string, number> = new Map(), f = `x, y`;",
      "export function* g() {}",
      "export async function h() {}",
      "export abstract class I {}",
      "export interface J {}",
      "export type K = { l: string, m: number };",
      "export enum N { O, P }",
      "export namespace Q {}",
      "export declare const R: number;",
      "export const v = { f: (ms: number) => ms > 9 ? 9 : ms, g: (a: number) => a < 1 }, w = 1;",
      "const s = 1, t = 2;",
      "export { s, t as u };",
    ].join("\n");
    assert.deepEqual(exportedNames(text).sort(), [
      "I",
      "J",
      "K",
      "N",
      "Q",
      "R",
      "a",
      "b",
      "d",
      "e",
      "f",
      "g",
      "h",
      "s",
      "u",
      "v",
      "w",
    ]);
  });

  test("the check reports an internal name in a public file, and an entry that re-exports a _ file", () => {
    const found = leaks(
      new Map([
        ["src/span/span.ts", "export class Span {}\nexport function makeSpanFast() {}\n"],
        ["src/span/_fast.ts", "export const FAST = 1;\n"],
      ]),
      new Map([[
        "mod.ts",
        'export { Span } from "./src/span/span.ts";\nexport { FAST } from "./src/span/_fast.ts";\n',
      ]]),
    );
    assert.deepEqual(found, [
      "mod.ts re-exports FAST from internal src/span/_fast.ts",
      "src/span/span.ts exports makeSpanFast, which no entry re-exports: move it to a _ file",
    ]);
  });
});
