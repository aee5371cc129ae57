// The viewer's JSON-lines file under untrusted telemetry: who may read it,
// and how large it may grow while the viewer runs.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tracer } from "../mod.ts";
import { encodeOtlpJson, OtlpHttpExporter, Resource } from "../otlp.ts";
import { startViewer, type Viewer } from "../viewer.ts";

const IO = { timeout: 120_000 };
const isWindows = (globalThis as { process?: { platform?: string } }).process?.platform ===
  "win32";

interface FileSpan {
  readonly name: string;
}

/** Each line of a JSON-lines file of OTLP/JSON, with its spans. */
function linesOf(file: string): { text: string; spans: FileSpan[] }[] {
  return readFileSync(file, "utf8").split("\n").filter((line) => line !== "").map((text) => ({
    text,
    spans: JSON.parse(text).resourceSpans.flatMap(
      (rs: { scopeSpans: { spans: FileSpan[] }[] }) => rs.scopeSpans.flatMap((ss) => ss.spans),
    ),
  }));
}

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
  return linesOf(file).flatMap((line) => line.spans.map((span) => span.name));
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

  test(
    `never writes through a link at its name, nor into a file that is not private${
      isWindows ? " (not on Windows: no POSIX modes or links)" : ""
    }`,
    { ...IO, skip: isWindows },
    async () => {
      // Whoever can write to the file's directory could point the name at a
      // file of theirs: the spans were appended there, through the link.
      const dir = mkdtempSync(join(tmpdir(), "spans-viewer-"));
      const file = join(dir, "traces.jsonl");
      const victim = join(dir, "victim.conf");
      const isLink = (path: string) => lstatSync(path).isSymbolicLink();
      try {
        writeFileSync(victim, "theirs\n", { mode: 0o644 });
        // A link there before the viewer starts: read, then replaced.
        symlinkSync(victim, file);
        {
          await using viewer = await startViewer({ port: 0, file });
          await send(viewer, "before");
        }
        assert.equal(readFileSync(victim, "utf8"), "theirs\n");
        assert.equal(isLink(file), false);
        assert.equal((statSync(file).mode & 0o777).toString(8), "600");
        // A link planted while it runs: the next append replaces it.
        {
          await using viewer = await startViewer({ port: 0, file });
          rmSync(file);
          symlinkSync(victim, file);
          await send(viewer, "while");
        }
        assert.equal(readFileSync(victim, "utf8"), "theirs\n");
        assert.equal(isLink(file), false);
        assert.deepEqual(spanNames(file).sort(), ["before", "while"]);
        // A file others can read: replaced by a private one as it starts.
        chmodSync(file, 0o644);
        {
          await using _ = await startViewer({ port: 0, file });
        }
        assert.equal((statSync(file).mode & 0o777).toString(8), "600");
        assert.deepEqual(spanNames(file).sort(), ["before", "while"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test(
    "counts what it appends by the line's own length when that is more than the store's estimate",
    IO,
    async () => {
      // A control character is one byte of protobuf and six of JSON
      // (\u0001): counted by the estimate, the lines appended since the last
      // rewrite reached twice maxBytes, and a file past 512 MiB could no
      // longer be read back.
      const dir = mkdtempSync(join(tmpdir(), "spans-viewer-"));
      const file = join(dir, "traces.jsonl");
      const maxBytes = 200_000;
      try {
        {
          await using viewer = await startViewer({ port: 0, file, maxBytes });
          for (let i = 0; i < 60; i++) await send(viewer, `s${i}` + "\u0001".repeat(5000));
        }
        const lines = linesOf(file);
        // Each request appended one line of one span; a rewrite writes many
        // spans a line. What follows the last rewrite stays within maxBytes.
        let appended = 0;
        for (let i = lines.length - 1; i >= 0 && lines[i].spans.length === 1; i--) {
          appended += lines[i].text.length + 1;
        }
        assert.ok(lines.some((line) => line.spans.length > 1), "it was rewritten");
        assert.ok(appended > 0 && appended <= maxBytes, `${appended} bytes appended since`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test(
    "reads its file back line by line: lines longer than a read, characters split by one",
    IO,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "spans-viewer-"));
      const file = join(dir, "traces.jsonl");
      // A name of two- and three-byte characters over 2 MiB (two ends of
      // 1 MiB reads in it: one of them inside a character); the last line has no
      // newline.
      const names = ["x" + "é€".repeat(500_000), "y" + "ü".repeat(10), "z"];
      // Written as JSON.stringify writes them: the characters as UTF-8 (the
      // encoder escapes them).
      const lines = names.map((name) =>
        JSON.stringify(JSON.parse(new TextDecoder().decode(
          encodeOtlpJson([new Tracer({ name: "files" }).startSpan(name).end()], {
            resource: new Resource({ "service.name": "files" }),
          }),
        )))
      );
      writeFileSync(file, `${lines[0]}\n\n${lines[1]}\n${lines[2]}`);
      try {
        await using viewer = await startViewer({ port: 0, file });
        const held = await (await fetch(new URL("api/traces", viewer.url))).json();
        assert.deepEqual(
          held.map((t: { name: string }) => t.name).sort(),
          [...names].sort(),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  test(
    "keeps an int64 past 2^53, bytes and an integral double as themselves, and loads lines of the old form as before",
    IO,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "spans-viewer-"));
      const file = join(dir, "traces.jsonl");
      const BIG = "9007199254740993"; // 2^53 + 1, which a number rounds to 2^53
      const request = (traceId: string, attributes: unknown[]) =>
        JSON.stringify({
          resourceSpans: [{
            resource: { attributes: [{ key: "service.name", value: { stringValue: "files" } }] },
            scopeSpans: [{
              spans: [{
                traceId,
                spanId: "b7ad6b7169203331",
                name: "typed",
                startTimeUnixNano: "1700000000000000000",
                endTimeUnixNano: "1700000000001000000",
                attributes,
              }],
            }],
          }],
        });
      const typed = [
        { key: "big", value: { intValue: BIG } },
        { key: "raw", value: { bytesValue: "AQID" } },
        { key: "three", value: { doubleValue: 3 } },
        {
          key: "list",
          value: {
            arrayValue: {
              values: [{ intValue: BIG }, { bytesValue: "/w==" }, { doubleValue: 2 }],
            },
          },
        },
      ];
      // What the viewer's API shows of them, received or loaded, old form or new.
      const shown = { big: BIG, raw: "AQID", three: 3, list: [BIG, "/w==", 2] };
      const typedTrace = "0af7651916cd43dd8448eb211c80319c";
      const oldTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
      const traceOf = async (viewer: Viewer, traceId: string) => {
        const response = await fetch(new URL(`api/traces/${traceId}`, viewer.url));
        assert.equal(response.status, 200);
        return await response.json();
      };
      try {
        let received;
        {
          await using viewer = await startViewer({ port: 0, file });
          const response = await fetch(new URL("v1/traces", viewer.url), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: request(typedTrace, typed),
          });
          assert.equal(response.status, 200);
          await response.body?.cancel();
          received = await traceOf(viewer, typedTrace);
          assert.deepEqual(received[0].attributes, shown);
        }
        const [line] = readFileSync(file, "utf8").split("\n");
        assert.deepEqual(
          JSON.parse(line).resourceSpans[0].scopeSpans[0].spans[0].attributes,
          typed,
          "as the file holds them",
        );
        // A line as the viewer wrote it before it kept these types.
        const old = [
          { key: "big", value: { stringValue: BIG } },
          { key: "raw", value: { stringValue: "AQID" } },
          { key: "three", value: { intValue: "3" } },
          {
            key: "list",
            value: {
              arrayValue: {
                values: [{ stringValue: BIG }, { stringValue: "/w==" }, { intValue: "2" }],
              },
            },
          },
        ];
        writeFileSync(file, readFileSync(file, "utf8") + request(oldTrace, old) + "\n");
        await using viewer = await startViewer({ port: 0, file });
        assert.deepEqual(viewer.stats(), { spans: 2, traces: 2, rejected: 0, evicted: 0 });
        assert.deepEqual(await traceOf(viewer, typedTrace), received, "loaded as received");
        assert.deepEqual((await traceOf(viewer, oldTrace))[0].attributes, shown, "the old form");
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
