// Node before 20.16 has no process.getBuiltinModule, the only way the core
// finds AsyncLocalStorage without a static node: import. The package's floor
// is 20.16; below it the loss of the async context must be loud, not silent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const isNode = typeof (globalThis as { Deno?: unknown }).Deno === "undefined" &&
  typeof (globalThis as { Bun?: unknown }).Bun === "undefined";
// On Node this file runs compiled inside .tmp/npm-test/, against the build in npm/.
const here = fileURLToPath(import.meta.url);
const root = here.includes("/.tmp/npm-test/") ? here.slice(0, here.indexOf("/.tmp/npm-test/")) : "";

// Prints whether a child span started after an await kept its parent.
const PARENT_AFTER_AWAIT = `
  const { InMemorySpanProcessor, Tracer } = await import("./npm/mod.js");
  const memory = new InMemorySpanProcessor();
  const tracer = new Tracer({ processors: [memory] });
  await tracer.span("parent", async () => {
    await new Promise((r) => setTimeout(r, 1));
    tracer.startSpan("child").end();
  });
  const [child, parent] = memory.spans;
  console.log(child.context.parentSpanId === parent.context.spanId ? "parented" : "orphaned");
`;

/** Runs `code` as an ES module in a child Node whose process lacks getBuiltinModule. */
function runWithoutGetBuiltinModule(code: string) {
  const preload = "data:text/javascript," +
    encodeURIComponent("delete process.getBuiltinModule;");
  return spawnSync(process.execPath, ["--import", preload, "--input-type=module", "-e", code], {
    encoding: "utf8",
    timeout: 60_000,
    cwd: root,
  });
}

test(
  "on a Node without process.getBuiltinModule the core says loudly that spans lose their parent after await (Node only: it runs the built package)",
  { skip: !isNode || root === "", timeout: 120_000 },
  () => {
    const result = runWithoutGetBuiltinModule(PARENT_AFTER_AWAIT);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /Node \d+\.\d+\.\d+ has no process\.getBuiltinModule/);
    assert.match(result.stderr, /Use Node 20\.16 or later, or call setContextStorage/);
    assert.equal(result.stdout.trim(), "orphaned", "what the message warns of");
  },
);

test(
  "on a supported Node the same program keeps the parent and says nothing (Node only: it runs the built package)",
  { skip: !isNode || root === "", timeout: 120_000 },
  () => {
    const result = spawnSync(process.execPath, [
      "--input-type=module",
      "-e",
      PARENT_AFTER_AWAIT,
    ], { encoding: "utf8", timeout: 60_000, cwd: root });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.equal(result.stdout.trim(), "parented");
  },
);
