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

  test("ticks started together run one after the other, and the clock never goes back", async () => {
    const time = new ManualTime(0);
    const fired: [string, number][] = [];
    time.setTimeout(() => fired.push(["at 50", time.now()]), 50);
    time.setTimeout(() => fired.push(["at 105", time.now()]), 105);
    const readings: number[] = [];
    const first = time.tick(100); // not awaited before the next one: a common slip
    const second = time.tick(10);
    const watch = (async () => {
      for (let i = 0; i < 20; i++) {
        readings.push(time.now());
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    })();
    await Promise.all([first, second, watch]);
    assert.equal(time.now(), 110);
    assert.deepEqual(fired, [["at 50", 50], ["at 105", 105]]);
    for (let i = 1; i < readings.length; i++) {
      assert.ok(readings[i] >= readings[i - 1], `went back: ${readings.join(", ")}`);
    }
  });

  test("a tick that would leave the clock no finite number is a RangeError", async () => {
    const time = new ManualTime(1);
    await assert.rejects(time.tick(Infinity), /^RangeError: Cannot tick/);
    await assert.rejects(time.tick(Number.MAX_VALUE * 2), /^RangeError: Cannot tick/);
    await time.tick(Number.MAX_VALUE / 2);
    await assert.rejects(time.tick(Number.MAX_VALUE), /^RangeError: Cannot tick/);
    assert.ok(Number.isFinite(time.now()));
  });

  test("setTimeout with no function is a TypeError at once, not when it fires", async () => {
    const time = new ManualTime(0);
    assert.throws(() => time.setTimeout("n++" as never, 1), /^TypeError: Cannot set timeout: /);
    assert.equal(time.pendingTimers, 0);
    await time.tick(5);
  });

  test("a timer that throws: the others still fire, the clock reaches the target, tick rejects", async () => {
    const time = new ManualTime(0);
    const fired: number[] = [];
    time.setTimeout(() => {
      throw new Error("first");
    }, 5);
    time.setTimeout(() => fired.push(time.now()), 6);
    time.setTimeout(() => {
      throw new Error("second");
    }, 7);
    time.setTimeout(() => fired.push(time.now()), 8);
    await assert.rejects(time.tick(10), /^Error: first$/);
    assert.deepEqual(fired, [6, 8]);
    assert.equal(time.now(), 10);
    assert.equal(time.pendingTimers, 0);
  });
});
