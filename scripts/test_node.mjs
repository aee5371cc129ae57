// Runs the test suite on Node against the built package, as dnt does: every
// tests/**/*_test.ts is transpiled to .tmp/npm-test/ with its imports of the
// sources ("../mod.ts", "../otlp.ts") pointed at the JavaScript in npm/, then
// `node --test` runs the explicit list of files.
//
// Run after `npm run build`: `node scripts/test_node.mjs` (or `npm run test:node`,
// which builds first). Arguments naming test files (`tests/viewer_test.ts`)
// run just those; other arguments go to `node --test`.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import {
  fail,
  listFiles,
  moduleSpecifiers,
  npmDir,
  npmTestDir,
  replaceSpecifiers,
  root,
  ts,
} from "./_npm_layout.mjs";

if (!existsSync(join(npmDir, "package.json"))) fail("npm/ is missing: run `npm run build` first");

const testsDir = join(root, "tests");
const tests = listFiles("tests", (name) => name.endsWith("_test.ts"));
if (tests.length === 0) fail("no tests/**/*_test.ts files found: nothing would run on Node");

rmSync(npmTestDir, { recursive: true, force: true });
mkdirSync(npmTestDir, { recursive: true });
// The compiled tests sit where tests/ sits, with the rest of the repository
// linked in around them, so a test that reads a file relative to itself
// (`new URL("../mod.ts", import.meta.url)`, a fixture) finds it.
for (const name of readdirSync(root)) {
  if (![".git", ".tmp", "node_modules", "npm", "tests"].includes(name)) {
    symlinkSync(join(root, name), join(npmTestDir, name));
  }
}
for (const path of listFiles("tests", () => true)) {
  const file = join(root, path);
  const out = join(npmTestDir, path);
  mkdirSync(dirname(out), { recursive: true });
  if (!/\.[mc]?ts$/.test(path) || path.endsWith(".d.ts")) {
    symlinkSync(file, out);
    continue;
  }
  const source = readFileSync(file, "utf8");
  const rewritten = replaceSpecifiers(file, stripNpmPrefixes(file, source), (specifier) => {
    const target = resolve(dirname(file), specifier);
    if (!relative(testsDir, target).startsWith("..")) {
      return specifier.replace(/\.([mc]?)ts$/, ".$1js");
    }
    if (!/\.[mc]?ts$/.test(target)) return specifier;
    // The library itself: the built JavaScript, never the TypeScript source.
    const built = join(npmDir, relative(root, target)).replace(/\.([mc]?)ts$/, ".$1js");
    if (!existsSync(built)) {
      fail(
        `${path} imports ${specifier}, which is not in the built package: ` +
          "import the library through an entry point",
      );
    }
    return toRelative(out, built);
  });
  const { outputText, diagnostics } = ts.transpileModule(rewritten, {
    fileName: file,
    reportDiagnostics: true,
    // ES2022 is what Node 20 runs: `using` is lowered to Symbol.dispose helpers.
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  if (diagnostics?.length) {
    fail(ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    }));
  }
  writeFileSync(out.replace(/\.([mc]?)ts$/, ".$1js"), outputText);
}

// Every test is compiled (they import each other's helpers); the named ones run.
const named = process.argv.slice(2).filter((arg) => arg.endsWith("_test.ts"));
const nodeArgs = process.argv.slice(2).filter((arg) => !arg.endsWith("_test.ts"));
const selected = named.length === 0 ? tests : named.map((arg) => {
  const path = relative(root, resolve(arg));
  if (!tests.includes(path)) fail(`${arg} is not one of the tests/**/*_test.ts files`);
  return path;
});
const files = selected.map((t) => relative(root, join(npmTestDir, t.replace(/\.ts$/, ".js"))));
console.log(`Node ${process.version}: ${files.length} test file(s) against npm/`);
const result = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", ...nodeArgs, ...files],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);

/** A relative specifier from the file `from` to the file `to`. */
function toRelative(from, to) {
  const path = relative(dirname(from), to).split("\\").join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

/** Deno's "npm:name@range/sub" specifiers become Node's "name/sub". */
function stripNpmPrefixes(fileName, text) {
  let out = text;
  for (const { specifier, start, end } of moduleSpecifiers(fileName, text).reverse()) {
    const match = /^npm:(@[^/@]+\/[^/@]+|[^/@]+)(?:@[^/]*)?(\/.*)?$/.exec(specifier);
    if (match) out = out.slice(0, start) + match[1] + (match[2] ?? "") + out.slice(end);
  }
  return out;
}
