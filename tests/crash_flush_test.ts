import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runFixture } from "./_child_process.ts";
import { isBun } from "./_helpers.ts";

// tests/fixtures/crash_flush.ts: flushOnCrash, and what the runtime reports.

describe("flushOnCrash leaves the report to the runtime, as it would have been", () => {
  for (const mode of ["twice", "rejection-then-exception"]) {
    test(
      `${mode}: a second error during the flush neither hides the first nor cuts the flush short`,
      {
        timeout: 120_000,
      },
      async () => {
        const ran = await runFixture("crash_flush", [mode]);
        const output = `${ran.stdout}\n${ran.stderr}`;
        assert.equal(ran.code, 1, output);
        assert.match(ran.stderr, /FIRST root cause/, output);
        // The runtime would have ended at the first error, before the second.
        assert.doesNotMatch(ran.stderr, /SECOND consequence/, output);
        assert.match(ran.stdout, /^exported 1$/m, output);
      },
    );
  }

  // The error was thrown again one timer turn after the flush settled:
  // timers due by then ran first, as the runtime would never have let them,
  // and a span one of them ended was neither exported nor counted. Bun is
  // left out: after it reports a rejection (how the library hands the error
  // back there) it runs the callbacks already due before it exits, as it
  // does without the library, so such a span still ends, unexported.
  test(
    "late-timer: no span ends between the flush and the error thrown again, unexported",
    {
      timeout: 120_000,
      skip: isBun,
    },
    async () => {
      const ran = await runFixture("crash_flush", ["late-timer"]);
      const output = `${ran.stdout}\n${ran.stderr}`;
      assert.equal(ran.code, 1, output);
      assert.match(ran.stderr, /FIRST root cause/, output);
      const ended = ran.stdout.match(/^ended /gm)?.length ?? 0;
      const exported = [...ran.stdout.matchAll(/^exported (\d+)$/gm)]
        .reduce((sum, [, count]) => sum + Number(count), 0);
      assert.ok(ended >= 1, output);
      assert.equal(exported, ended, output);
    },
  );

  // `process.once` listeners added before ours are removed before ours is
  // called, unless ours is called first: the application still decides.
  for (const mode of ["handled", "handled-once-before"]) {
    test(
      `${mode}: with the application's own uncaughtException listener, the application decides`,
      {
        timeout: 120_000,
      },
      async () => {
        const ran = await runFixture("crash_flush", [mode]);
        const output = `${ran.stdout}\n${ran.stderr}`;
        assert.equal(ran.code, 0, output);
        assert.match(ran.stdout, /the application handled Error: FIRST root cause/, output);
        assert.match(ran.stdout, /^exported 1$/m, output);
        assert.doesNotMatch(ran.stderr, /FIRST root cause/, output);
      },
    );
  }
});
