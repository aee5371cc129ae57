/**
 * The process-wide default tracer: what instrumentation uses when it is not
 * given a tracer. `setupTracing()` sets it.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { warnOnce } from "../platform/_warn.ts";
import type { Span } from "../span/span.ts";
import { fanOutOf } from "./_fan_out_of.ts";
import type { SpanProcessor } from "./span_processor.ts";
import { type StartSpanOptions, Tracer } from "./tracer.ts";

let current: Tracer | undefined;

// The stand-in's one processor hands each span it started to the default
// tracer's processors as they are when the span ends, so instrumentation set
// up before the default still delivers its spans once there is one. It has
// no onStart: the stand-in starts spans itself only while there is no
// default (see StandInTracer), when no processor could be told.
const forwarder: SpanProcessor = {
  onEnd(span: Span): void {
    if (current !== undefined) {
      fanOutOf.get(current)?.onEnd(span);
      return;
    }
    warnOnce(
      "no-default-tracer",
      `span "${span.name}" was started without a tracer and no default tracer is set, so it ` +
        "goes nowhere (its context still propagates). Call setupTracing() or " +
        "setDefaultTracer(tracer), or pass { tracer }.",
    );
  },
  forceFlush(): Promise<void> {
    return current?.forceFlush() ?? Promise.resolve();
  },
  shutdown(): Promise<void> {
    return Promise.resolve();
  },
};

// Once there is a default, the stand-in starts its spans through it, so the
// default's sampler, limits, clock, ids and scope apply; until then it
// starts them itself and the forwarder hands them on when they end.
// (wrap goes through span.)
class StandInTracer extends Tracer {
  override startSpan(name: string, options?: StartSpanOptions): Span {
    return current === undefined
      ? super.startSpan(name, options)
      : current.startSpan(name, options);
  }

  override span<R>(
    name: string,
    optionsOrFn: StartSpanOptions | ((span: Span) => R),
    maybeFn?: (span: Span) => R,
  ): R {
    const run = (current === undefined ? super.span : current.span) as (
      name: string,
      optionsOrFn: StartSpanOptions | ((span: Span) => R),
      maybeFn?: (span: Span) => R,
    ) => R;
    return run.call(current ?? this, name, optionsOrFn, maybeFn);
  }
}

const standIn = new StandInTracer({ name: "@codomyrmex/spans", processors: [forwarder] });

/**
 * Returns the default tracer: the one given to {@linkcode setDefaultTracer}
 * (`setupTracing()` sets it), or else a stand-in. A tracer taken early, at
 * import time, before `setupTracing()` runs, keeps working: once a default
 * is set the stand-in starts its spans through it (its sampler, limits and
 * scope apply), and a span started before then goes to whatever default is
 * set by the time it ends. While there is none, the first span that ends
 * says so once with a warning.
 *
 * @returns The default tracer.
 *
 * @example
 * ```ts
 * import { getDefaultTracer, InMemorySpanProcessor, setDefaultTracer, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const early = getDefaultTracer(); // taken before any default is set
 * const memory = new InMemorySpanProcessor();
 * setDefaultTracer(new Tracer({ processors: [memory] }));
 * early.startSpan("still delivered").end();
 * assert.deepEqual(memory.spans.map((s) => s.name), ["still delivered"]);
 * setDefaultTracer(undefined);
 * ```
 */
export function getDefaultTracer(): Tracer {
  return current ?? standIn;
}

/**
 * Sets the default tracer that instrumentation uses when it is given none
 * (`instrumentFetch`, `traceHandler`, `traceRequestListener`); `undefined`
 * clears it, and so does the stand-in {@linkcode getDefaultTracer} returns
 * while none is set, so a default saved and put back is none again.
 *
 * @param tracer The new default.
 * @throws {TypeError} When `tracer` is neither a Tracer nor `undefined`.
 *
 * @example
 * ```ts
 * import { getDefaultTracer, setDefaultTracer, Tracer } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const tracer = new Tracer({ name: "shop" });
 * setDefaultTracer(tracer);
 * assert.equal(getDefaultTracer(), tracer);
 * setDefaultTracer(undefined);
 * assert.notEqual(getDefaultTracer(), tracer);
 * assert.throws(() => setDefaultTracer({} as Tracer), TypeError);
 *
 * const saved = getDefaultTracer(); // the stand-in: no default is set
 * setDefaultTracer(tracer);
 * setDefaultTracer(saved); // none again
 * assert.equal(getDefaultTracer(), saved);
 * ```
 */
export function setDefaultTracer(tracer: Tracer | undefined): void {
  if (tracer !== undefined && !(tracer instanceof Tracer)) {
    throw new TypeError(
      `Cannot set default tracer: expected a Tracer or undefined, got ${describe(tracer)}`,
    );
  }
  // The stand-in starts its spans through the default: as the default it
  // would start them through itself, for ever.
  current = tracer === standIn ? undefined : tracer;
}
