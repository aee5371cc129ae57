// Internal: this library's Baggage and @opentelemetry/api's, each made from
// the other. The W3C propagator writes and reads the API's baggage with
// them, and the BridgeContextManager keeps the two baggage keys of the
// current context in step, so `withBaggage` reaches an instrumented client's
// headers and baggage an instrumented server extracted reaches
// `getBaggage()`. Conversions are remembered both ways, so a baggage that
// crosses and comes back is the same object, and a context already in step
// costs one WeakMap read.

import {
  type Baggage as OtelBaggage,
  type BaggageEntry as OtelBaggageEntry,
  baggageEntryMetadataFromString,
  propagation,
} from "@opentelemetry/api";
import { countDrop } from "../propagation/_drop_counts.ts";
import { Baggage } from "../propagation/baggage.ts";

/**
 * The API's baggage key: `createContextKey` is `Symbol.for`, so this is the
 * key `propagation.getBaggage` and `setBaggage` use.
 */
export const OTEL_BAGGAGE_KEY: symbol = Symbol.for("OpenTelemetry Baggage Key");

// The API's baggage to ours, and ours to the API's.
const ours = new WeakMap<object, Baggage>();
const theirs = new WeakMap<Baggage, OtelBaggage>();

/**
 * Whether `otel` (the API's baggage) and `baggage` (ours) are one baggage:
 * one was made from the other.
 */
export function sameBaggage(otel: unknown, baggage: Baggage): boolean {
  return typeof otel === "object" && otel !== null && ours.get(otel) === baggage;
}

/** The API's baggage for `baggage`. */
export function toOtelBaggage(baggage: Baggage): OtelBaggage {
  let otel = theirs.get(baggage);
  if (otel !== undefined) return otel;
  const entries: Record<string, OtelBaggageEntry> = {};
  for (const [key, entry] of baggage.entries()) {
    entries[key] = entry.metadata === undefined
      ? { value: entry.value }
      : { value: entry.value, metadata: baggageEntryMetadataFromString(entry.metadata) };
  }
  otel = propagation.createBaggage(entries);
  theirs.set(baggage, otel);
  ours.set(otel, baggage);
  return otel;
}

/**
 * Ours for the API's baggage `otel`. OpenTelemetry's baggage takes any key
 * and value; W3C's does not: an entry that cannot be written is left out
 * and counted in `propagationStats().baggage`, and a baggage whose entries
 * cannot be read at all is empty. Nothing is thrown.
 */
export function toOurBaggage(otel: OtelBaggage): Baggage {
  // Data under the API's key: anything that is no object is no baggage.
  if (typeof otel !== "object" || otel === null) return new Baggage();
  const known = ours.get(otel);
  if (known !== undefined) return known;
  let baggage = new Baggage();
  let entries: [string, OtelBaggageEntry][];
  try {
    entries = otel.getAllEntries();
    if (!Array.isArray(entries)) entries = [];
  } catch {
    entries = [];
  }
  for (const pair of entries) {
    try {
      const [key, entry] = pair;
      const metadata = entry.metadata?.toString();
      baggage = baggage.set(key, String(entry.value), metadata === "" ? undefined : metadata);
    } catch {
      countDrop("baggage");
    }
  }
  ours.set(otel, baggage);
  if (!theirs.has(baggage)) theirs.set(baggage, otel);
  return baggage;
}
