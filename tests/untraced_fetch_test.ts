// The plain-socket fetch that exports use under Deno's built-in
// OpenTelemetry, driven through a stand-in for Deno's sockets, so the cases
// real sockets cannot stage on demand run on every runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Conn, type DenoNet, socketFetch } from "../src/platform/_untraced_fetch.ts";

test("a deadline that passes while connecting sends nothing and rejects with its reason", async () => {
  const written: Uint8Array[] = [];
  let closed = false;
  const controller = new AbortController();
  const conn: Conn = {
    read: () => new Promise<number | null>(() => {}),
    write: (bytes) => {
      written.push(bytes);
      return Promise.resolve(bytes.length);
    },
    close: () => void (closed = true),
  };
  const deno: DenoNet = {
    // The connection comes up only after the deadline has passed.
    connect: () => {
      controller.abort(new DOMException("deadline", "TimeoutError"));
      return Promise.resolve(conn);
    },
    connectTls: () => Promise.reject(new Error("not used")),
  };
  await assert.rejects(
    socketFetch(deno, "http://collector.test:4318/v1/traces", {
      method: "POST",
      body: new Uint8Array([1, 2, 3]),
      signal: controller.signal,
    }),
    { name: "TimeoutError" },
  );
  assert.deepEqual(written, [], "no request went out after the deadline");
  assert.equal(closed, true, "the connection was closed");
});
