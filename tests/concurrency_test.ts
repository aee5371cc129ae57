import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import {
  getCurrentSpan,
  InMemorySpanProcessor,
  setCurrentSpan,
  type Span,
  Tracer,
} from "../mod.ts";
import { traceRequestListener } from "../node.ts";
import { serveNode } from "./_loopback_server.ts";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("async safety", () => {
  test("1,000 concurrent tasks three spans deep: every parent is right and nothing leaks", {
    timeout: 120_000,
  }, async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const leaks: string[] = [];
    const check = (expected: Span, where: string) => {
      if (getCurrentSpan() !== expected) leaks.push(`${expected.name} ${where}`);
    };
    await Promise.all(
      Array.from(
        { length: 1000 },
        (_, task) =>
          tracer.span(`task-${task}`, { parent: null }, async (top) => {
            top.setAttribute("task", task);
            await pause(task % 3);
            check(top, "after first await");
            await tracer.span(`task-${task}/mid`, async (mid) => {
              mid.setAttribute("task", task);
              await pause((task * 7) % 4);
              check(mid, "mid");
              await tracer.span(`task-${task}/mid/leaf`, async (leaf) => {
                leaf.setAttribute("task", task);
                await Promise.resolve();
                await pause(task % 2);
                check(leaf, "leaf");
              });
              check(mid, "after leaf");
            });
            check(top, "after mid");
          }),
      ),
    );
    assert.deepEqual(leaks, []);
    assert.equal(getCurrentSpan(), undefined);
    const spans = memory.spans;
    assert.equal(spans.length, 3000);
    const byId = new Map(spans.map((s) => [s.context.spanId, s]));
    const traces = new Set(spans.map((s) => s.context.traceId));
    assert.equal(traces.size, 1000, "each task is its own trace");
    for (const span of spans) {
      const task = span.attributes.task;
      const depth = span.name.split("/").length;
      if (depth === 1) {
        assert.equal(span.context.parentSpanId, undefined);
        continue;
      }
      const parent = byId.get(span.context.parentSpanId!);
      assert.ok(parent, `${span.name} has its parent among the spans`);
      assert.equal(parent.attributes.task, task, `${span.name} is parented within its own task`);
      assert.equal(parent.context.traceId, span.context.traceId);
      assert.equal(parent.name.split("/").length, depth - 1);
    }
  });

  test(
    "node:http under keep-alive, concurrent requests on a few connections: each request sees only its own spans, and a setCurrentSpan in one never reaches the next on its connection",
    {
      timeout: 120_000,
    },
    async () => {
      const memory = new InMemorySpanProcessor();
      const tracer = new Tracer({ processors: [memory] });
      const leaks: string[] = [];
      const check = (expected: Span | undefined, where: string) => {
        const current = getCurrentSpan();
        if (current !== expected) {
          leaks.push(
            `${where}: ${current?.name} ${current?.attributes["url.path"] ?? ""}`,
          );
        }
      };
      const server = await serveNode(traceRequestListener(async (req, res) => {
        const path = req.url!;
        const serverSpan = getCurrentSpan();
        if (serverSpan?.attributes["url.path"] !== path) {
          leaks.push(`${path} started in ${serverSpan?.attributes["url.path"]}`);
        }
        // enterWith semantics: lasts until the request's own context ends.
        const own = tracer.startSpan(`own ${path}`);
        setCurrentSpan(own);
        // Listeners on req and res run in the request's context: its server span.
        req.on("data", () => check(serverSpan, `${path} data`));
        await new Promise((resolve) => req.on("end", resolve));
        await pause(path.length % 4);
        check(own, `${path} after await`);
        tracer.startSpan(`child ${path}`).end();
        res.on("finish", () => check(serverSpan, `${path} finish`));
        res.end("ok");
        own.end();
      }, { tracer }));
      const agent = new Agent({ keepAlive: true, maxSockets: 3 });
      const post = (path: string) =>
        new Promise<void>((resolve, reject) => {
          const req = request(`${server.url}${path.slice(1)}`, { agent, method: "POST" }, (res) => {
            res.resume();
            res.on("end", resolve);
          });
          req.on("error", reject);
          req.end("body");
        });
      try {
        for (let round = 0; round < 4; round++) {
          await Promise.all(
            Array.from({ length: 9 }, (_, i) => post(`/r${round}/${"x".repeat(i)}`)),
          );
        }
      } finally {
        agent.destroy();
        await server.close();
      }
      assert.deepEqual(leaks, []);
      const byId = new Map(memory.spans.map((s) => [s.context.spanId, s]));
      const children = memory.spans.filter((s) => s.name.startsWith("child "));
      assert.equal(children.length, 36);
      for (const child of children) {
        const path = child.name.slice("child ".length);
        const own = byId.get(child.context.parentSpanId!);
        assert.equal(own?.name, `own ${path}`);
        const server = byId.get(own.context.parentSpanId!);
        assert.equal(server?.kind, "server");
        assert.equal(server.attributes["url.path"], path);
      }
    },
  );
});
