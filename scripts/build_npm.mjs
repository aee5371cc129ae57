// Writes npm/: the npm package, emitted by `tsc` from the same sources JSR
// publishes. ESM JavaScript for Node 20, exact declarations (the sources use
// isolatedDeclarations), a package.json whose "exports" has one subpath per
// deno.json export, and the README, CHANGELOG and LICENSE.
//
// Run: `npm run build` or `deno task build:npm`.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
import process from "node:process";
import {
  entryPoints,
  fail,
  listFiles,
  moduleSpecifiers,
  npmDir,
  readJson,
  replaceSpecifiers,
  root,
  ts,
} from "./_npm_layout.mjs";

const started = performance.now();
const VIEWER_BIN = "bin/spans-viewer.js";
const deno = readJson("deno.json");
const dev = readJson("package.json");
const entries = entryPoints();

// The libs are what Node 20 implements, not "esnext", so an API that Node 20
// lacks (Promise.withResolvers, Set methods, Iterator helpers) fails here
// with a type error instead of at a user's run time. Target ES2022 lowers
// `using` to helpers that only need Symbol.dispose, which Node 20 has.
const { options, errors } = ts.convertCompilerOptionsFromJson({
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2023", "ESNext.Disposable", "DOM"],
  types: ["node"],
  strict: true,
  declaration: true,
  isolatedDeclarations: true,
  rewriteRelativeImportExtensions: true,
  noEmitOnError: true,
  skipLibCheck: true,
  newLine: "lf",
  rootDir: ".",
  outDir: "npm",
}, root);
if (errors.length > 0) fail(report(errors));

// Each module with a top-level await, which require() refuses, and the
// module the npm package's copy for require() has in its place (Deno and
// JSR, and import(), load the first).
const SOURCE_SWAPS = [["src/otel/_sdk_import.ts", "src/otel/_sdk_require.ts"]];

const program = ts.createProgram(
  [...entries.map((e) => e.source), ...SOURCE_SWAPS.map(([, swap]) => swap)].map((file) =>
    join(root, file)
  ),
  options,
);
const problems = ts.getPreEmitDiagnostics(program);
if (problems.length > 0) fail(`tsc found problems, nothing was written:\n\n${report(problems)}`);
rmSync(npmDir, { recursive: true, force: true });
const emitted = program.emit();
if (emitted.emitSkipped || emitted.diagnostics.length > 0) {
  fail(`tsc could not write npm/:\n\n${report(emitted.diagnostics)}`);
}

// tsc rewrites "./x.ts" to "./x.js" in JavaScript but keeps ".ts" in
// declarations. TypeScript 5+ resolves either, but older tools do not.
// A declaration that names Symbol.dispose or Symbol.asyncDispose brings the
// lib that declares them, so a consumer on an ES2022 target without
// @types/node still type-checks (TS2550 otherwise).
for (const file of listFiles("npm", (name) => name.endsWith(".d.ts"))) {
  const path = join(root, file);
  let text = replaceSpecifiers(file, readFileSync(path, "utf8"), (s) => s.replace(/\.ts$/, ".js"));
  if (/\bSymbol\.(?:async)?[dD]ispose\b|\b(?:Async)?Disposable\b/.test(text)) {
    text = `/// <reference lib="esnext.disposable" />\n${text}`;
  }
  writeFileSync(path, text);
}

const jsFiles = listFiles("npm", (name) => name.endsWith(".js"));
const dtsFiles = listFiles("npm", (name) => name.endsWith(".d.ts"));
const imports = new Map([...jsFiles, ...dtsFiles].map((file) => {
  const text = readFileSync(join(root, file), "utf8");
  return [file, moduleSpecifiers(file, text)];
}));

// The core must load where there are no `node:` modules and no npm
// packages (browsers, workers): nothing in its import graph may import
// either statically.
const core = entries.find((e) => e.subpath === ".");
if (core) {
  for (const file of importGraph(posix.join("npm", core.js))) {
    for (const { specifier, dynamic } of imports.get(file) ?? []) {
      if (!dynamic && !specifier.startsWith(".")) {
        fail(`the core entry must not import "${specifier}" statically (in ${file})`);
      }
    }
  }
}

// Packages the built code or its declarations import become optional peer
// dependencies: only the ./otel bridge imports any (@opentelemetry/*), and users of the other
// entries must not be made to install them. Each needs a range declared in package.json
// "peerDependencies", chosen so that the oldest and the newest versions the ranges allow
// install together (scripts/smoke_npm.mjs installs both).
const peers = new Set();
for (const [file, found] of imports) {
  for (const { specifier } of found) {
    if (specifier.startsWith(".") || specifier.startsWith("node:")) continue;
    const name = packageName(specifier);
    if (!dev.devDependencies?.[name]) {
      fail(`${file} imports "${specifier}", which package.json does not list in devDependencies`);
    }
    peers.add(name);
  }
}
for (const name of peers) {
  if (typeof dev.peerDependencies?.[name] !== "string") {
    fail(
      `the build imports "${name}": declare the versions it works with in package.json ` +
        `"peerDependencies" (the npm smoke test installs the oldest and newest of them)`,
    );
  }
}
const peerNames = [...peers].sort();

// require() refuses a module graph with a top-level await. An entry that
// reaches one (SOURCE_SWAPS, above) gets a copy for require():
// "x.require.js" beside every built file that leads to it, its imports
// pointed at the copies, the rest of the package shared with the import()
// copy, so both load one core. Node, Bun and Deno's npm support (the "node"
// condition) get that copy for import() too: one program that both imports
// and requires the entry then loads it once, so its classes, and the
// `instanceof` checks on them, are the same on both sides. The copy with the
// top-level await is left to the runtimes without require (browsers and
// their bundlers).
const REQUIRE_SWAPS = new Map(
  SOURCE_SWAPS.map((pair) => pair.map((source) => `npm/${source.replace(/\.ts$/, ".js")}`)),
);
const requireCopies = new Map();
for (const entry of entries) {
  const start = posix.join("npm", entry.js);
  const copied = filesLeadingTo(start, REQUIRE_SWAPS);
  if (copied.size === 0) continue;
  for (const file of copied) {
    const path = join(root, file);
    const text = replaceSpecifiers(file, readFileSync(path, "utf8"), (specifier) => {
      if (!specifier.startsWith(".")) return specifier;
      const target = posix.join(posix.dirname(file), specifier);
      const to = REQUIRE_SWAPS.get(target) ?? (copied.has(target) ? requireCopyOf(target) : target);
      if (to === target) return specifier;
      const relative = posix.relative(posix.dirname(file), to);
      return relative.startsWith(".") ? relative : `./${relative}`;
    });
    writeFileSync(join(root, requireCopyOf(file)), text);
  }
  const graph = importGraph(
    posix.join("npm", requireCopyOf(entry.js)),
    (file) => moduleSpecifiers(file, readFileSync(join(root, file), "utf8")),
  );
  for (const file of graph) {
    if (REQUIRE_SWAPS.has(file)) fail(`the require() copy of ${entry.js} still imports ${file}`);
  }
  requireCopies.set(entry.subpath, `./${requireCopyOf(posix.normalize(entry.js))}`);
}

const pkg = {
  name: deno.name,
  version: deno.version,
  description: readmeSummary(),
  license: deno.license,
  repository: { type: "git", url: "git+https://github.com/codomyrmex/spans.git" },
  engines: { node: "^20.16.0 || >=22.3.0" },
  type: "module",
  sideEffects: false,
  // `npx spans-viewer`: a small launcher, written below, that runs the
  // viewer's command line from the built entry.
  ...(entries.some((e) => e.subpath === "./viewer") ? { bin: { "spans-viewer": VIEWER_BIN } } : {}),
  exports: Object.fromEntries(
    entries.map((
      e,
    ) => [e.subpath, {
      types: `./${posix.normalize(e.dts)}`,
      ...(requireCopies.has(e.subpath)
        ? { node: requireCopies.get(e.subpath), require: requireCopies.get(e.subpath) }
        : {}),
      default: `./${posix.normalize(e.js)}`,
    }]),
  ),
  ...(peerNames.length === 0 ? {} : {
    peerDependencies: Object.fromEntries(
      peerNames.map((n) => [n, dev.peerDependencies[n]]),
    ),
    peerDependenciesMeta: Object.fromEntries(peerNames.map((n) => [n, { optional: true }])),
  }),
};
writeFileSync(join(npmDir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
if (pkg.bin) {
  mkdirSync(join(npmDir, "bin"), { recursive: true });
  writeFileSync(
    join(npmDir, VIEWER_BIN),
    [
      "#!/usr/bin/env node",
      "// The viewer's command line: see `spans-viewer --help`.",
      'import { processArgs, runViewerCli } from "../src/viewer/_cli.js";',
      "",
      "await runViewerCli(processArgs());",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
}
for (const file of ["README.md", "CHANGELOG.md", "LICENSE"]) {
  copyFileSync(join(root, file), join(npmDir, file));
}

const subpaths = entries.map((e) => e.subpath).join(" ");
console.log(
  `npm/: ${pkg.name}@${pkg.version}, ${entries.length} entry point(s) (${subpaths}), ` +
    `${jsFiles.length} .js + ${dtsFiles.length} .d.ts, peers: ${peerNames.join(" ") || "none"} ` +
    `(${Math.round(performance.now() - started)} ms)`,
);

/**
 * The built files reachable from `start` through relative imports, read
 * from `imports` or, for files written after it was, from `specifiersOf`.
 */
function importGraph(start, specifiersOf = (file) => imports.get(file) ?? []) {
  const seen = new Set();
  const todo = [start];
  while (todo.length > 0) {
    const file = todo.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { specifier } of specifiersOf(file)) {
      if (specifier.startsWith(".")) todo.push(posix.join(posix.dirname(file), specifier));
    }
  }
  return seen;
}

/**
 * The built files reachable from `start` whose imports lead to one of
 * `targets`' keys (those left out), as a set of npm/ paths.
 */
function filesLeadingTo(start, targets) {
  const leading = new Set();
  for (const file of importGraph(start)) {
    if (targets.has(file)) continue;
    for (const reached of importGraph(file)) {
      if (targets.has(reached)) {
        leading.add(file);
        break;
      }
    }
  }
  return leading;
}

/** "npm/x/y.js" -> "npm/x/y.require.js". */
function requireCopyOf(file) {
  return file.replace(/\.js$/, ".require.js");
}

/** "@scope/name/sub" -> "@scope/name", "name/sub" -> "name". */
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The first sentence of the README, which says what the library is. */
function readmeSummary() {
  const text = readFileSync(join(root, "README.md"), "utf8");
  const paragraph = text.split(/\n\s*\n/).find((p) => p.trim() && !p.trim().startsWith("#"));
  const flat = paragraph?.trim().replace(/\s+/g, " ") ?? "";
  return flat.match(/^.*?\.(?=\s|$)/)?.[0] ?? flat;
}

function report(diagnostics) {
  const color = process.stderr.isTTY && !process.env.NO_COLOR;
  return (color ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics)(
    diagnostics,
    formatHost(),
  );
}

function formatHost() {
  return {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  };
}
