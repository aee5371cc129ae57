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

// A connection that answers every request with one canned response.
function answering(response: string): Conn {
  let bytes: Uint8Array | undefined = new TextEncoder().encode(response);
  return {
    read: (buffer) => {
      if (bytes === undefined) return Promise.resolve(null);
      buffer.set(bytes);
      const n = bytes.length;
      bytes = undefined;
      return Promise.resolve(n);
    },
    write: (sent) => Promise.resolve(sent.length),
    close: () => {},
  };
}

test("localhost is tried at 127.0.0.1 and ::1 when the first address refuses, as fetch does", async () => {
  // Deno.connect takes the first address a name resolves to: here ::1,
  // while the collector listens on 127.0.0.1 only.
  for (const listening of ["127.0.0.1", "::1"]) {
    const tried: string[] = [];
    const deno: DenoNet = {
      connect: ({ hostname }) => {
        tried.push(hostname);
        return hostname === listening
          ? Promise.resolve(answering("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"))
          : Promise.reject(new Error(`connection refused (${hostname})`));
      },
      connectTls: () => Promise.reject(new Error("not used")),
    };
    const response = await socketFetch(deno, "http://localhost:4318/v1/traces", { method: "POST" });
    assert.equal(response.status, 200);
    assert.deepEqual(tried, [
      "localhost",
      ...(listening === "::1" ? ["127.0.0.1"] : []),
      listening,
    ]);
  }
});

test("another host that refuses is not tried again, and the first error is the one thrown", async () => {
  const tried: string[] = [];
  const deno: DenoNet = {
    connect: ({ hostname }) => {
      tried.push(hostname);
      return Promise.reject(new Error(`connection refused (${hostname})`));
    },
    connectTls: () => Promise.reject(new Error("not used")),
  };
  await assert.rejects(socketFetch(deno, "http://collector.test:4318/v1/traces"), {
    message: "connection refused (collector.test)",
  });
  assert.deepEqual(tried, ["collector.test"]);
  tried.length = 0;
  await assert.rejects(socketFetch(deno, "http://localhost:4318/v1/traces"), {
    message: "connection refused (localhost)",
  });
  assert.deepEqual(tried, ["localhost", "127.0.0.1", "::1"]);
});

// A connection that hands out `response` in reads of at most `piece` bytes.
function trickling(response: Uint8Array, piece: number): Conn {
  let at = 0;
  return {
    read: (buffer) => {
      if (at >= response.length) return Promise.resolve(null);
      const n = Math.min(piece, buffer.length, response.length - at);
      buffer.set(response.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
    write: (sent) => Promise.resolve(sent.length),
    close: () => {},
  };
}

function httpResponse(body: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(
    `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`,
  );
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

test("a body read in many small pieces arrives whole, up to past the exporter's 4 MiB limit", async () => {
  // One byte past the OTLP exporter's default limit must reach it, so that
  // the exporter sees the body is over the limit.
  const size = 4 * 1024 * 1024 + 1;
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i += 4093) body[i] = i % 251;
  const deno: DenoNet = {
    connect: () => Promise.resolve(trickling(httpResponse(body), 1000)),
    connectTls: () => Promise.reject(new Error("not used")),
  };
  const response = await socketFetch(deno, "http://collector.test:4318/v1/traces", {
    method: "POST",
  });
  const received = new Uint8Array(await response.arrayBuffer());
  assert.equal(received.length, size);
  assert.deepEqual(received, body);
});
