// Sends random requests with a `baggage` header of their own (valid,
// percent-encoded, with properties, whitespace, repeated keys, empty and
// malformed members, near and past W3C Baggage's 64 members and 8,192 bytes)
// as records, Headers, arrays of pairs and Requests, under random current
// baggage, through a real instrumentFetch, and checks what goes out against
// a model written from the README and W3C Baggage, not from the library's
// parser. The PRNG is seeded, so a failure reproduces: the message names the
// seed, the case and its inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Baggage,
  type BaggageEntry,
  extractBaggage,
  formatTraceparent,
  InMemorySpanProcessor,
  propagationStats,
  suppressTracing,
  Tracer,
  withBaggage,
} from "../mod.ts";
import { type FetchFunction, instrumentFetch } from "../http.ts";
import { chance, int, pick, prng, type Random as R } from "./_helpers.ts";

const SEEDS = [0xba66_a9e1, 0x5eed_2026, 0x0064_2000];
const CASES = 600;
const MAX_MEMBERS = 64;
const MAX_BYTES = 8192;
const URL_ = "http://example.com/path";

// --- The model: W3C Baggage's grammar, read independently of the library ---

const OWS = "[ \\t]*";
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const OCTETS = "[\\x21\\x23-\\x2b\\x2d-\\x3a\\x3c-\\x5b\\x5d-\\x7e]*";
const FIRST = new RegExp(`^${OWS}(${TOKEN})${OWS}=${OWS}(${OCTETS})${OWS}$`);
const PROPERTY = new RegExp(`^${OWS}(${TOKEN})${OWS}(?:(=)${OWS}(${OCTETS})${OWS})?$`);
const utf8 = new TextDecoder();

/** A percent-encoded value as UTF-8 (bad octets as U+FFFD), or undefined for a stray `%`. */
function percentDecode(encoded: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(encoded)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === "%") {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(encoded.charCodeAt(i));
  }
  return utf8.decode(new Uint8Array(bytes));
}

/**
 * The entries of a baggage-string, in order, a repeated key keeping its last
 * value at its last place; empty list members are allowed (RFC 7230's
 * #rule). Undefined when a member does not match the grammar. `members`:
 * its non-empty list members as written, a repeated key's included;
 * `shortestBytes`: their size were each written at its shortest.
 */
function readStrictly(
  header: string,
): { entries: [string, BaggageEntry][]; members: number; shortestBytes: number } | undefined {
  const map = new Map<string, BaggageEntry>();
  let members = 0;
  let shortestBytes = 0;
  for (const member of header.split(",")) {
    if (/^[ \t]*$/.test(member)) continue;
    const [first, ...properties] = member.split(";");
    const m = FIRST.exec(first);
    const value = m === null ? undefined : percentDecode(m[2]);
    if (m === null || value === undefined) return undefined;
    const normalised: string[] = [];
    for (const property of properties) {
      const p = PROPERTY.exec(property);
      if (p === null) return undefined;
      normalised.push(p[2] === undefined ? p[1] : `${p[1]}=${p[3]}`);
    }
    map.delete(m[1]);
    const entry = normalised.length === 0 ? { value } : { value, metadata: normalised.join(";") };
    map.set(m[1], entry);
    shortestBytes += (members === 0 ? 0 : 1) + (shortest(m[1], entry)?.length ?? Infinity);
    members++;
  }
  return { entries: [...map], members, shortestBytes };
}

const bytesOf = (s: string) => new TextEncoder().encode(s).length;

/**
 * Whether a header is within W3C Baggage's limits as written: it is what
 * goes on the wire, whitespace, escapes and repeated keys included, not
 * what re-encoding its values would make of it.
 */
function withinLimitsAsWritten(header: string, members: number): boolean {
  return members <= MAX_MEMBERS && bytesOf(header) <= MAX_BYTES;
}

const utf8Encoder = new TextEncoder();

/**
 * The list member at its shortest, which the limits are measured on, or
 * undefined when a value is no UTF-8: each UTF-8 octet of the value as it
 * is when W3C Baggage's baggage-octet allows it and it is no "%", else
 * percent-encoded.
 */
function shortest(key: string, entry: BaggageEntry): string | undefined {
  if (!entry.value.isWellFormed()) return undefined;
  let value = "";
  for (const octet of utf8Encoder.encode(entry.value)) {
    const raw = octet >= 0x21 && octet <= 0x7e && !'",;\\%'.includes(String.fromCharCode(octet));
    value += raw
      ? String.fromCharCode(octet)
      : `%${octet.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return withMetadata(key, value, entry);
}

/** The list member as a traced fetch adds it (values percent-encoded), or undefined when a value is no UTF-8. */
function canonical(key: string, entry: BaggageEntry): string | undefined {
  let value: string;
  try {
    value = encodeURIComponent(entry.value);
  } catch {
    return undefined;
  }
  return withMetadata(key, value, entry);
}

function withMetadata(key: string, value: string, entry: BaggageEntry): string {
  return entry.metadata === undefined ? `${key}=${value}` : `${key}=${value};${entry.metadata}`;
}

/**
 * What should be sent: the app's header as written (less the whitespace and
 * empty members at its end), then each current entry whose key the app has
 * not, written canonically, while the header sent stays within the limits
 * (W3C Baggage: all members MUST go when the result is within them; which to
 * leave out otherwise is the implementer's, and the README says current
 * ones first). `added`: the current entries sent.
 */
function merge(
  own: string,
  read: { entries: readonly [string, BaggageEntry][]; members: number },
  current: Baggage,
): { header: string; added: [string, BaggageEntry][] } {
  let header = own.replace(/[ \t,]*$/, "");
  const added: [string, BaggageEntry][] = [];
  const keys = new Set(read.entries.map(([key]) => key));
  for (const [key, entry] of current.entries()) {
    if (keys.has(key)) continue;
    const member = canonical(key, entry);
    if (member === undefined || read.members + added.length === MAX_MEMBERS) continue;
    const grown = header === "" ? member : `${header},${member}`;
    if (bytesOf(grown) > MAX_BYTES) continue;
    added.push([key, entry]);
    header = grown;
  }
  return { header: added.length === 0 ? own : header, added };
}

// --- Random inputs ---

const KEYS = ["a", "b", "tenant", "user", "shared", "k1", "K1", "x-id", "~t!", "z"];
const PLAIN = "abcxyzABC0129-._~!*'";
const EXPANDING = "$&+/:=?@"; // valid octets that encodeURIComponent writes as %XX
const UNICODE = ["grüße", "😀", "a b", "x,y;z=w", "é", "日本", "%", '\\"'];

function randomString(r: R, chars: string, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += chars[int(r, chars.length)];
  return s;
}

function ows(r: R): string {
  return chance(r, 0.7) ? "" : pick(r, [" ", "\t", "  ", " \t "]);
}

/** A value as written in a header: valid baggage-octets, often percent-encoded. */
function writtenValue(r: R): string {
  switch (int(r, 8)) {
    case 0:
      return "";
    case 1:
      return randomString(r, EXPANDING + PLAIN, 1 + int(r, 12));
    case 2:
      return encodeURIComponent(pick(r, UNICODE) + randomString(r, PLAIN, int(r, 4)));
    case 3:
      return pick(r, ["%FF", "%C3", "%E2%82", "%c3%a9", "%41%42", "%2C%3B", "%25"]);
    default:
      return randomString(r, PLAIN, 1 + int(r, 10));
  }
}

function writtenProperties(r: R): string {
  let s = "";
  const n = chance(r, 0.7) ? 0 : 1 + int(r, 3);
  for (let i = 0; i < n; i++) {
    const key = pick(r, ["p", "ttl", "private", "x-y", "q"]);
    s += `${ows(r)};${ows(r)}${key}`;
    if (chance(r, 0.5)) s += `${ows(r)}=${ows(r)}${pick(r, ["60", "", "a%20b", "v$"])}`;
  }
  return s;
}

function validMember(r: R, key = pick(r, KEYS)): string {
  return `${ows(r)}${key}${ows(r)}=${ows(r)}${writtenValue(r)}${writtenProperties(r)}${ows(r)}`;
}

const MALFORMED = [
  "novalue",
  "bad key=1",
  "k=a b",
  "k=%zz",
  "k=1%",
  "k=1;bad prop",
  "k=1;",
  'k="q"',
  "k=\u00e9",
  "=v",
  "k=a\\b",
  "k=1;p=a b",
  "k\u00e9=1",
];

interface AppHeader {
  /** The baggage header values, one per header line; none for no header. */
  values: string[];
  mode: string;
}

function randomAppHeader(r: R, currentSize: number): AppHeader {
  const members: string[] = [];
  const mode = pick(r, [
    "none",
    "small",
    "small",
    "small",
    "malformed",
    "many",
    "bytes",
    "bytes",
    "huge",
    "repeat",
    "empty",
    "garbage",
  ]);
  switch (mode) {
    case "none":
      return { values: [], mode };
    case "small":
    case "malformed": {
      const n = 1 + int(r, 6);
      for (let i = 0; i < n; i++) members.push(chance(r, 0.1) ? ows(r) : validMember(r));
      if (mode === "malformed") members.splice(int(r, n + 1), 0, pick(r, MALFORMED));
      break;
    }
    case "many": {
      // Near 64 members, alone or with the current ones.
      const n = MAX_MEMBERS - currentSize - 3 + int(r, currentSize + 6);
      for (let i = 0; i < n; i++) members.push(validMember(r, `m${i}`));
      if (chance(r, 0.3)) members.push(validMember(r, "m0")); // on the wire: it counts
      break;
    }
    case "bytes": {
      // Near 8,192 bytes as written, alone or with the current ones, or
      // well within them; "%41" is 1 byte at its shortest, and "$" 1 byte
      // there though 3 escaped.
      const n = int(r, 4);
      for (let i = 0; i < n; i++) members.push(validMember(r));
      const small = members.join(",");
      const target = chance(r, 0.3) ? 3000 + int(r, 5000) : MAX_BYTES - int(r, 60) + 6;
      const room = target - small.length - (small === "" ? 0 : 1) - "big=".length;
      const [filler, width] = pick(r, [["a", 1], ["$", 1], ["%41", 3], ["ab+/", 4]] as const);
      const big = `big=${filler.repeat(Math.max(0, Math.floor(room / width)))}`;
      members.splice(int(r, n + 1), 0, big + (chance(r, 0.2) ? " ".repeat(int(r, 50)) : ""));
      break;
    }
    case "huge": {
      const n = 1 + int(r, 5);
      for (let i = 0; i < n; i++) members.push(`h${i}=${"v".repeat(2000 + int(r, 12_000))}`);
      break;
    }
    case "repeat": {
      // A repeated key: its first, long value is on the wire too.
      const first = `r=${"v".repeat(4000 + int(r, 5000))}`;
      members.push(
        first,
        validMember(r, "s"),
        `x=${"w".repeat(int(r, 4000))}`,
        validMember(r, "r"),
      );
      break;
    }
    case "empty":
      members.push(pick(r, ["", " ", " , ", ",,", "\t"]));
      break;
    default:
      members.push(randomString(r, 'ab=;,% \t"\\\u00e9\u00ff1', 1 + int(r, 30)));
  }
  // Split into one to three header lines, which fetch joins with ", ".
  const values: string[] = [];
  let rest = members;
  while (rest.length > 0) {
    const take = values.length === 2 ? rest.length : 1 + int(r, rest.length);
    values.push(rest.slice(0, take).join(pick(r, [",", ", ", " ,\t", ","])));
    rest = rest.slice(take);
  }
  return { values, mode };
}

function randomCurrent(r: R): Baggage {
  const size = pick(r, [0, 0, 1, 2, 3, 5, 10, 30, 63, 70]);
  const pairs: [string, string | BaggageEntry][] = [];
  const big = chance(r, 0.15);
  for (let i = 0; i < size; i++) {
    const key = i < 4 && chance(r, 0.5) ? pick(r, KEYS) : `c${i}`;
    let value = chance(r, 0.4) ? pick(r, UNICODE) : randomString(r, PLAIN, int(r, 8));
    if (big && i === 0) value = "w".repeat(3000 + int(r, 5500));
    if (chance(r, 0.02)) value = "lone\ud800"; // no UTF-8: never sent, counted
    const metadata = chance(r, 0.2) ? pick(r, ["ttl=60", "private", "a=1;b"]) : undefined;
    pairs.push([key, metadata === undefined ? value : { value, metadata }]);
  }
  switch (int(r, 4)) {
    case 0:
      return new Baggage(pairs);
    case 1:
      return new Baggage(Object.fromEntries(pairs));
    case 2: {
      let baggage = new Baggage();
      for (const [key, v] of pairs) {
        baggage = typeof v === "string"
          ? baggage.set(key, v)
          : baggage.set(key, v.value, v.metadata);
      }
      return chance(r, 0.3) && size > 0 ? baggage.delete(pairs[0][0]) : baggage;
    }
    default:
      return Baggage.parse(new Baggage(pairs).serialize());
  }
}

const FORMS = ["record", "headers", "pairs", "request", "request+init"] as const;
type Form = typeof FORMS[number];

/** The request as the caller gives it, its headers in the form picked. */
function build(r: R, form: Form, values: string[], extra: [string, string][]) {
  const names = values.map((_, i) =>
    i === 0 ? "baggage" : pick(r, ["Baggage", "BAGGAGE", "baggage"])
  );
  const lines: [string, string][] = [...extra];
  values.forEach((v, i) => lines.splice(int(r, lines.length + 1), 0, [names[i], v]));
  const inForm = (f: Form): HeadersInit => {
    if (f === "pairs") return lines.map(([k, v]) => [k, v]);
    if (f === "record") {
      // A record holds a name once: a repeat goes under another spelling,
      // or is joined as Headers would join it.
      const record: Record<string, string> = {};
      for (const [k, v] of lines) {
        const name = Object.hasOwn(record, k) ? (k === "baggage" ? "Baggage" : `${k}-2`) : k;
        record[name] = Object.hasOwn(record, name) ? `${record[name]}, ${v}` : v;
      }
      return record;
    }
    const headers = new Headers();
    for (const [k, v] of lines) headers.append(k, v);
    return headers;
  };
  if (form === "request") return { input: new Request(URL_, { headers: inForm("headers") }) };
  if (form === "request+init") {
    // An init's headers replace the Request's, as fetch's do.
    const request = new Request(URL_, {
      method: "POST",
      body: "x",
      headers: { baggage: "fromrequest=1", "x-request": "1" },
    });
    return { input: request, init: { headers: inForm(pick(r, ["record", "pairs", "headers"])) } };
  }
  return { input: URL_, init: { headers: inForm(form) } };
}

/** A snapshot of what the caller owns, to see that none of it changed. */
function snapshot(value: unknown): unknown {
  if (value instanceof Request) {
    return ["Request", value.url, value.method, snapshot(value.headers)];
  }
  if (value instanceof Headers) return ["Headers", [...value]];
  if (Array.isArray(value)) return value.map(snapshot);
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).map(([k, v]) => [k, snapshot(v)]);
  }
  return value;
}

const short = (s: unknown) => {
  const json = JSON.stringify(s) ?? String(s);
  return json.length > 400 ? `${json.slice(0, 400)}… (${json.length} chars)` : json;
};

const TRACE_HEADERS = ["traceparent", "tracestate", "baggage"];

/** Each header's value as get() gives it, by name. */
function headerMap(headers: Headers): [string, string | null][] {
  const names = new Set([...headers.keys(), ...TRACE_HEADERS]);
  return [...names].sort().map((name) => [name, headers.get(name)]);
}

const STALE_PARENT = "00-11111111111111111111111111111111-2222222222222222-01";

test(
  "instrumentFetch and a request's own baggage: random headers in every form, under random current baggage, keep every rule",
  { timeout: 120_000 },
  async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    const calls: Headers[] = [];
    const fake: FetchFunction = (input, init) => {
      // Kept as given, not copied: Deno's Headers iterates without an empty
      // value that get() joins in.
      const headers = init?.headers ?? (input instanceof Request ? input.headers : undefined);
      calls.push(headers instanceof Headers ? headers : new Headers(headers));
      return Promise.resolve(new Response("ok"));
    };
    const fetch = instrumentFetch(fake, { tracer });
    const seen: Record<string, number> = {};
    const see = (what: string) => seen[what] = (seen[what] ?? 0) + 1;

    for (const seed of SEEDS) {
      const r = prng(seed);
      for (let i = 0; i < CASES; i++) {
        const current = randomCurrent(r);
        const app = randomAppHeader(r, current.size);
        const form = pick(r, FORMS);
        const suppressed = chance(r, 0.05);
        const extra: [string, string][] = [["accept", "text/plain"]];
        if (chance(r, 0.3)) extra.push(["traceparent", STALE_PARENT], ["tracestate", "stale=1"]);
        const { input, init } = build(r, form, app.values, extra);
        const where = () =>
          `seed ${seed}, case ${i}: form ${form}, mode ${app.mode}${
            suppressed ? ", suppressed" : ""
          }, header lines ${short(app.values)}, current ${short(current.entries())}`;

        // What fetch itself would send without tracing.
        const given = new Headers(init?.headers ?? (input as Request).headers);
        const own = given.get("baggage");
        const before = snapshot([input, init]);
        memory.clear();
        calls.length = 0;
        const drops = propagationStats().baggage;
        const call = () => fetch(input, init);
        await withBaggage(current, () => suppressed ? suppressTracing(call) : call());
        const dropped = propagationStats().baggage - drops;

        try {
          assert.equal(calls.length, 1, "the wrapped fetch was called once");
          const [sentHeaders] = calls;
          const sent = sentHeaders.get("baggage");
          assert.deepEqual(snapshot([input, init]), before, "the caller's objects are unchanged");
          // Headers other than the trace context's go as given.
          const others = (headers: Headers) =>
            headerMap(headers).filter(([name]) => !TRACE_HEADERS.includes(name));
          assert.deepEqual(others(sentHeaders), others(given), "other headers");

          if (suppressed) {
            // An exporter's own request: nothing written, nothing counted.
            assert.deepEqual(headerMap(sentHeaders), headerMap(given));
            assert.equal(dropped, 0, "drops counted");
            see("suppressed");
            continue;
          }
          const [client] = memory.spans;
          assert.equal(sentHeaders.get("traceparent"), formatTraceparent(client.context));
          assert.equal(sentHeaders.get("tracestate"), null, "a stale tracestate is removed");

          const read = own === null ? undefined : readStrictly(own);
          const alone = read !== undefined && withinLimitsAsWritten(own!, read.members);
          if (own !== null && (current.size === 0 || !alone)) {
            // As the app wrote it; the current entries, if any, could not be added.
            assert.equal(sent, own, "sent as written");
            assert.equal(dropped, current.size, "every current entry counted");
            see(
              current.size === 0 ? "no current" : read === undefined ? "malformed" : "over a limit",
            );
            continue;
          }
          const ownRead = read ?? { entries: [], members: 0, shortestBytes: 0 };
          const expected = merge(own ?? "", ownRead, current);
          const all = [...ownRead.entries, ...expected.added];
          if (expected.added.length === 0) {
            // Nothing added: the header, or its absence, stays as it was.
            assert.equal(sent, own, "left as it was");
          } else {
            assert.equal(
              sent,
              expected.header,
              "as written, the current entries added canonically",
            );
            assert.ok(bytesOf(sent) <= MAX_BYTES, `${bytesOf(sent)} bytes`);
            const sentRead = readStrictly(sent);
            assert.deepEqual(sentRead?.entries, all, "strictly read, as expected");
            assert.ok(sentRead!.members <= MAX_MEMBERS, `${sentRead!.members} members`);
            // The library's own reader measures what it reads at its
            // shortest, which is never longer than as sent (escapes a
            // baggage-octet did not need, whitespace and repeated keys go):
            // it takes all of it.
            assert.ok(sentRead!.shortestBytes <= MAX_BYTES, `${sentRead!.shortestBytes} bytes`);
            const readBefore = propagationStats().baggage;
            assert.deepEqual(extractBaggage({ baggage: sent }).entries(), all);
            assert.equal(propagationStats().baggage, readBefore, "extractBaggage dropped some");
          }
          const ownKeys = new Set(ownRead.entries.map(([key]) => key));
          const sentKeys = new Set(expected.added.map(([key]) => key));
          const unsent = current.entries().filter(([key]) =>
            !ownKeys.has(key) && !sentKeys.has(key)
          );
          assert.equal(dropped, unsent.length, "drops counted: the current entries not sent");
          see(own === null ? "no own header" : "merged");
          if (unsent.length > 0) see("limited");
          if (ownRead.members + expected.added.length === MAX_MEMBERS) see("64 members");
          if (sent !== null && sent.length > MAX_BYTES - 40) see("near 8,192 bytes");
          if ([...ownKeys].some((key) => current.get(key) !== undefined)) see("app wins");
        } catch (error) {
          assert.fail(`${where()}\n  sent ${short(calls.map(headerMap))}\n  ${error}`);
        }
      }
    }
    // Every path must be reached, not only the easy ones.
    for (
      const what of [
        "suppressed",
        "no current",
        "malformed",
        "over a limit",
        "no own header",
        "merged",
        "limited",
        "app wins",
        "64 members",
        "near 8,192 bytes",
      ]
    ) {
      assert.ok((seen[what] ?? 0) >= 20, `${what}: only ${seen[what] ?? 0} cases (${short(seen)})`);
    }
  },
);
