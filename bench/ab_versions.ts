/**
 * Before/after, in one process: the lifecycle workload of `bench/compare.ts`
 * ("flat"), lighter trees three spans deep than its nested ones (one
 * attribute on the outer span, one event on the inner: "nested", and with
 * awaits, "async"), and the end-to-end workload of `bench/e2e_compare.ts`
 * (to OTLP protobuf, batches of 512; "e2e"), run alternately in rounds
 * against two copies of this library, so that load on a shared machine hits
 * both alike.
 *
 * One commit against itself measured up to 3-9% apart on Deno and Node,
 * depending on which copy the process loaded first. So it runs twice, in two
 * child processes: before loaded first, then after loaded first. Each prints
 * the median of its per-round ratios, and the result is their geometric
 * mean, in which a bias of the order cancels.
 * Prints the median ns per span of each and those ratios. Each copy's OTLP
 * entry is found next to the mod file given.
 *
 * Make the "before" copy from a commit (`git archive <rev> | tar -x -C
 * /tmp/base`, with node_modules linked in; `node scripts/build_npm.mjs` there
 * for Node), then:
 *
 * ```sh
 * deno run -A bench/ab_versions.ts file:///tmp/base/mod.ts file://$PWD/mod.ts
 * bun bench/ab_versions.ts /tmp/base/mod.ts $PWD/mod.ts
 * tsc -p bench/tsconfig.node.json && node .tmp/bench-node/bench/ab_versions.js /tmp/base/npm/mod.js $PWD/npm/mod.js
 * ```
 *
 * @module
 */

import { interleavedRounds, median, runtimeName } from "./_runtime.ts";

type Library = typeof import("../mod.ts");
type Otlp = typeof import("../otlp.ts");

const SPANS = 96_000;
const ROUNDS = 15;
const WARMUP = 3;
const YIELD_EVERY = 64;

const g = globalThis as {
  Deno?: { args: string[]; execPath(): string };
  process?: { argv: string[]; execPath: string };
};
// A third argument picks workloads: "flat,e2e" (default: all four). A fourth,
// "before-first" or "after-first", runs one order here (a child's part).
const [beforeUrl, afterUrl, pick, order] = g.Deno?.args ?? g.process!.argv.slice(2);
if (beforeUrl === undefined || afterUrl === undefined) {
  throw new TypeError("Cannot compare: give the before and after mod.ts (or npm/mod.js) paths");
}
const names = ["flat", "nested", "async", "e2e"];
const picked = pick === undefined || pick === "" ? names : pick.split(",");
const unknown = picked.filter((name) => !names.includes(name));
if (unknown.length > 0) {
  throw new TypeError(
    `Cannot compare: no workload named ${unknown.join(", ")}; pick from ${names.join(", ")}`,
  );
}
if (order !== undefined && order !== "before-first" && order !== "after-first") {
  throw new TypeError(
    `Cannot compare: the order must be before-first or after-first, got ${order}`,
  );
}

/** What one order's child prints, as its last line. */
interface OrderResult {
  runtime: string;
  workloads: Record<string, { before: number; after: number; ratio: number }>;
}

type Immediate = (fn: () => void) => unknown;
const setImmediateFn = (globalThis as { setImmediate?: Immediate }).setImmediate;
const tick = (): Promise<void> =>
  new Promise((resolve) =>
    setImmediateFn === undefined ? setTimeout(resolve, 0) : setImmediateFn(resolve)
  );

function pipeline(lib: Library) {
  let exported = 0;
  const processor = new lib.BatchSpanProcessor({
    export(spans) {
      exported += spans.length;
      return { code: "success" } as const;
    },
  }, { maxBatchSize: 100, flushOnExit: false });
  const tracer = new lib.Tracer({ name: "bench", processors: [processor] });
  const check = async (from: number) => {
    await processor.forceFlush();
    if (exported - from !== SPANS) throw new Error(`Cannot trust the run: lost spans`);
  };
  return { tracer, check, exported: () => exported };
}

function flat(lib: Library): () => Promise<void> {
  const { tracer, check, exported } = pipeline(lib);
  return async () => {
    const from = exported();
    for (let i = 1; i <= SPANS; i++) {
      tracer.startSpan("GET /items", {
        attributes: { "http.request.method": "GET", "http.response.status_code": 200 },
      }).addEvent("response.sent").end();
      if (i % YIELD_EVERY === 0) await tick();
    }
    await check(from);
  };
}

function nested(lib: Library): () => Promise<void> {
  const { tracer, check, exported } = pipeline(lib);
  return async () => {
    const from = exported();
    for (let i = 1; i <= SPANS / 3; i++) {
      tracer.span("a", (a) => {
        a.setAttribute("k", 1);
        tracer.span("b", () => tracer.span("c", (c) => c.addEvent("e")));
      });
      if (i % 21 === 0) await tick();
    }
    await check(from);
  };
}

// bench/compare.ts's nested workload with awaits: an await before each
// child and inside the innermost.
function nestedAsync(lib: Library): () => Promise<void> {
  const { tracer, check, exported } = pipeline(lib);
  const pause = () => Promise.resolve();
  return async () => {
    const from = exported();
    for (let i = 1; i <= SPANS / 3; i++) {
      await tracer.span("a", async (a) => {
        a.setAttribute("k", 1);
        await pause();
        await tracer.span("b", async () => {
          await pause();
          await tracer.span("c", async (c) => {
            await pause();
            c.addEvent("e");
          });
        });
      });
      if (i % 21 === 0) await tick();
    }
    await check(from);
  };
}

// bench/e2e_compare.ts's span: four attributes (one of them unique) and an
// event, batches of 512, encoded to protobuf whose length is read.
function e2e(lib: Library, otlp: Otlp): () => Promise<void> {
  let exported = 0;
  let bytes = 0;
  const options = {
    resource: new otlp.Resource({ "service.name": "checkout", "service.version": "1.4.2" }),
  };
  const processor = new lib.BatchSpanProcessor((spans) => {
    bytes += otlp.encodeOtlpProtobuf(spans, options).length;
    exported += spans.length;
  }, { maxBatchSize: 512, flushOnExit: false });
  const tracer = new lib.Tracer({ name: "shop", version: "1.0.0", processors: [processor] });
  return async () => {
    const from = exported;
    const fromBytes = bytes;
    for (let i = 1; i <= SPANS; i++) {
      tracer.startSpan("GET /items/:id", {
        kind: "server",
        attributes: {
          "http.request.method": "GET",
          "http.route": "/items/:id",
          "http.response.status_code": 200,
          "app.item.id": i,
        },
      }).addEvent("response.sent").end();
      if (i % YIELD_EVERY === 0) await tick();
    }
    await processor.forceFlush();
    if (exported - from !== SPANS || bytes === fromBytes) {
      throw new Error(`Cannot trust the run: lost spans`);
    }
  };
}

// Each copy has an AsyncLocalStorage of its own. On Node every enabled one
// costs every promise, so a run switches the other copy's off and its own on,
// as in a service that loads one copy (runAlone in
// tests/fixtures/batch_flush_workloads.ts does the same for the SDK).
const ALONE = Symbol("alone");
function alone(lib: Library, other: Library, run: () => Promise<void>): () => Promise<void> {
  return () => {
    (other.getContextStorage() as { disable?: () => void }).disable?.();
    lib.withContext(lib.ROOT_CONTEXT.setValue(ALONE, true), () => {});
    return run();
  };
}

// Starts the two orders, each in a child process, and combines what they print.
async function combineOrders(): Promise<void> {
  const { execFileSync } = await import("node:child_process");
  const { fileURLToPath } = await import("node:url");
  const self = fileURLToPath(import.meta.url);
  const command = g.Deno !== undefined ? g.Deno.execPath() : g.process!.execPath;
  const prefix = g.Deno !== undefined ? ["run", "-A", self] : [self];
  const runOrder = (which: string): OrderResult => {
    const out = execFileSync(command, [...prefix, beforeUrl, afterUrl, picked.join(","), which], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    return JSON.parse(out.trim().split("\n").at(-1)!);
  };
  const first = runOrder("before-first");
  const second = runOrder("after-first");
  const lines = [
    `${first.runtime}: ${ROUNDS} rounds of ${SPANS} spans per workload, before loaded first and then after loaded first, each in a process of its own`,
  ];
  for (const workload of picked) {
    const a = first.workloads[workload];
    const b = second.workloads[workload];
    lines.push(
      `${workload}: before ${((a.before + b.before) / 2).toFixed(0)} ns/span, after ${
        ((a.after + b.after) / 2).toFixed(0)
      } ns/span, after/before ${Math.sqrt(a.ratio * b.ratio).toFixed(3)} (before first ${
        a.ratio.toFixed(3)
      }, after first ${b.ratio.toFixed(3)})`,
    );
  }
  console.log(lines.join("\n"));
}

// Measures one order in this process: the copy named first is loaded, and
// its workloads made, first. Prints the result as one JSON line.
async function measureOneOrder(afterFirst: boolean): Promise<void> {
  const loadFirst = afterFirst ? afterUrl : beforeUrl;
  const loadSecond = afterFirst ? beforeUrl : afterUrl;
  const firstLib: Library = await import(loadFirst);
  const secondLib: Library = await import(loadSecond);
  const before = afterFirst ? secondLib : firstLib;
  const after = afterFirst ? firstLib : secondLib;
  const otlpOf = (url: string): Promise<Otlp> => import(url.replace(/mod\.(ts|js)$/, "otlp.$1"));
  const firstOtlp = await otlpOf(loadFirst);
  const secondOtlp = await otlpOf(loadSecond);
  const beforeOtlp = afterFirst ? secondOtlp : firstOtlp;
  const afterOtlp = afterFirst ? firstOtlp : secondOtlp;

  // Each workload's copies are made in the order they were loaded.
  const makers: Record<string, (lib: Library, otlp: Otlp) => () => Promise<void>> = {
    flat: (lib) => flat(lib),
    nested: (lib) => nested(lib),
    async: (lib) => nestedAsync(lib),
    e2e: (lib, otlp) => e2e(lib, otlp),
  };
  const chosen: Record<string, () => Promise<void>> = {};
  for (const workload of picked) {
    const make = makers[workload];
    const ofBefore = alone(before, after, make(before, beforeOtlp));
    const ofAfter = alone(after, before, make(after, afterOtlp));
    if (afterFirst) {
      chosen[`${workload} after`] = ofAfter;
      chosen[`${workload} before`] = ofBefore;
    } else {
      chosen[`${workload} before`] = ofBefore;
      chosen[`${workload} after`] = ofAfter;
    }
  }
  const samples = await interleavedRounds(chosen, WARMUP, ROUNDS, (ms) => (ms * 1e6) / SPANS);
  const result: OrderResult = { runtime: runtimeName(), workloads: {} };
  for (const workload of picked) {
    const b = samples[`${workload} before`];
    const a = samples[`${workload} after`];
    result.workloads[workload] = {
      before: median(b),
      after: median(a),
      ratio: median(a.map((value, i) => value / b[i])),
    };
  }
  console.log(JSON.stringify(result));
}

if (order === undefined) await combineOrders();
else await measureOneOrder(order === "after-first");
