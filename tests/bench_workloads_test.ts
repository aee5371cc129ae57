import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { allWorkloads, check, releaseOtelContext } from "../bench/_workloads.ts";

// Divisible by 3 (the nested workloads build trees of three) and spans more
// than one yield interval and more than one batch.
const N = 384;

describe("batch-flush benchmark workloads", () => {
  after(() => releaseOtelContext());

  for (const workload of allWorkloads()) {
    test(`${workload.key} delivers exactly n spans to its counting exporter, run after run`, async () => {
      await workload.run(N);
      assert.equal(workload.exported, N);
      await workload.run(N);
      assert.equal(workload.exported, 2 * N);
    });
  }

  test("check() throws when an exporter received fewer or more spans than were sent", () => {
    assert.throws(() => check("ours", 10, 9), /exported 9 of 10 spans/);
    assert.throws(() => check("ours", 10, 11), /exported 11 of 10 spans/);
    check("ours", 10, 10);
  });
});
