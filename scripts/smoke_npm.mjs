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
// Run after `npm run build`: `node scripts/smoke_npm.mjs` (or `npm run smoke:npm`).
// KEEP_SMOKE=1 keeps the temporary project for a look.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { entryPoints, fail, npmDir, readJson, root, ts } from "./_npm_layout.mjs";

if (!existsSync(join(npmDir, "package.json"))) fail("npm/ is missing: run `npm run build` first");
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
writeJson(join(app, "tsconfig.json"), {
  compilerOptions: {
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2022",
    lib: ["es2022"],
    types: ["node"],
    typeRoots: [join(root, "node_modules", "@types")],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  },
  files: ["smoke.ts"],
});
run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "."], app);
console.log(`tsc --noEmit (nodenext): the public API of ${specifiers.length} entry point(s) types`);

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
// @ts-expect-error only the subpaths in "exports" can be imported
await import(${JSON.stringify(`${core}/mod.js`)});

export const used = [answer, json, ${specifiers.map((_, i) => `entry${i}`).join(", ")}];
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
    if (stats.spans !== 0) fail(`spans-viewer: unexpected stats ${JSON.stringify(stats)}`);
    const page = await fetch(url);
    if (!(await page.text()).includes("spans viewer")) fail("spans-viewer: no page at its URL");
    child.kill("SIGTERM");
    const code = await exited;
    if (code !== 0) fail(`spans-viewer exited with ${code} on SIGTERM`);
    console.log(
      `npx spans-viewer --port 0: listened at ${url}, served its page, stopped on SIGTERM`,
    );
  } catch (error) {
    child.kill("SIGKILL");
    fail(`spans-viewer: ${error.message}`);
  }
}

/** Runs a command and returns its stdout; fails with its output otherwise. */
function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
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
