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
import { getBaggage } from "./baggage_context.ts";
import { countDrop } from "./_drop_counts.ts";
import {
  appendMembers,
  MAX_BAGGAGE_BYTES,
  MAX_BAGGAGE_MEMBERS,
  readMember,
} from "./_baggage_members.ts";

/**
 * The `baggage` header a traced fetch sends for a request with these
 * headers: `undefined` when they have none (`injectContext` writes the
 * current baggage, as for any carrier); `null` when the request's own goes
 * as it is (nothing to add, none of it fits, tracing suppressed, or a header
 * that cannot be added to); else the request's own header as the
 * application wrote it, the current entries whose keys it has not after it.
 *
 * The application's header is not rewritten: values it wrote with octets
 * that `Baggage.serialize` would percent-encode (`$&+/:=?@`, 1 byte each as
 * written, 3 encoded) would grow, and a header within the limits could pass
 * them and lose every current entry. So the limits are measured on the
 * header as it goes on the wire, its whitespace and repeated keys included.
 *
 * @param headers The request's headers, the copy a traced fetch sends.
 */
export function requestBaggage(headers: Headers): string | null | undefined {
  const own = headers.get("baggage");
  if (own === null) return undefined;
  // An exporter's own request: injectContext writes no baggage either, and
  // nothing is counted.
  if (isTracingSuppressed()) return null;
  const current = getBaggage();
  // Nothing to add: the header goes as the application wrote it.
  if (current.size === 0) return null;
  // A header that is no valid baggage-string, or over the limits by itself,
  // cannot be added to; W3C Baggage leaves the behaviour for such a value to
  // the implementation: here it is sent as it is, and the current entries,
  // which could not be added, are counted as dropped.
  const read = readOwn(own);
  if (read === undefined) {
    countDrop("baggage", current.size);
    return null;
  }
  const sent = appendMembers(
    withoutTrailingSeparators(own),
    read.members,
    current.entries(),
    "escaped",
    read.keys,
  );
  const dropped = sent.limited + sent.unencodable;
  if (dropped > 0) countDrop("baggage", dropped);
  return sent.members === read.members ? null : sent.header;
}

/**
 * The keys of a valid baggage-string within the limits as written, and how
 * many list-members it has as written (a repeated key's included: it is on
 * the wire); `undefined` for any other. All of it is ASCII when it is
 * valid, so its length is its size in bytes.
 */
function readOwn(own: string): { keys: Set<string>; members: number } | undefined {
  if (own.length > MAX_BAGGAGE_BYTES) return undefined;
  const keys = new Set<string>();
  let members = 0;
  for (const raw of own.split(",")) {
    const member = readMember(raw);
    if (member === null) continue;
    if (member === undefined || ++members > MAX_BAGGAGE_MEMBERS) return undefined;
    keys.add(member[0]);
  }
  return { keys, members };
}

/**
 * The header without the whitespace and empty list-members at its end, so
 * the members added after it follow its last one (`a=1,c=2`, not `a=1,,c=2`).
 */
function withoutTrailingSeparators(header: string): string {
  let end = header.length;
  for (; end > 0; end--) {
    const c = header.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09 && c !== 0x2c) break;
  }
  return header.slice(0, end);
}
