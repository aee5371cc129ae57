import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { importsOf, root, sourceFiles } from "./_source_files.ts";

// The layers of DESIGN.md, lowest first. A file may import from its own layer
// and the layers before it in this list, never from one after it.
const LAYERS = [
  "platform",
  "span",
  "context",
  "trace",
  "export",
  "propagation",
  "http",
  "hono",
  "otlp",
  "otel",
  "viewer",
  "testing",
];

function layerOf(path: string): string | undefined {
  const match = /^src\/([^/]+)\//.exec(path);
  return match === null ? undefined : match[1];
}

/** Every import in `files` that points up the layers or out of `src/` into an entry. */
function upwardImports(files: ReadonlyMap<string, readonly string[]>): string[] {
  const problems: string[] = [];
  for (const [file, imports] of files) {
    const rank = LAYERS.indexOf(layerOf(file)!);
    for (const target of imports) {
      if (!target.startsWith("src/") && /\.ts$/.test(target)) {
        problems.push(`${file} imports the entry ${target}`);
        continue;
      }
      const layer = layerOf(target);
      if (layer !== undefined && LAYERS.indexOf(layer) > rank) {
        problems.push(`${file} (${layerOf(file)}) imports ${target} (${layer}), a higher layer`);
      }
    }
  }
  return problems;
}

describe("layers", () => {
  const files = new Map(sourceFiles().map((f) => [f, importsOf(f)]));

  test("every file under src/ sits in a layer folder that DESIGN.md's map names", () => {
    const design = readFileSync(join(root, "DESIGN.md"), "utf8");
    assert.ok(files.size > 50, `found the sources (${files.size} files)`);
    for (const file of files.keys()) {
      const layer = layerOf(file);
      assert.ok(
        layer !== undefined && LAYERS.includes(layer),
        `${file} is not in a known layer folder`,
      );
      assert.match(design, new RegExp(`^${layer}/ `, "m"), `DESIGN.md's map names ${layer}/`);
    }
  });

  test("DESIGN.md's map lists every layer, highest first, in this test's order, each a folder that holds code", () => {
    const design = readFileSync(join(root, "DESIGN.md"), "utf8");
    const mapped = [...design.matchAll(/^([a-z]+)\/ {2,}/gm)].map((m) => m[1]);
    const present = new Set([...files.keys()].map(layerOf));
    assert.deepEqual(mapped.filter((l) => !present.has(l)), []);
    assert.deepEqual(mapped, [...LAYERS].reverse(), "the map, top to bottom, is LAYERS reversed");
  });

  test("imports only point down the layers, and never into an entry", () => {
    assert.deepEqual(upwardImports(files), []);
  });

  test("the check reports an upward import and an import of an entry", () => {
    const found = upwardImports(
      new Map([
        ["src/span/span.ts", ["src/trace/tracer.ts", "src/platform/clock.ts"]],
        ["src/http/fetch.ts", ["mod.ts", "src/span/span.ts"]],
      ]),
    );
    assert.equal(found.length, 2, found.join("\n"));
    assert.match(found[0], /span\.ts \(span\) imports src\/trace\/tracer\.ts \(trace\)/);
    assert.match(found[1], /imports the entry mod\.ts/);
  });
});
