/**
 * Before/after, in one process: the lifecycle workload of `bench/compare.ts`
 * ("flat"), lighter trees three spans deep than its nested ones (one
 * attribute on the outer span, one event on the inner: "nested", and with
 * awaits, "async"), and the end-to-end workload of `bench/e2e_compare.ts`
 * (to OTLP protobuf, batches of 512; "e2e"), run alternately in rounds
 * against two copies of this library, so that load on a shared machine hits
 * both alike.
 * Prints the median ns per span of each and the median of the per-round
 * ratios. Each copy's OTLP entry is found next to the mod file given.
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
  Deno?: { args: string[] };
  process?: { argv: string[] };
};
// A third argument picks workloads: "flat,e2e" (default: all four).
const [beforeUrl, afterUrl, pick] = g.Deno?.args ?? g.process!.argv.slice(2);
if (beforeUrl === undefined || afterUrl === undefined) {
  throw new TypeError("Cannot compare: give the before and after mod.ts (or npm/mod.js) paths");
}
const before: Library = await import(beforeUrl);
const after: Library = await import(afterUrl);
const otlpOf = (url: string): Promise<Otlp> => import(url.replace(/mod\.(ts|js)$/, "otlp.$1"));
const beforeOtlp = await otlpOf(beforeUrl);
const afterOtlp = await otlpOf(afterUrl);

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

const runs: Record<string, () => Promise<void>> = {
  "flat before": flat(before),
  "flat after": flat(after),
  "nested before": nested(before),
  "nested after": nested(after),
  "async before": nestedAsync(before),
  "async after": nestedAsync(after),
  "e2e before": e2e(before, beforeOtlp),
  "e2e after": e2e(after, afterOtlp),
};
const names = ["flat", "nested", "async", "e2e"];
const picked = pick?.split(",") ?? names;
const unknown = picked.filter((name) => !names.includes(name));
if (unknown.length > 0) {
  throw new TypeError(
    `Cannot compare: no workload named ${unknown.join(", ")}; pick from ${names.join(", ")}`,
  );
}
const chosen = Object.fromEntries(
  Object.entries(runs).filter(([key]) => picked.includes(key.split(" ")[0])),
);
const samples = await interleavedRounds(chosen, WARMUP, ROUNDS, (ms) => (ms * 1e6) / SPANS);
const lines = [`${runtimeName()}: ${ROUNDS} rounds of ${SPANS} spans per workload, in one process`];
for (const workload of picked) {
  const b = samples[`${workload} before`];
  const a = samples[`${workload} after`];
  const ratio = median(a.map((value, i) => value / b[i]));
  lines.push(
    `${workload}: before ${median(b).toFixed(0)} ns/span, after ${
      median(a).toFixed(0)
    } ns/span, after/before (median of per-round ratios) ${ratio.toFixed(3)}`,
  );
}
console.log(lines.join("\n"));
