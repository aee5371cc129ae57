// The package as a user gets it: `npm pack` npm/, install the tarball into a
// fresh project in a temporary folder (offline: it has no dependencies),
// then for every entry point in deno.json
//   - import it from Node and check that the values it exports at run time are
//     exactly the values its .d.ts declares, none of them undefined;
//   - type-check a TypeScript file that imports it with moduleResolution
//     nodenext, as a Node user's project would.
// The core entry also runs a traced await, to see the installed code work,
// and the `spans-viewer` bin starts, answers at its URL and stops.
// Optional peer packages (@opentelemetry/*) are linked from this repository's
// node_modules, since npm does not install optional peers.
//
// Then ./otel against real installs of its optional peers from the npm
// registry, each in its own fresh project: (a) @opentelemetry/api alone,
// (b) the oldest version of every peer that the declared ranges allow,
// (c) the newest. npm must install each set without a peer conflict, every
// ./otel export must import, the API-only parts must work (and the SDK
// wrappers must say what to install when the SDK is missing), and a
// TypeScript file using them must type-check against what was installed.
//
// Run after `npm run build`: `node scripts/smoke_npm.mjs` (or `npm run smoke:npm`).
// KEEP_SMOKE=1 keeps the temporary project for a look.
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { entryPoints, fail, npmDir, readJson, root, ts } from "./_npm_layout.mjs";

if (!existsSync(join(npmDir, "package.json"))) fail("npm/ is missing: run `npm run build` first");
// The runtimes a user runs the npm package on (Bun and Deno are this
// repository's devDependencies).
const RUNTIMES = [
  ["Node", [process.execPath]],
  ["Bun", [join(root, "node_modules", ".bin", "bun")]],
  ["Deno", [join(root, "node_modules", ".bin", "deno"), "run", "-A"]],
];
for (const [runtime, [command]] of RUNTIMES) {
  if (!existsSync(command)) fail(`${runtime} is not at ${command}: run \`npm ci\` first`);
}
const pkg = readJson("npm/package.json");
const entries = entryPoints();
const work = mkdtempSync(join(tmpdir(), "spans-smoke-"));
const app = join(work, "app");
// On "exit", so a failed step (which exits at once) cleans up too.
process.on("exit", () => {
  if (process.env.KEEP_SMOKE) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], npmDir));
const tarball = join(work, packed.filename);
console.log(`packed ${packed.filename}: ${packed.entryCount} files, ${packed.size} bytes`);

mkdirSync(app);
writeJson(join(app, "package.json"), { name: "spans-smoke", private: true, type: "module" });
run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], app);

for (const name of Object.keys(pkg.peerDependencies ?? {})) {
  const from = join(root, "node_modules", name);
  if (!existsSync(from)) fail(`peer ${name} is not in node_modules: run \`npm ci\` first`);
  const to = join(app, "node_modules", name);
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(from, to, "dir");
  console.log(`linked optional peer ${name} from node_modules`);
}

const installed = join(app, "node_modules", ...pkg.name.split("/"));
const specifiers = entries.map((e) => pkg.name + e.subpath.slice(1));
const expected = Object.fromEntries(
  entries.map((e, i) => [specifiers[i], declaredValues(join(installed, e.dts))]),
);

writeFileSync(join(app, "smoke.mjs"), importCheck(expected));
console.log(run(process.execPath, ["smoke.mjs"], app).trimEnd());

if (pkg.bin?.["spans-viewer"]) await smokeViewerBin();

writeFileSync(join(app, "smoke.ts"), typeCheck(specifiers));
typeCheckIn(app, "smoke.ts");
console.log(`tsc --noEmit (nodenext): the public API of ${specifiers.length} entry point(s) types`);

// A consumer on target ES2022 with no @types/node (a browser or worker
// project) still type-checks: the declarations bring the lib they need
// (Symbol.dispose) instead of relying on Node's types.
const portable = specifiers.filter((s) => !s.endsWith("/otel"));
writeFileSync(
  join(app, "portable.ts"),
  `${portable.map((s, i) => `import * as entry${i} from ${JSON.stringify(s)};`).join("\n")}
import { Tracer } from ${JSON.stringify(pkg.name)};
{
  using span = new Tracer().startSpan("disposed at the end of the block");
  span.setAttribute("ok", true);
}
export const used = [${portable.map((_, i) => `entry${i}`).join(", ")}];
`,
);
tscIn(app, "portable.ts", {
  module: "esnext",
  moduleResolution: "bundler",
  target: "es2022",
  lib: ["es2022", "dom"],
  types: [],
  strict: true,
});
console.log(
  `tsc --noEmit (target es2022, no @types/node): ${portable.length} entry point(s) type`,
);

// A consumer with the strictest settings TypeScript has, where an optional
// property `p?: T` does not take `undefined` (exactOptionalPropertyTypes):
// the library's structural types must still accept what Node's types
// describe (`IncomingMessage.method` is `string | undefined`).
writeFileSync(join(app, "strict.ts"), strictCheck());
tscIn(app, "strict.ts", {
  module: "nodenext",
  moduleResolution: "nodenext",
  target: "es2022",
  lib: ["es2023", "esnext.disposable"],
  types: ["node"],
  typeRoots: [join(root, "node_modules", "@types")],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
});
console.log("tsc --noEmit (exactOptionalPropertyTypes): the README's uses of the entries type");

const otelSpecifier = `${pkg.name}/otel`;
if (expected[otelSpecifier]) {
  const ranges = pkg.peerDependencies ?? {};
  const api = "@opentelemetry/api";
  if (!ranges[api]) fail(`npm/package.json declares no peer range for ${api}`);
  const oldest = {}, newest = {};
  for (const [name, range] of Object.entries(ranges)) {
    const versions = allowedVersions(name, range);
    oldest[name] = versions[0];
    newest[name] = versions[versions.length - 1];
  }
  const scenarios = [
    ["(a) @opentelemetry/api alone", { [api]: newest[api] }],
    ["(b) the oldest peers the ranges allow", oldest],
    ["(c) the newest peers the ranges allow", newest],
  ];
  for (const [title, peers] of scenarios) otelScenario(title, peers);
}

/**
 * Installs the tarball with exactly `peers` (name -> version) from the
 * registry into a fresh project, then imports, runs and type-checks ./otel
 * there.
 */
function otelScenario(title, peers) {
  const dir = mkdtempSync(join(work, "otel-"));
  writeJson(join(dir, "package.json"), { name: "spans-otel-smoke", private: true, type: "module" });
  const specs = Object.entries(peers).map(([name, version]) => `${name}@${version}`);
  run("npm", ["install", "--no-audit", "--no-fund", tarball, ...specs], dir);
  const installed = Object.keys(pkg.peerDependencies ?? {}).filter((name) =>
    existsSync(join(dir, "node_modules", name, "package.json"))
  ).map((name) => `${name}@${readJsonAt(join(dir, "node_modules", name, "package.json")).version}`);
  console.log(`\n${title}: npm installed ${installed.join(", ")}`);
  const withSdk = "@opentelemetry/sdk-trace-base" in peers;
  writeFileSync(join(dir, "otel_smoke.mjs"), otelRunCheck(expected[otelSpecifier], withSdk));
  console.log(run(process.execPath, ["otel_smoke.mjs"], dir).trimEnd());
  writeFileSync(join(dir, "otel_smoke.cjs"), otelRequireCheck(expected, withSdk));
  console.log(run(process.execPath, ["otel_smoke.cjs"], dir).trimEnd());
  writeFileSync(join(dir, "one_copy.cjs"), oneCopyCheck(Object.keys(expected)));
  for (const [, command] of RUNTIMES) {
    console.log(run(command[0], [...command.slice(1), "one_copy.cjs"], dir).trimEnd());
  }
  writeFileSync(join(dir, "otel_smoke.ts"), otelTypeCheck(withSdk));
  typeCheckIn(dir, "otel_smoke.ts");
  console.log(`tsc --noEmit: ./otel types against exactly these packages`);
}

/**
 * Type-checks `file` in the project `dir` as a Node user's project would
 * (moduleResolution nodenext), the declarations of every package included.
 */
function typeCheckIn(dir, file) {
  tscIn(dir, file, {
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2022",
    lib: ["es2022"],
    types: ["node"],
    typeRoots: [join(root, "node_modules", "@types")],
    strict: true,
  });
}

/**
 * Runs this repository's `tsc --noEmit` on `file` in the project `dir` with
 * `compilerOptions`, the declarations of every package included
 * (skipLibCheck off), and fails on any error or after two minutes.
 */
function tscIn(dir, file, compilerOptions) {
  const config = `tsconfig.${file.replace(/\.ts$/, "")}.json`;
  writeJson(join(dir, config), {
    compilerOptions: { ...compilerOptions, noEmit: true, skipLibCheck: false },
    files: [file],
  });
  run(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", config],
    dir,
    120_000,
  );
}

/** Every released version of `name` that `range` allows, oldest first. */
function allowedVersions(name, range) {
  const found = JSON.parse(run("npm", ["view", `${name}@${range}`, "version", "--json"], work));
  const versions = (Array.isArray(found) ? found : [found])
    .filter((v) => typeof v === "string" && !v.includes("-"))
    .sort(compareVersions);
  if (versions.length === 0) fail(`no released version of ${name} matches ${range}`);
  return versions;
}

function compareVersions(a, b) {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

function readJsonAt(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

function otelRunCheck(names, withSdk) {
  const otel = JSON.stringify(otelSpecifier);
  const core = JSON.stringify(pkg.name);
  return `import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import * as otel from ${otel};
import { InMemorySpanProcessor, Tracer } from ${core};

assert.deepEqual(Object.keys(otel).sort(), ${JSON.stringify(names)});
const { BridgeContextManager, fromOtelExporter, toOtelExporter, toReadableSpan, TracerProvider } = otel;

// The parts that need only @opentelemetry/api.
const memory = new InMemorySpanProcessor();
assert.equal(new TracerProvider({ processors: [memory] }).register(), true);
assert.ok(context.setGlobalContextManager(new BridgeContextManager()) === false, "register() set it");
const tracer = new Tracer({ processors: [memory] });
tracer.span("ours", () => trace.getTracer("lib").startActiveSpan("theirs", (s) => s.end()));
const [theirs, ours] = memory.spans;
assert.equal(theirs.context.parentSpanId, ours.context.spanId);
const readable = toReadableSpan(ours, { resource: { "service.name": "smoke" } });
assert.equal(readable.spanContext().spanId, ours.context.spanId);
assert.equal(readable.resource.attributes["service.name"], "smoke");
const got = [];
const viaOtel = fromOtelExporter(toOtelExporter((spans) => void got.push(...spans)));
assert.deepEqual(await viaOtel.export([ours]), { code: "success" });
assert.equal(got[0], ours);
trace.disable();
context.disable();
console.log("TracerProvider, BridgeContextManager, toReadableSpan and the exporter adapters work");

${
    withSdk
      ? `// The SDK wrappers, with the SDK installed.
const sdk = await import("@opentelemetry/sdk-trace-base");
const { InMemorySpanExporter, BasicTracerProvider } = sdk;
const exporter = new InMemorySpanExporter();
new Tracer({ processors: [new otel.SimpleSpanProcessor(exporter)] }).startSpan("simple").end();
const batch = new otel.BatchSpanProcessor(exporter);
assert.ok(batch instanceof sdk.BatchSpanProcessor, "built on the SDK import() gives");
new Tracer({ processors: [batch] }).startSpan("batch").end();
await batch.forceFlush();
assert.equal(otel.addSpanProcessor(new otel.SimpleSpanProcessor(exporter)), true);
trace.getTracer("app").startSpan("global").end();
assert.ok(trace.getTracerProvider().getDelegate() instanceof BasicTracerProvider);
assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), ["simple", "batch", "global"]);
await batch.shutdown();
trace.disable();
context.disable();
console.log("SimpleSpanProcessor, BatchSpanProcessor and addSpanProcessor work with the SDK");`
      : `// The SDK wrappers say what is missing.
const missing = /install @opentelemetry\\/sdk-trace-base/;
assert.throws(() => new otel.SimpleSpanProcessor(() => {}), { name: "TypeError", message: missing });
assert.throws(() => new otel.BatchSpanProcessor(() => {}), { name: "TypeError", message: missing });
const plain = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };
assert.throws(() => otel.addSpanProcessor(plain), { name: "TypeError", message: missing });
console.log("without the SDK, SimpleSpanProcessor, BatchSpanProcessor and addSpanProcessor say to install it");`
  }
`;
}

/**
 * One program that both requires and imports the package (an ES module
 * application with a CommonJS preload) must load each entry once: every
 * value import() gives is the one require() gave, classes included, or an
 * `instanceof` across the two fails. ./otel is the entry with two files.
 */
function oneCopyCheck(specifiers) {
  return `"use strict";
const assert = require("node:assert/strict");
const runtime = globalThis.Deno ? "Deno" : globalThis.Bun ? "Bun" : "Node " + process.version;
if (!process.features.require_module) {
  console.log(runtime + ": one copy: skipped, it cannot require() ES modules");
  process.exit(0);
}
const specifiers = ${JSON.stringify(specifiers)};
(async () => {
  for (const specifier of specifiers) {
    const required = require(specifier);
    const imported = await import(specifier);
    const names = Object.keys(required).filter((name) => name !== "default");
    assert.ok(names.length > 0, specifier);
    for (const name of names) {
      assert.ok(imported[name] === required[name], \`\${specifier}: import() and require() give two \${name}\`);
    }
  }
  console.log(runtime + ": import() and require() of " + specifiers.length + " entries give one copy");
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;
}

/**
 * A CommonJS application's view: every entry require()d, ./otel through the
 * package's copy for require() (no top-level await), its wrappers built on
 * the SDK that the application's own require() gets.
 */
function otelRequireCheck(expected, withSdk) {
  return `"use strict";
const assert = require("node:assert/strict");
if (!process.features.require_module) {
  console.log("require(): skipped, Node " + process.version + " cannot require() ES modules");
  process.exit(0);
}
for (const [specifier, names] of Object.entries(${JSON.stringify(expected)})) {
  assert.deepEqual(Object.keys(require(specifier)).sort(), names, specifier);
}
const otel = require(${JSON.stringify(otelSpecifier)});
${
    withSdk
      ? `const { Tracer } = require(${JSON.stringify(pkg.name)});
const sdk = require("@opentelemetry/sdk-trace-base");
const exporter = new sdk.InMemorySpanExporter();
const batch = new otel.BatchSpanProcessor(exporter);
assert.ok(batch instanceof sdk.BatchSpanProcessor, "built on the SDK require() gives");
new Tracer({ processors: [batch] }).startSpan("required").end();
batch.forceFlush().then(async () => {
  assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), ["required"]);
  await batch.shutdown();
  console.log("require(): every entry, and ./otel's BatchSpanProcessor on the SDK's own copy");
}).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});`
      : `assert.throws(() => new otel.BatchSpanProcessor(() => {}), {
  name: "TypeError",
  message: /install @opentelemetry\\/sdk-trace-base/,
});
console.log("require(): every entry; without the SDK, ./otel's wrappers say to install it");`
  }
`;
}

function otelTypeCheck(withSdk) {
  const otel = JSON.stringify(otelSpecifier);
  return `import { InMemorySpanProcessor, Tracer } from ${JSON.stringify(pkg.name)};
import {
  BridgeContextManager,
  fromOtelExporter,
  toReadableSpan,
  TracerProvider,
} from ${otel};
import { context, trace } from "@opentelemetry/api";

const provider = new TracerProvider({ processors: [new InMemorySpanProcessor()] });
const registered: boolean = provider.register({ propagator: null });
context.setGlobalContextManager(new BridgeContextManager());
const span = new Tracer().startSpan("typed").end();
const name: string = toReadableSpan(span).name;
const ok: boolean = trace.getTracer("x").startSpan("y").isRecording();
${
    withSdk
      ? `import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { BatchSpanProcessor, SimpleSpanProcessor } from ${otel};

// This entry's types and the SDK's fit each other.
const exporter = new InMemorySpanExporter();
const sdkProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter), new BatchSpanProcessor(exporter)],
});
const readable: ReadableSpan = toReadableSpan(span);
exporter.export([toReadableSpan(span)], () => {});
const adapted = fromOtelExporter(exporter);
export const used = [registered, name, ok, sdkProvider, readable, adapted];`
      : `export const used = [registered, name, ok, fromOtelExporter];`
  }
`;
}

/** Names of the values (not types) a declaration file exports, sorted. */
function declaredValues(dtsPath) {
  const program = ts.createProgram([dtsPath], { module: ts.ModuleKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(dtsPath);
  if (!file) fail(`${dtsPath} is missing from the installed package`);
  const module = checker.getSymbolAtLocation(file);
  if (!module) fail(`${dtsPath} is not a module`);
  return checker.getExportsOfModule(module)
    .filter((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias
        ? checker.getAliasedSymbol(symbol)
        : symbol;
      return (target.flags & ts.SymbolFlags.Value) !== 0;
    })
    .map((symbol) => symbol.name)
    .sort();
}

function importCheck(expected) {
  return `import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const expected = ${JSON.stringify(expected, null, 2)};
for (const [specifier, names] of Object.entries(expected)) {
  const where = fileURLToPath(import.meta.resolve(specifier));
  assert.ok(where.startsWith(process.cwd() + "/node_modules/"), specifier + " resolved to " + where);
  const mod = await import(specifier);
  assert.deepEqual(Object.keys(mod).sort(), names, specifier + ": run-time exports differ from the .d.ts");
  for (const name of names) assert.notEqual(mod[name], undefined, specifier + ": " + name + " is undefined");
  console.log("import " + specifier + ": " + names.length + " values, as declared");
}

if (expected[${JSON.stringify(pkg.name)}]) {
  const { getCurrentSpan, InMemorySpanProcessor, Tracer } = await import(${
    JSON.stringify(pkg.name)
  });
  const memory = new InMemorySpanProcessor();
  const tracer = new Tracer({ name: "smoke", processors: [memory] });
  await tracer.span("request", async (request) => {
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(getCurrentSpan(), request, "the current span follows await");
    tracer.startSpan("query").end();
  });
  const [query, request] = memory.spans;
  assert.equal(query.context.parentSpanId, request.context.spanId);
  console.log("a traced request with a child span after await records 2 spans, parented");
}
`;
}

function typeCheck(specifiers) {
  const core = pkg.name;
  const namespaces = specifiers.map((s, i) => `import * as entry${i} from ${JSON.stringify(s)};`);
  return `${namespaces.join("\n")}
import { InMemorySpanProcessor, type Span, type SpanJSON, Tracer } from ${JSON.stringify(core)};

const memory = new InMemorySpanProcessor();
const tracer = new Tracer({ name: "smoke", processors: [memory] });
const answer: number = await tracer.span("work", async (span: Span) => {
  span.setAttribute("n", 1);
  return 42;
});
const json: SpanJSON = memory.spans[0]!.toJSON();

// @ts-expect-error a span name is a string: the types are real, not \`any\`
tracer.startSpan(42);
// @ts-expect-error an object is not an attribute value
tracer.startSpan("typed").setAttribute("user", { id: 7 });
// @ts-expect-error only the subpaths in "exports" can be imported
await import(${JSON.stringify(`${core}/mod.js`)});

export const used = [answer, json, ${specifiers.map((_, i) => `entry${i}`).join(", ")}];
`;
}

/**
 * The entries used as the README shows, for the strict consumer: each line
 * is one a user writes, and each must type-check as it is.
 */
function strictCheck() {
  const name = (subpath) => JSON.stringify(pkg.name + subpath);
  return `import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { InMemorySpanProcessor, SpanContext, Tracer } from ${name("")};
import { traceRequestListener } from ${name("/node")};

const tracer = new Tracer({ processors: [new InMemorySpanProcessor()] });
// node:http's listener, \`res\` annotated as the .d.ts advises, or both.
const inferred = createServer(traceRequestListener((req, res: ServerResponse) => {
  res.end(req.url);
}, { tracer }));
const annotated = createServer(
  traceRequestListener((req: IncomingMessage, res: ServerResponse) => res.end(req.method)),
);
// A context copied with one field changed, as SpanContext's constructor shows.
const ctx = new SpanContext({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" });
const copied = new SpanContext({ ...ctx, traceState: "congo=1" });
export const used = [inferred, annotated, copied];
`;
}

/**
 * `npx spans-viewer --port 0` in the installed project: the bin starts the
 * viewer, prints its URL, answers there, and stops on SIGTERM.
 */
async function smokeViewerBin() {
  const bin = join(app, "node_modules", ".bin", "spans-viewer");
  if (!existsSync(bin)) fail("the spans-viewer bin is not in node_modules/.bin");
  const child = spawn(bin, ["--port", "0"], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    const url = await new Promise((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`no URL after 60 s:\n${output}`)), 60_000);
      const read = (chunk) => {
        output += chunk;
        const match = /Trace viewer: (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on("data", read);
      child.stderr.on("data", read);
      exited.then((code) => reject(new Error(`spans-viewer exited (${code}):\n${output}`)));
    });
    const stats = await (await fetch(new URL("api/stats", url))).json();
    // Throw, never fail() (process.exit) in here: the catch must kill the child.
    if (stats.spans !== 0) throw new Error(`unexpected stats ${JSON.stringify(stats)}`);
    const page = await fetch(url);
    if (!(await page.text()).includes("spans viewer")) throw new Error("no page at its URL");
    child.kill("SIGTERM");
    const code = await exited;
    if (code !== 0) throw new Error(`exited with ${code} on SIGTERM`);
    console.log(
      `npx spans-viewer --port 0: listened at ${url}, served its page, stopped on SIGTERM`,
    );
  } catch (error) {
    child.kill("SIGKILL");
    fail(`spans-viewer: ${error.message}`);
  }
}

/**
 * Runs a command and returns its stdout; fails with its output otherwise, or
 * when it runs past `timeout` ms (killed then).
 */
function run(command, args, cwd, timeout = undefined) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout });
  if (result.status !== 0) {
    fail(
      `${command} ${args.join(" ")} failed in ${cwd}:\n${result.stdout}${result.stderr}` +
        (result.error ? `\n${result.error.message}` : ""),
    );
  }
  return result.stdout;
}

function writeJson(path, value) {
  writeFileSync(path, JSON.stringify(value, null, 2) + "\n");
}
