import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runFixture } from "./_child_process.ts";

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
