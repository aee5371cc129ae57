// Internal: each Tracer's processor fan-out, for code in this layer that must
// hand spans to a tracer's processors without being that tracer.

import type { Span } from "../span/span.ts";
import type { ProcessorFanOut } from "./_processor_fan_out.ts";
import type { Tracer } from "./tracer.ts";

/** The fan-out of every Tracer, set by its constructor. */
export const fanOutOf: WeakMap<Tracer, ProcessorFanOut<Span>> = new WeakMap();
