import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ManualTime } from "../testing.ts";

describe("ManualTime", () => {
  test("now() moves only with tick()", async () => {
    const time = new ManualTime(100);
    assert.equal(time.now(), 100);
    await time.tick(25);
    assert.equal(time.now(), 125);
  });

  test("fires due timers in time order, with now() at each timer's due time", async () => {
    const time = new ManualTime(0);
    const fired: [string, number][] = [];
    time.setTimeout(() => fired.push(["late", time.now()]), 30);
    time.setTimeout(() => fired.push(["early", time.now()]), 10);
    await time.tick(20);
    assert.deepEqual(fired, [["early", 10]]);
    await time.tick(20);
    assert.deepEqual(fired, [["early", 10], ["late", 30]]);
    assert.equal(time.pendingTimers, 0);
  });

  test("a timer scheduled by a timer fires in the same tick when due", async () => {
    const time = new ManualTime(0);
    const fired: number[] = [];
    time.setTimeout(() => {
      fired.push(time.now());
      time.setTimeout(() => fired.push(time.now()), 5);
    }, 5);
    await time.tick(10);
    assert.deepEqual(fired, [5, 10]);
  });

  test("promise callbacks started by a timer run before tick() resolves", async () => {
    const time = new ManualTime(0);
    let done = false;
    time.setTimeout(async () => {
      await Promise.resolve();
      await Promise.resolve();
      done = true;
    }, 1);
    await time.tick(1);
    assert.equal(done, true);
  });

  test("clearTimeout cancels", async () => {
    const time = new ManualTime(0);
    let fired = false;
    const handle = time.setTimeout(() => (fired = true), 1);
    time.clearTimeout(handle);
    await time.tick(5);
    assert.equal(fired, false);
  });

  test("bad arguments are RangeErrors", async () => {
    assert.throws(() => new ManualTime(NaN), /^RangeError: Cannot create ManualTime/);
    await assert.rejects(new ManualTime().tick(-1), /^RangeError: Cannot tick/);
  });
});
