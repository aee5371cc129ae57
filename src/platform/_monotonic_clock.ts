// Internal: the clock intervals and deadlines read unless given one. It is
// systemClock's reading without the jumps that keep span times on the wall
// clock (see _wall_anchor.ts): an interval or a deadline is time that
// passed, as the runtime's timers count it, so a machine that slept through
// an export does not wake to find its deadline gone.

import type { Clock } from "./clock.ts";

const PERFORMANCE = performance;
const TIME_ORIGIN = performance.timeOrigin;

/** `performance.timeOrigin + performance.now()`: epoch-like, monotonic. */
export const monotonicClock: Clock = {
  now: () => TIME_ORIGIN + PERFORMANCE.now(),
};
