// The viewer's JSON-lines file under untrusted telemetry: who may read it,
// and how large it may grow while the viewer runs.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tracer } from "../mod.ts";
import { OtlpHttpExporter, Resource } from "../otlp.ts";
import { startViewer, type Viewer } from "../viewer.ts";

const IO = { timeout: 120_000 };
const isWindows = (globalThis as { process?: { platform?: string } }).process?.platform ===
  "win32";

async function send(viewer: Viewer, name: string): Promise<void> {
  const exporter = new OtlpHttpExporter({
    url: new URL("v1/traces", viewer.url).href,
    resource: new Resource({ "service.name": "files" }),
    env: {},
  });
  const span = new Tracer({ name: "files" }).startSpan(name).end();
  assert.equal((await exporter.export([span])).code, "success");
}

/** The names of the spans in a JSON-lines file of OTLP/JSON, line by line. */
function spanNames(file: string): string[] {
  const names: string[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    for (const rs of JSON.parse(line).resourceSpans) {
      for (const ss of rs.scopeSpans) for (const span of ss.spans) names.push(span.name);
    }
  }
  return names;
}

describe("the viewer's file", () => {
  test(
    `is readable and writable by its owner only, when written and when rewritten${
      isWindows ? " (not on Windows: no POSIX modes)" : ""
    }`,
    { ...IO, skip: isWindows },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "spans-viewer-"));
      const file = join(dir, "traces.jsonl");
      try {
        {
          await using viewer = await startViewer({ port: 0, file });
          for (let i = 0; i < 3; i++) await send(viewer, `t${i}`);
        }
        assert.equal((statSync(file).mode & 0o777).toString(8), "600", "appended");
        {
          // Holding fewer spans than the file has: it is rewritten on start.
          await using viewer = await startViewer({ port: 0, file, maxSpans: 1 });
          assert.equal(viewer.stats().evicted, 2);
        }
        assert.deepEqual(spanNames(file), ["t2"]);
        assert.equal((statSync(file).mode & 0o777).toString(8), "600", "rewritten");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test("stays within the viewer's bounds while it runs, not only when it starts", IO, async () => {
    const dir = mkdtempSync(join(tmpdir(), "spans-viewer-"));
    const file = join(dir, "traces.jsonl");
    try {
      {
        await using viewer = await startViewer({ port: 0, file, maxSpans: 2 });
        for (let i = 0; i < 20; i++) await send(viewer, `t${i}`);
        assert.deepEqual(viewer.stats(), { spans: 2, traces: 2, rejected: 0, evicted: 18 });
      }
      // What it held when it last compacted, and at most its bounds' worth since.
      const names = spanNames(file);
      assert.ok(names.length <= 2 * 2, `the file holds ${names.length} spans: ${names}`);
      assert.deepEqual(names.slice(-2), ["t18", "t19"]);
      await using viewer = await startViewer({ port: 0, file, maxSpans: 2 });
      const held = await (await fetch(new URL("api/traces", viewer.url))).json();
      assert.deepEqual(held.map((t: { name: string }) => t.name), ["t19", "t18"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
