import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ChildResult, runSnippet, type Signal } from "./_child_process.ts";
import { isBun, isDeno } from "./_helpers.ts";

// The signal flush (flushOnSignal) in a child process, with the
// application's own handlers and with more than one signal. Deno and Bun
// only: on Node the suite runs the built package, which a snippet cannot
// import by a source URL.

const MOD = JSON.stringify(new URL("../mod.ts", import.meta.url).href);

/**
 * Runs `body` after a BatchSpanProcessor with flushOnSignal whose exporter
 * prints "exporting <n>" (or hangs forever, with `hang`) has one span queued
 * (`first` runs before the processor is made); `send` gets each new line of
 * stdout and returns the signal to send, if any.
 */
function runWithSignals(
  body: string,
  hang: boolean,
  send: (line: string) => Signal | undefined,
  first = "",
): Promise<ChildResult> {
  let seen = 0;
  return runSnippet(
    `
    import process from "node:process";
    const server = setInterval(() => {}, 1_000);
    ${first}
    const { BatchSpanProcessor, Tracer } = await import(${MOD});
    const batch = new BatchSpanProcessor((spans) => {
      console.log("exporting " + spans.length);
      ${hang ? "return new Promise(() => {});" : ""}
    }, {
      flushOnSignal: true,
      flushOnExit: false,
      exportTimeoutMs: 120_000,
      signalFlushTimeoutMs: 120_000,
    });
    const tracer = new Tracer({ processors: [batch] });
    tracer.startSpan("queued").end();
    ${body}
    console.log("ready");
    `,
    {
      // Bounds the test: a child still running then is killed with SIGKILL.
      timeoutMs: 30_000,
      onStdout(stdout, kill) {
        const lines = stdout.split("\n");
        // Only complete lines, each once.
        for (; seen < lines.length - 1; seen++) {
          const signal = send(lines[seen]);
          if (signal !== undefined) kill(signal);
        }
      },
    },
  );
}

describe(
  "flushOnSignal (Deno and Bun only: Node runs the built package, which these child snippets cannot import)",
  { skip: !isDeno && !isBun },
  () => {
    const onceHandler = `
    process.once("SIGTERM", () => {
      console.log("the application's handler ran");
      // Its own graceful shutdown takes a moment (closing connections).
      setTimeout(() => {
        clearInterval(server);
        console.log("graceful shutdown done");
      }, 300);
    });
  `;
    for (const before of [false, true]) {
      // Deno calls signal listeners in the order they were added, whatever
      // prependListener asks: a once handler added earlier is gone by then.
      test(
        `an application handler added with process.once ${
          before ? "before" : "after"
        } the processor still decides when the process ends${
          before && isDeno ? " (not on Deno)" : ""
        }`,
        {
          timeout: 120_000,
          skip: before && isDeno,
        },
        async () => {
          const ran = await runWithSignals(
            before ? "" : onceHandler,
            false,
            (line) => line === "ready" ? "SIGTERM" : undefined,
            before ? onceHandler : "",
          );
          const output = `${ran.stdout}\n${ran.stderr}`;
          assert.match(ran.stdout, /^exporting 1$/m, output);
          assert.match(ran.stdout, /the application's handler ran/, output);
          assert.equal(ran.signal, null, `the application decides, not the library: ${output}`);
          assert.equal(ran.code, 0, output);
          assert.match(ran.stdout, /graceful shutdown done/, output);
        },
      );
    }

    test("a second signal of another kind during the flush ends the wait", {
      timeout: 120_000,
    }, async () => {
      // SIGTERM starts a flush whose export never answers; Ctrl+C then.
      const ran = await runWithSignals(
        "",
        true,
        (line) => line === "ready" ? "SIGTERM" : line === "exporting 1" ? "SIGINT" : undefined,
      );
      const output = `${ran.stdout}\n${ran.stderr}`;
      assert.match(ran.stdout, /^exporting 1$/m, output);
      assert.notEqual(ran.signal, "SIGKILL", `the test had to kill it: ${output}`);
      assert.equal(ran.signal, "SIGINT", output);
    });

    test("the same signal twice during the flush ends the wait", { timeout: 120_000 }, async () => {
      const ran = await runWithSignals(
        "",
        true,
        (line) => line === "ready" ? "SIGTERM" : line === "exporting 1" ? "SIGTERM" : undefined,
      );
      const output = `${ran.stdout}\n${ran.stderr}`;
      assert.match(ran.stdout, /^exporting 1$/m, output);
      assert.equal(ran.signal, "SIGTERM", output);
    });
  },
);
