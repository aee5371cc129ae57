// Internal: how the system clock keeps up with the wall clock.
//
// Span times are epoch milliseconds that another service's spans are laid
// beside, so they must follow the wall clock. `performance.timeOrigin +
// performance.now()` does only at first: the monotonic clock stops while the
// machine sleeps, a VM is paused or a snapshot waits to be restored, and the
// wall clock does not, so every span after a resume would be stamped in the
// past by that long (the OpenTelemetry SDK's spans read `Date.now()` at
// their start). Between corrections readings stay on the monotonic clock:
// exact differences, never backwards.
//
// A correction is forward only. When the wall clock is set back, following
// it would make readings go backwards, and a span that straddled it end
// before it started; readings stay on the monotonic clock instead, as they
// did before. Intervals and deadlines read the monotonic clock without these
// jumps (_monotonic_clock.ts).

/** How often, in monotonic milliseconds, the wall clock is compared. */
export const WALL_CHECK_EVERY_MS = 1_000;

/**
 * How far, in milliseconds, the wall clock may run ahead before readings
 * follow it. `Date.now()` counts whole milliseconds, so one reading of it
 * may be up to 1 ms behind the truth; less than this is never a drift.
 */
export const WALL_TOLERANCE_MS = 5;

/**
 * A monotonic reading made to follow the wall clock forward. `monotonic` is
 * `performance.now()` and `wall` is `Date.now()` in the library; tests pass
 * their own. The system clock (clock.ts) inlines {@linkcode WallAnchor.now}:
 * it is read three times a span.
 */
export class WallAnchor {
  /** Epoch milliseconds at monotonic 0: a reading is this plus it. */
  offset: number;
  /** The monotonic time at or after which a reading compares the clocks. */
  nextCheck: number;
  readonly #monotonic: () => number;
  readonly #wall: () => number;

  constructor(monotonic: () => number, wall: () => number, origin: number) {
    this.#monotonic = monotonic;
    this.#wall = wall;
    this.offset = origin;
    this.nextCheck = monotonic() + WALL_CHECK_EVERY_MS;
  }

  /** Epoch milliseconds now: never less than a reading before. */
  now(): number {
    const mono = this.#monotonic();
    return mono < this.nextCheck ? this.offset + mono : this.checked(mono);
  }

  /**
   * Epoch milliseconds of `reading`, a `performance.now()`-style reading of
   * the monotonic clock, as {@linkcode WallAnchor.now} would have given it.
   */
  epochOf(reading: number): number {
    this.now();
    return this.offset + reading;
  }

  /**
   * The reading at monotonic time `mono`, once `nextCheck` has come:
   * compares the clocks first (once a second at most).
   */
  checked(mono: number): number {
    this.nextCheck = mono + WALL_CHECK_EVERY_MS;
    const wall = this.#wall();
    // A reading pair split by a pause (the thread descheduled between the
    // two calls) would look like a drift: it is left for the next check.
    const after = this.#monotonic();
    if (after - mono <= 1) {
      const drift = wall - (this.offset + mono);
      if (drift > WALL_TOLERANCE_MS) this.offset += drift;
    }
    return this.offset + mono;
  }
}

/** The system clock's anchor: `performance.now()` kept up with `Date.now()`. */
export const systemAnchor: WallAnchor = new WallAnchor(
  () => performance.now(),
  Date.now,
  performance.timeOrigin,
);
