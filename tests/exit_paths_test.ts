import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ChildResult, runFixture } from "./_child_process.ts";
import { deferred, isBun, isDeno } from "./_helpers.ts";
import { Receiver } from "./_otlp_receiver.ts";

// Each exit path runs tests/fixtures/exit_paths.ts in a child process: a
// service traced with setupTracing ends 10 spans, then stops. A loopback
// OTLP receiver counts what arrived. The README's "Reliability" table is
// this test's output on the three runtimes.

const N = 10;
const runtime = isDeno ? "Deno" : isBun ? "Bun" : "Node";

/** How each path must end, and how many of the 10 spans it may lose. */
interface Expected {
  readonly lost: number;
  readonly code?: number;
  readonly signal?: string;
}

const paths: [string, Expected, string?][] = [
  ["normal", { lost: 0, code: 0 }],
  // Both end the process at once, with no event a flush could wait in.
  ["process.exit", { lost: N, code: 0 }],
  ["Deno.exit", { lost: N, code: 0 }, isDeno ? undefined : "(Deno only)"],
  ["uncaught", { lost: 0, code: 1 }],
  ["unhandled-rejection", { lost: 0, code: 1 }],
  ["SIGTERM", { lost: 0, signal: "SIGTERM" }],
  ["SIGINT", { lost: 0, signal: "SIGINT" }],
  ["SIGTERM-handled", { lost: 0, code: 0 }],
  ["SIGINT-handled", { lost: 0, code: 0 }],
];

/**
 * Runs one path; a signal path gets its signal, once, when the child says it
 * is ready, and then `onSignalled` is called.
 */
function run(receiver: Receiver, path: string, onSignalled = () => {}): Promise<ChildResult> {
  let signalled = false;
  return runFixture("exit_paths", [receiver.url, path], {
    onStdout(stdout, kill) {
      if (signalled || !path.startsWith("SIG") || !/^ready$/m.test(stdout)) return;
      signalled = true;
      kill(path.startsWith("SIGINT") ? "SIGINT" : "SIGTERM");
      onSignalled();
    },
  });
}

describe(`exit paths on ${runtime}: spans lost of ${N}, with setupTracing`, () => {
  const table: string[] = [];
  after(() => console.log(`exit paths on ${runtime}:\n${table.join("\n")}`));

  for (const [path, expected, skip] of paths) {
    test(`${path}: ${expected.lost} of ${N} lost ${skip ?? ""}`, {
      timeout: 120_000,
      skip: skip !== undefined,
    }, async () => {
      const receiver = await Receiver.start();
      try {
        const ran = await run(receiver, path);
        const lost = N - receiver.jsonSpans().length;
        table.push(`${path}: ${lost} of ${N} lost (code ${ran.code}, signal ${ran.signal})`);
        const output = `${ran.stdout}\n${ran.stderr}`;
        assert.equal(lost, expected.lost, output);
        if (expected.signal !== undefined) {
          assert.equal(ran.signal, expected.signal, `ended by ${expected.signal}: ${output}`);
        } else {
          assert.equal(ran.signal, null, output);
          assert.equal(ran.code, expected.code, output);
        }
        if (path === "uncaught" || path === "unhandled-rejection") {
          assert.match(ran.stderr, /boom/, "the runtime reported the error");
          // With the stack the error was made with: the application's line.
          assert.match(ran.stderr, /exit_paths\.[jt]s:\d+/, ran.stderr);
        }
        if (path.endsWith("-handled")) {
          // Once: the library did not send the signal again over the application's handler.
          assert.equal(ran.stdout.match(/the application's handler ran/g)?.length, 1, output);
        }
      } finally {
        await receiver.close();
      }
    });
  }
});

describe("the processors' flushOnSignal option, without setupTracing", () => {
  const cases: [string, string, number][] = [
    ["SIGTERM-batch", "BatchSpanProcessor with flushOnSignal exports every queued span", 0],
    [
      "SIGTERM-simple",
      "SimpleSpanProcessor with flushOnSignal waits for the exports queued behind a slow one",
      0,
    ],
    [
      "SIGTERM-batch-default",
      "BatchSpanProcessor without it (the default) loses its queue to SIGTERM",
      N,
    ],
  ];
  for (const [path, name, lost] of cases) {
    test(name, { timeout: 120_000 }, async () => {
      const receiver = await Receiver.start();
      // A collector that answers nothing until the signal has been sent, so
      // every export the child started before it is still in flight or
      // queued when the signal comes, however slowly the machine runs.
      const signalled = deferred();
      receiver.respond = () => signalled.promise.then(() => ({ status: 200 }));
      try {
        const ran = await run(receiver, path, signalled.resolve);
        const output = `${ran.stdout}\n${ran.stderr}`;
        assert.equal(N - receiver.jsonSpans().length, lost, output);
        assert.equal(ran.signal, "SIGTERM", output);
      } finally {
        await receiver.close();
      }
    });
  }
});

describe("a signal flush has a deadline", () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await Receiver.start();
    // A collector that never answers.
    receiver.respond = () => new Promise(() => {});
  });
  after(async () => {
    await receiver.close();
  });

  test("with a collector that never answers, SIGTERM still ends the process, of SIGTERM", {
    timeout: 120_000,
  }, async () => {
    const ran = await run(receiver, "SIGTERM-hanging");
    assert.equal(ran.signal, "SIGTERM", `${ran.stdout}\n${ran.stderr}`);
    assert.equal(receiver.requests.length, 1, "the flush was tried");
  });
});
