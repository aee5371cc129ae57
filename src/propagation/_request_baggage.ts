// Internal: the baggage a traced fetch writes into a request whose headers
// already have a `baggage` header of the application's own. The application
// set those entries for this very request, so they are sent, and the current
// baggage's entries are added to them; for a key both have, the
// application's value wins. W3C Baggage allows it ("Mutating baggage": add
// a key/value pair, update a value, deduplicate the list), and its limits
// (64 list-members, 8,192 bytes) apply to the combination: the current
// entries are left out first. `injectContext`, given a carrier with a
// baggage header, replaces it, as OpenTelemetry's W3CBaggagePropagator does:
// there the caller says what to write (its `baggage` option), and the
// carrier is often a copy of an incoming request's headers, whose baggage
// the current one was read from.

import { isTracingSuppressed } from "../context/suppression.ts";
import { Baggage } from "./baggage.ts";
import { getBaggage } from "./baggage_context.ts";
import { countDrop } from "./_drop_counts.ts";
import { parseMembers } from "./_baggage_members.ts";
import type { InjectOptions } from "./propagation.ts";

/**
 * What `injectContext` is given for a request with these headers:
 * `undefined` (the current baggage, as for any carrier) when they have no
 * `baggage` header; else the application's entries with the current ones
 * added after them, so that `Baggage.serialize`, which leaves out what
 * passes a limit and counts it, leaves out current entries first (the
 * application's alone are within the limits, or they would not be read);
 * `null` (no baggage written: the header stays as it is) when there is
 * nothing to add, or the header cannot be read whole.
 *
 * @param headers The request's headers, the copy a traced fetch sends.
 */
export function requestBaggage(headers: Headers): InjectOptions | undefined {
  const own = headers.get("baggage");
  if (own === null) return undefined;
  const current = getBaggage();
  // Nothing to add: the header goes as the application wrote it.
  if (current.size === 0) return { baggage: null };
  // Read strictly: a header that is no valid baggage-string (or is over the
  // limits by itself) cannot be rewritten without losing what could not be
  // read, the application's own data. For such a value, W3C Baggage leaves
  // the behaviour to the implementation; here it is sent as it is, without
  // the current entries, which are counted as dropped (unless tracing is
  // suppressed, when injectContext writes no baggage anyway).
  const members = parseMembers(own, true);
  if (members === undefined) {
    if (!isTracingSuppressed()) countDrop("baggage", current.size);
    return { baggage: null };
  }
  for (const [key, entry] of current.entries()) {
    if (!members.has(key)) members.set(key, entry);
  }
  return { baggage: new Baggage(members) };
}
