import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  InMemorySpanProcessor,
  Span,
  SpanContext,
  systemClock,
  Tracer,
} from "../mod.ts";
import { OtlpHttpExporter, Resource } from "../otlp.ts";
import { ManualTime } from "../testing.ts";
import { timeInputToMs } from "../src/span/_hrtime.ts";
import {
  systemAnchor,
  WALL_CHECK_EVERY_MS,
  WALL_TOLERANCE_MS,
  WallAnchor,
} from "../src/platform/_wall_anchor.ts";

// A machine whose two clocks the test moves: `mono` is performance.now(),
// `wall` is Date.now(). `gapPerRead` models a thread descheduled right after
// each reading of the monotonic clock, both clocks running on meanwhile.
class FakeMachine {
  mono = 50;
  wall = 1_700_000_000_000;
  gapPerRead = 0;
  monoReads = 0;
  wallReads = 0;
  readonly anchor: WallAnchor;

  constructor() {
    this.anchor = new WallAnchor(
      () => {
        this.monoReads++;
        const at = this.mono;
        this.run(this.gapPerRead);
        return at;
      },
      () => {
        this.wallReads++;
        return this.wall;
      },
      this.wall - this.mono,
    );
  }

  // Both clocks run together for `ms`, as they do while the machine is awake.
  run(ms: number): void {
    this.mono += ms;
    this.wall += ms;
  }
}

describe("the system clock follows the wall clock forward", () => {
  test("while both clocks agree, readings are the monotonic clock's, and the wall clock is read once a second at most", () => {
    const m = new FakeMachine();
    const first = m.anchor.now();
    assert.equal(first, m.wall);
    for (let i = 0; i < 5_000; i++) {
      m.run(1);
      assert.equal(m.anchor.now(), m.wall);
    }
    // 5 s of readings, one a millisecond: five comparisons.
    assert.equal(m.wallReads, 5_000 / WALL_CHECK_EVERY_MS);
  });

  test("after a sleep the monotonic clock did not count, readings jump to the wall clock at the next check", () => {
    const m = new FakeMachine();
    m.run(10);
    const before = m.anchor.now();
    // Ten minutes asleep: the wall clock ran on, the monotonic one did not.
    m.wall += 600_000;
    m.run(1);
    assert.equal(m.anchor.now(), before + 1, "not yet compared: still the monotonic course");
    m.run(WALL_CHECK_EVERY_MS);
    assert.equal(m.anchor.now(), m.wall, "compared: on the wall clock again");
    m.run(7.25);
    assert.equal(
      m.anchor.now(),
      m.wall,
      "and it stays there, with the monotonic clock's fractions",
    );
  });

  test("when the wall clock is set back, readings keep the monotonic course and never go back", () => {
    const m = new FakeMachine();
    m.run(10);
    const before = m.anchor.now();
    m.wall -= 3_600_000;
    m.run(WALL_CHECK_EVERY_MS);
    assert.equal(m.anchor.now(), before + WALL_CHECK_EVERY_MS);
  });

  test(`a difference within ${WALL_TOLERANCE_MS} ms (Date.now()'s whole milliseconds) is not a drift`, () => {
    const m = new FakeMachine();
    m.wall += WALL_TOLERANCE_MS;
    m.run(WALL_CHECK_EVERY_MS);
    assert.equal(m.anchor.now(), m.wall - WALL_TOLERANCE_MS);
    m.wall += 1;
    m.run(WALL_CHECK_EVERY_MS);
    assert.equal(m.anchor.now(), m.wall, "one more millisecond is");
  });

  test("a comparison split by a pause between its readings is left for the next check", () => {
    const m = new FakeMachine();
    m.run(WALL_CHECK_EVERY_MS);
    // Each monotonic read is now followed by a 20 ms pause: the wall clock,
    // read after the first, looks 20 ms ahead of it.
    m.gapPerRead = 20;
    const wallAtFirstRead = m.wall;
    assert.equal(m.anchor.now(), wallAtFirstRead, "not followed");
    m.gapPerRead = 0;
    m.wall += 600_000;
    m.run(WALL_CHECK_EVERY_MS);
    assert.equal(m.anchor.now(), m.wall, "a real drift at the next check is");
  });

  test("readings never decrease, whatever the wall clock does", () => {
    const m = new FakeMachine();
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    let last = -Infinity;
    let jumps = 0;
    for (let i = 0; i < 20_000; i++) {
      m.run(random() * 5);
      const r = random();
      if (r < 0.001) m.wall += random() * 100_000;
      else if (r < 0.002) m.wall -= random() * 100_000;
      const now = m.anchor.now();
      assert.ok(now >= last, `reading ${i}: ${now} < ${last}`);
      if (now - last > 50) jumps++;
      last = now;
    }
    assert.ok(jumps > 0, "the walk moved the wall clock forward at least once");
  });

  test("epochOf places a performance.now()-style reading where now() would have", () => {
    const m = new FakeMachine();
    m.wall += 600_000;
    m.run(WALL_CHECK_EVERY_MS);
    const reading = m.mono - 3;
    assert.equal(m.anchor.epochOf(reading), m.anchor.now() - 3);
  });

  test("systemClock reads the system's anchor, which starts at the process's time origin", () => {
    const before = systemAnchor.now();
    const reading = systemClock.now();
    const after = systemAnchor.now();
    assert.ok(before <= reading && reading <= after, `${before} ≤ ${reading} ≤ ${after}`);
    assert.ok(Math.abs(reading - Date.now()) < 60_000);
    const mono = performance.now();
    const epoch = systemAnchor.epochOf(mono);
    assert.ok(epoch >= performance.timeOrigin + mono, "never behind the monotonic course");
  });

  test("spans, and performance.now() readings given through ./otel, take the anchor's correction", () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const asleep = 600_000;
    const offset = systemAnchor.offset;
    // As if the machine had slept ten minutes and the check had just run:
    // synchronous, so nothing else reads the clock meanwhile.
    systemAnchor.offset = offset + asleep;
    try {
      const wallNow = Date.now();
      tracer.startSpan("after the sleep").end();
      const reading = timeInputToMs(performance.now())!;
      const start = memory.spans[0].startTime!;
      assert.ok(Math.abs(start - (wallNow + asleep)) < 1_000, `${start} vs ${wallNow + asleep}`);
      assert.ok(
        Math.abs(reading - (wallNow + asleep)) < 1_000,
        `${reading} vs ${wallNow + asleep}`,
      );
    } finally {
      systemAnchor.offset = offset;
    }
  });
});

// A machine that slept: systemClock jumps ten minutes ahead, as its check
// would after a resume. Restored after `fn`, which runs nothing else.
async function afterASleep<T>(fn: () => Promise<T>): Promise<T> {
  const offset = systemAnchor.offset;
  try {
    return await fn();
  } finally {
    systemAnchor.offset = offset;
  }
}
const SLEPT_MS = 600_000;
const resource = new Resource({ "service.name": "clock" });

describe("deadlines are time that passed, not the span clock's jumps", () => {
  test("an export whose machine slept mid-way still retries within its timeout", async () => {
    const calls: number[] = [];
    const exporter = new OtlpHttpExporter({
      env: {},
      resource,
      timeoutMs: 10_000,
      fetch: () => {
        calls.push(calls.length);
        if (calls.length === 1) {
          // The machine sleeps while the first request is out.
          systemAnchor.offset += SLEPT_MS;
          return Promise.resolve(
            new Response(null, { status: 503, headers: { "retry-after": "0" } }),
          );
        }
        return Promise.resolve(new Response(null, { status: 200 }));
      },
    });
    const result = await afterASleep(() => exporter.export([new Span("s").start().end()]));
    assert.equal(result.code, "success", result.error?.message);
    assert.equal(calls.length, 2);
  });

  test("a Retry-After date is read against the wall clock systemClock follows", async () => {
    const time = new ManualTime(0);
    const calls: number[] = [];
    const result = await afterASleep(async () => {
      systemAnchor.offset += SLEPT_MS;
      // The server's date: eight seconds after the (woken) wall clock's now.
      const retryAt = new Date(Math.ceil((systemClock.now() + 8_000) / 1000) * 1000);
      const exporter = new OtlpHttpExporter({
        env: {},
        resource,
        timeoutMs: 30_000,
        scheduler: time,
        fetch: () => {
          calls.push(calls.length);
          return Promise.resolve(
            calls.length === 1
              ? new Response(null, {
                status: 503,
                headers: { "retry-after": retryAt.toUTCString() },
              })
              : new Response(null, { status: 200 }),
          );
        },
      });
      const run = exporter.export([new Span("s").start().end()]);
      let done = false;
      void run.finally(() => done = true);
      for (let i = 0; i < 200 && !done; i++) {
        await time.tick(100);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return await run;
    });
    assert.equal(result.code, "success", result.error?.message);
    assert.equal(calls.length, 2);
    assert.ok(time.now() >= 1_000 && time.now() <= 9_100, `waited ${time.now()} ms`);
  });

  test("a batch processor's interval does not end because the span clock jumped", async () => {
    // The interval's timer runs on manual time; what the processor reads
    // when it fires says whether the interval has passed.
    const time = new ManualTime(0);
    const exported: number[] = [];
    const batch = new BatchSpanProcessor((spans) => void exported.push(spans.length), {
      flushIntervalMs: 60_000,
      scheduler: time,
      flushOnExit: false,
    });
    await afterASleep(async () => {
      batch.onEnd(new Span("s").start().end());
      systemAnchor.offset += SLEPT_MS;
      await time.tick(60_000);
    });
    assert.deepEqual(exported, [], "not a minute of the processor's clock has passed");
    await batch.shutdown();
    assert.deepEqual(exported, [1]);
  });

  test("the console's wait for a trace's root does not end because the span clock jumped", async () => {
    const time = new ManualTime(0);
    const written: string[] = [];
    const exporter = new ConsoleSpanExporter({
      write: (text) => void written.push(text),
      color: false,
      traceTimeoutMs: 60_000,
      scheduler: time,
    });
    const root = SpanContext.newRoot();
    await afterASleep(async () => {
      // A child whose root has not ended: the tree waits for it.
      exporter.export([new Span("child", root.child()).start().end()]);
      systemAnchor.offset += SLEPT_MS;
      await time.tick(60_000);
    });
    assert.deepEqual(written, [], "not a minute of the console's clock has passed");
    await exporter.shutdown();
    assert.equal(written.length, 1);
    assert.match(written[0], /child/);
  });
});
