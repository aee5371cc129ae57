// Internal: a trace state in @opentelemetry/api's `TraceState` shape, backed
// by this library's grammar (W3C Trace Context Level 2 keys, this library's
// limits), with nothing imported. The spans this library shows to
// OpenTelemetry code (the ./otel bridge's, and Deno's built-in
// OpenTelemetry's view of the current span) carry it in `spanContext()`, so
// that code's propagators and child spans pass the trace state on. The API's
// own `createTraceState` follows an older grammar: it drops keys Level 2
// allows (`foo@`, `1vendor`), and a whole list over 512 characters, which a
// receiver must pass on.

import {
  isValidTraceStateKey,
  isValidTraceStateValue,
  scanTraceState,
  serializeTraceState,
  setTraceStateEntry,
  traceStateDrops,
} from "./_tracestate_grammar.ts";

/** @opentelemetry/api's `TraceState` interface. */
export interface OtelTraceStateLike {
  set(key: string, value: string): OtelTraceStateLike;
  unset(key: string): OtelTraceStateLike;
  get(key: string): string | undefined;
  serialize(): string;
}

/** A valid trace state (checked where it was set) as @opentelemetry/api's `TraceState`. */
export class OtelTraceStateView implements OtelTraceStateLike {
  readonly #serialized: string;
  #keys: readonly string[] | undefined;
  #values: readonly string[] = [];

  constructor(serialized: string, keys?: readonly string[], values?: readonly string[]) {
    this.#serialized = serialized;
    this.#keys = keys;
    if (values !== undefined) this.#values = values;
  }

  /** The keys, read from the serialized form the first time they are needed. */
  #entries(): readonly string[] {
    if (this.#keys !== undefined) return this.#keys;
    const keys: string[] = [];
    const values: string[] = [];
    // Valid where it was set; were it not, it reads as empty.
    const valid = scanTraceState(this.#serialized, keys, values) !== "invalid";
    this.#values = valid ? values : [];
    return this.#keys = valid ? keys : [];
  }

  set(key: string, value: string): OtelTraceStateLike {
    if (
      typeof key !== "string" || !isValidTraceStateKey(key) ||
      typeof value !== "string" || !isValidTraceStateValue(value)
    ) {
      // The API throws nothing: an entry the grammar refuses is left out, counted.
      traceStateDrops.count++;
      return this;
    }
    const [keys, values] = setTraceStateEntry(this.#entries(), this.#values, key, value);
    return new OtelTraceStateView(serializeTraceState(keys, values), keys, values);
  }

  unset(key: string): OtelTraceStateLike {
    const i = this.#entries().indexOf(key);
    if (i === -1) return this;
    const keys = this.#entries().toSpliced(i, 1);
    const values = this.#values.toSpliced(i, 1);
    return new OtelTraceStateView(serializeTraceState(keys, values), keys, values);
  }

  get(key: string): string | undefined {
    const i = this.#entries().indexOf(key);
    return i === -1 ? undefined : this.#values[i];
  }

  serialize(): string {
    return this.#serialized;
  }
}
