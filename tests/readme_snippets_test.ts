// The README's TypeScript snippets run on Deno through `deno test --doc
// README.md`, but nothing ran them on Bun or Node, where the README says the
// same code works. This file runs each one there, in a child process, as a
// user's program: on Bun the package's name points at the sources (as
// deno.json exports them), and on Node it is installed from the npm build and
// the snippet is compiled by TypeScript first, as a user's build would.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runFile } from "./_child_process.ts";
import { isBun, isDeno } from "./_helpers.ts";

// On Node this file runs compiled inside .tmp/npm-test/, against the build in npm/.
const here = fileURLToPath(import.meta.url);
const root = here.includes("/.tmp/npm-test/")
  ? here.slice(0, here.indexOf("/.tmp/npm-test/"))
  : fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");

/** A fenced TypeScript or JavaScript block that `deno test --doc` runs. */
interface Snippet {
  /** The README line of its opening fence. */
  readonly line: number;
  readonly code: string;
}

/** The blocks `deno test --doc README.md` runs: `ts` or `js`, not `ignore`. */
function runnableSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)(.*)$/.exec(lines[i]);
    if (fence === null) continue;
    const end = lines.indexOf("```", i + 1);
    if (end < 0) break;
    const runnable = /^(ts|js)$/.test(fence[1]) && !/\bignore\b/.test(fence[2]);
    if (runnable) snippets.push({ line: i + 1, code: lines.slice(i + 1, end).join("\n") + "\n" });
    i = end;
  }
  return snippets;
}

/** Whether the snippet calls a Deno API (the README says which run on Deno as they are). */
function needsDeno(code: string): boolean {
  return code.split("\n").some((line) => !/^\s*\/\//.test(line) && /\bDeno\./.test(line));
}

/** Bun: `@codomyrmex/spans[/entry]` becomes the entry's source file, as deno.json maps it. */
async function pointAtSources(code: string): Promise<string> {
  const { exports } = JSON.parse(await readFile(join(root, "deno.json"), "utf8")) as {
    exports: Record<string, string>;
  };
  return code.replace(/(["'])@codomyrmex\/spans(\/[\w-]+)?\1/g, (whole, quote, sub) => {
    const source = exports[`.${sub ?? ""}`];
    if (source === undefined) return whole;
    return quote + pathToFileURL(join(root, source)).href + quote;
  });
}

/** Node: TypeScript's output for Node 20 (ES2022: `using` lowered). */
async function compiled(code: string, line: number): Promise<string> {
  // Loaded by name at run time: on Node it is the repository's dev dependency.
  const name = "typescript";
  const ts = (await import(name)).default;
  const { outputText, diagnostics } = ts.transpileModule(code, {
    fileName: `README.md#${line}.ts`,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  assert.equal(diagnostics.length, 0, `README line ${line} does not compile`);
  return outputText;
}

/**
 * Runs the snippet from a folder inside the repository, so that its other
 * imports (`hono`, `@opentelemetry/api`) resolve from node_modules as in a
 * user's project; on Node the package itself is linked there from npm/.
 */
async function runReadmeSnippet(snippet: Snippet) {
  await mkdir(join(root, ".tmp"), { recursive: true });
  const dir = await mkdtemp(join(root, ".tmp", "readme-snippet-"));
  try {
    let file: string;
    if (isBun) {
      file = join(dir, "snippet.ts");
      await writeFile(file, await pointAtSources(snippet.code));
    } else {
      await mkdir(join(dir, "node_modules", "@codomyrmex"), { recursive: true });
      await symlink(join(root, "npm"), join(dir, "node_modules", "@codomyrmex", "spans"), "dir");
      file = join(dir, "snippet.mjs");
      await writeFile(file, await compiled(snippet.code, snippet.line));
    }
    return await runFile(file, [], { timeoutMs: 100_000 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const runtime = isBun ? "Bun" : "Node";
const readme = await readFile(join(root, "README.md"), "utf8");
const snippets = runnableSnippets(readme);

describe(`README snippets on ${isDeno ? "Deno (deno test --doc runs them)" : runtime}`, () => {
  test("the README has runnable snippets, and finding them skips the ignored ones", () => {
    assert.ok(snippets.length > 10, `found ${snippets.length}`);
    const ignored = readme.split("\n").filter((line) => /^```(ts|js) ignore$/.test(line)).length;
    assert.ok(ignored > 0, "the README marks some blocks ignore");
    assert.ok(snippets.every((s) => !/^```\S+ ignore/.test(readme.split("\n")[s.line - 1])));
  });

  for (const snippet of snippets) {
    const deno = needsDeno(snippet.code);
    test(
      `the snippet at README line ${snippet.line} runs and its assertions hold on ${runtime}`,
      {
        skip: isDeno || deno
          ? `${deno ? "it calls a Deno API" : "deno test --doc README.md runs it"}`
          : false,
        timeout: 120_000,
      },
      async () => {
        const { code, stdout, stderr } = await runReadmeSnippet(snippet);
        assert.equal(code, 0, `README line ${snippet.line} failed:\n${stderr}\n${stdout}`);
      },
    );
  }
});
