// Node before 20.16 (and 21.x to 22.2) has no process.getBuiltinModule, the
// only way the core finds AsyncLocalStorage without a static node: import.
// The package needs 20.16+ on 20.x or 22.3+; elsewhere the loss of the async
// context must be loud, not silent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runSnippet } from "./_child_process.ts";
import { isBun, isDeno } from "./_helpers.ts";

const isNode = !isDeno && !isBun;
// On Node this file runs compiled inside .tmp/npm-test/, against the build in npm/.
const here = fileURLToPath(import.meta.url);
const root = here.includes("/.tmp/npm-test/") ? here.slice(0, here.indexOf("/.tmp/npm-test/")) : "";

// Prints whether a child span started after an await kept its parent.
const PARENT_AFTER_AWAIT = `
  const { InMemorySpanProcessor, Tracer } = await import(${
  JSON.stringify(pathToFileURL(`${root}/npm/mod.js`).href)
});
  const memory = new InMemorySpanProcessor();
  const tracer = new Tracer({ processors: [memory] });
  await tracer.span("parent", async () => {
    await new Promise((r) => setTimeout(r, 1));
    tracer.startSpan("child").end();
  });
  const [child, parent] = memory.spans;
  console.log(child.context.parentSpanId === parent.context.spanId ? "parented" : "orphaned");
`;

/** Preloaded into a child Node, it takes process.getBuiltinModule away. */
const WITHOUT_GET_BUILTIN_MODULE = "data:text/javascript," +
  encodeURIComponent("delete process.getBuiltinModule;");

test(
  "on a Node without process.getBuiltinModule the core says loudly that spans lose their parent after await (Node only: it runs the built package)",
  { skip: !isNode || root === "", timeout: 120_000 },
  async () => {
    const result = await runSnippet(PARENT_AFTER_AWAIT, {
      nodeFlags: ["--import", WITHOUT_GET_BUILTIN_MODULE],
      timeoutMs: 60_000,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Node \d+\.\d+\.\d+ has no process\.getBuiltinModule/);
    assert.match(
      result.stderr,
      /Use Node 20\.16 or later on 20\.x, or 22\.3 or later, or call setContextStorage/,
    );
    assert.equal(result.stdout.trim(), "orphaned", "what the message warns of");
  },
);

test(
  "on a supported Node the same program keeps the parent and says nothing (Node only: it runs the built package)",
  { skip: !isNode || root === "", timeout: 120_000 },
  async () => {
    const result = await runSnippet(PARENT_AFTER_AWAIT, { timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.equal(result.stdout.trim(), "parented");
  },
);

test(
  "loading every entry prints nothing: no warning of the library's, none of Node's fetch (Node only: it runs the built package)",
  { skip: !isNode || root === "", timeout: 120_000 },
  async () => {
    // A check made as an entry loads once asked Node's Request about a
    // `patch`, and undici warned on every run.
    const entries = ["mod", "http", "node", "hono", "otel", "otlp", "testing", "viewer"];
    const result = await runSnippet(
      entries.map((entry) =>
        `await import(${JSON.stringify(pathToFileURL(`${root}/npm/${entry}.js`).href)});`
      ).join("\n") + '\nconsole.log("loaded");',
      { timeoutMs: 60_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.equal(result.stdout.trim(), "loaded");
  },
);
