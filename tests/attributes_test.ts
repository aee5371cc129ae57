import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  InMemorySpanProcessor,
  sanitizeAttributeValue,
  Span,
  SpanContext,
  Tracer,
} from "../mod.ts";
import { captureWarnings } from "./_helpers.ts";

describe("attribute values", () => {
  test("strings, numbers, booleans and homogeneous arrays of them are kept", () => {
    const span = new Span("a").setAttributes({
      s: "x",
      n: 1.5,
      i: -3,
      b: false,
      ss: ["a", "b"],
      ns: [1, 2],
      bs: [true],
      empty: [],
    });
    assert.deepEqual(span.attributes, {
      s: "x",
      n: 1.5,
      i: -3,
      b: false,
      ss: ["a", "b"],
      ns: [1, 2],
      bs: [true],
      empty: [],
    });
    assert.equal(span.droppedAttributesCount, 0);
  });

  const invalid: [string, unknown][] = [
    ["an object", { a: 1 }],
    ["undefined", undefined],
    ["null", null],
    ["a mixed array", [1, "1"]],
    ["a nested array", [[1]]],
    ["an array of objects", [{}]],
    ["a mixed array with null", ["a", null, 1]],
    ["an array of null and an object", [null, {}]],
    ["an array of null and an array", [null, [1]]],
    ["an array of undefined and a function", [undefined, () => 1]],
    ["a function", () => 1],
    ["a symbol", Symbol("s")],
    ["a bigint", 10n],
    ["a Date", new Date(0)],
  ];
  for (const [what, value] of invalid) {
    test(`${what} is dropped and counted, never thrown`, () => {
      const span = new Span("a").setAttribute("k", value as never);
      assert.equal(Object.hasOwn(span.attributes, "k"), false);
      assert.equal(span.droppedAttributesCount, 1);
    });
  }

  test("an empty or non-string key is dropped and counted", () => {
    const span = new Span("a").setAttribute("", 1).setAttribute(5 as never, 1);
    assert.deepEqual(span.attributes, {});
    assert.equal(span.droppedAttributesCount, 2);
  });

  test("__proto__ and constructor are stored as ordinary keys without touching any prototype", () => {
    const span = new Span("a")
      .setAttribute("__proto__", "polluted")
      .setAttribute("constructor", "c")
      .setAttributes(JSON.parse('{"__proto__": "also", "toString": "t"}'));
    const attrs = span.attributes as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(attrs), Object.prototype);
    assert.deepEqual(Object.keys(attrs).sort(), ["__proto__", "constructor", "toString"]);
    assert.equal(Object.getOwnPropertyDescriptor(attrs, "__proto__")?.value, "also");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(JSON.parse(JSON.stringify(span)).attributes.constructor, "c");
  });

  test("attributes given all at once to an empty span keep __proto__ as an ordinary key too", () => {
    const record = JSON.parse('{"__proto__": "x", "a": 1}');
    const span = new Tracer().startSpan("a", { attributes: record });
    const attrs = span.attributes as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(attrs), Object.prototype);
    assert.deepEqual(Object.keys(attrs), ["__proto__", "a"]);
    record.a = 2;
    assert.equal(attrs.a, 1, "the span holds a copy, not the caller's record");
  });

  test("symbol-keyed properties of a record are not attributes: not counted, listed or serialized", () => {
    const secret = Symbol("secret");
    const span = new Tracer({ limits: { attributeCountLimit: 1 } })
      .startSpan("a", { attributes: { a: 1, [secret]: "x" } });
    assert.deepEqual(Object.keys(span.attributes), ["a"]);
    assert.equal(span.droppedAttributesCount, 0, "a symbol does not take a slot");
    assert.deepEqual(span.end().toJSON().attributes, { a: 1 });
    assert.equal(JSON.stringify(span).includes("secret"), false);
  });

  test("at the count limit, replacing keys keeps working and new keys keep being refused", () => {
    const span = new Tracer({ limits: { attributeCountLimit: 3 } }).startSpan("a");
    span.setAttributes({ a: 1, b: 2, c: 3 });
    for (let i = 0; i < 10; i++) span.setAttribute("b", i).setAttribute(`new${i}`, i);
    assert.deepEqual(span.attributes, { a: 1, b: 9, c: 3 });
    assert.equal(span.droppedAttributesCount, 10);
  });

  test("attributes given at start are each span's own: later spans and the caller's object leave them be", () => {
    const tracer = new Tracer();
    const record: Record<string, string | number> = { route: "/a", n: 1 };
    const first = tracer.startSpan("first", { attributes: record });
    record.route = "/changed";
    const second = tracer.startSpan("second", { attributes: { route: "/b", n: 2 } });
    second.setAttribute("extra", true);
    assert.deepEqual(first.attributes, { route: "/a", n: 1 });
    assert.deepEqual(second.attributes, { route: "/b", n: 2, extra: true });
    assert.notEqual(first.attributes, record);
  });

  test("attributes given all at once are checked like single ones", () => {
    const span = new Span("a").setAttributes({ ok: 1, "": 2, bad: {} as never, arr: [1, 2] });
    assert.deepEqual(span.attributes, { ok: 1, arr: [1, 2] });
    assert.equal(span.droppedAttributesCount, 2);
    const limited = new Tracer({ limits: { attributeCountLimit: 2 } })
      .startSpan("b", { attributes: { a: 1, b: 2, c: 3 } });
    assert.equal(Object.keys(limited.attributes).length, 2);
    assert.equal(limited.droppedAttributesCount, 1);
  });

  test("an empty key among valid attributes given at start is dropped and counted, the rest kept", () => {
    const started = new Tracer().startSpan("a", { attributes: { ok: 1, "": 2, route: "/a" } });
    assert.deepEqual(started.attributes, { ok: 1, route: "/a" });
    assert.equal(started.droppedAttributesCount, 1);
    const set = new Span("b").setAttributes({ "": "x", n: 3 });
    assert.deepEqual(set.attributes, { n: 3 });
    assert.equal(set.droppedAttributesCount, 1);
  });

  test("arrays are copied, so the caller changing its array later does not change the span", () => {
    const tags = ["a"];
    const span = new Span("a").setAttribute("tags", tags);
    tags.push("b");
    assert.deepEqual(span.attributes.tags, ["a"]);
  });

  test(
    "an array of more than 1,048,576 elements is dropped and counted, so a sparse one cannot hang",
    {
      timeout: 60_000,
    },
    () => {
      // new Array(2 ** 32 - 1) holds nothing, yet walking it takes billions of steps.
      const span = new Span("a")
        .setAttribute("huge", new Array(2 ** 32 - 1))
        .setAttribute("over", new Array(1_048_577).fill(1))
        .setAttribute("at", new Array(1_048_576).fill(1));
      assert.deepEqual(Object.keys(span.attributes), ["at"]);
      assert.equal(span.droppedAttributesCount, 2);
      assert.equal(sanitizeAttributeValue(new Array(2 ** 32 - 1)), undefined);
    },
  );

  test("setting an existing key replaces it, even at the count limit", () => {
    const span = new Tracer({ limits: { attributeCountLimit: 1 } }).startSpan("a");
    span.setAttribute("k", 1).setAttribute("k", 2).setAttribute("other", 3);
    assert.deepEqual(span.attributes, { k: 2 });
    assert.equal(span.droppedAttributesCount, 1);
  });

  test("the default limit keeps 128 attributes and counts the rest", () => {
    const span = new Span("a");
    for (let i = 0; i < 130; i++) span.setAttribute(`k${i}`, i);
    assert.equal(Object.keys(span.attributes).length, 128);
    assert.equal(span.droppedAttributesCount, 2);
  });

  test("attributeValueLengthLimit truncates strings, also inside arrays", () => {
    const span = new Tracer({ limits: { attributeValueLengthLimit: 3 } }).startSpan("a");
    span.setAttribute("s", "abcdef").setAttribute("a", ["abcdef", "xy"]).setAttribute("n", 123456);
    assert.deepEqual(span.attributes, { s: "abc", a: ["abc", "xy"], n: 123456 });
  });

  test("a truncated string is exactly the prefix, whatever characters it holds", () => {
    // Eight characters: a lone surrogate counts as one, the emoji (two code
    // units) as one, so the cut falls after the first "x", at code unit 9.
    const tricky = '"\\\n\u0000\ud800é😀' + "x".repeat(20);
    const span = new Tracer({ limits: { attributeValueLengthLimit: 8 } }).startSpan("a");
    span.setAttribute("s", tricky).setAttribute("a", [tricky]);
    assert.equal(span.attributes.s, tricky.slice(0, 9));
    assert.deepEqual(span.attributes.a, [tricky.slice(0, 9)]);
    assert.equal(
      sanitizeAttributeValue(tricky, 5),
      tricky.slice(0, 5),
      "a lone surrogate survives",
    );
  });

  // common/README.md, Attribute Limits: a string longer than the limit
  // "(counting any character in it as 1)" is truncated "so that its length is
  // at most equal to the limit"; for an array of strings, each string is.
  // A character is a code point: a cut between the two halves of a surrogate
  // pair leaves a lone surrogate, which no UTF-8 encoding can carry.
  test("attributeValueLengthLimit counts characters, and never splits one", () => {
    const limits = { attributeValueLengthLimit: 3, attributePerEventCountLimit: 8 };
    const span = new Tracer({ limits }).startSpan("a")
      .setAttribute("cut", "ab😀cd")
      .setAttribute("fits", "😀😀😀")
      .setAttribute("list", ["a😀bc", "😀😀😀😀", "xy"])
      .setAttributes({ whole: "𝒜𝒝𝒞𝒟" })
      .addEvent("e", { cut: "ab😀cd" })
      .addLink(SpanContext.newRoot(), { fits: "é😀x" });
    assert.deepEqual(span.attributes, {
      cut: "ab😀",
      fits: "😀😀😀",
      list: ["a😀b", "😀😀😀", "xy"],
      whole: "𝒜𝒝𝒞",
    });
    assert.deepEqual(span.events[0].attributes, { cut: "ab😀" });
    assert.deepEqual(span.links[0].attributes, { fits: "é😀x" });
    assert.equal(span.droppedAttributesCount, 0);
    const started = new Tracer({ limits }).startSpan("b", { attributes: { s: "😀😀😀😀" } });
    assert.deepEqual(started.attributes, { s: "😀😀😀" });
    assert.equal(sanitizeAttributeValue("😀😀", 1), "😀");
    assert.deepEqual(sanitizeAttributeValue(["😀😀", null], 1), ["😀", null]);
    assert.equal(sanitizeAttributeValue("😀", 0), "");
  });

  test("values have no length limit by default", () => {
    const long = "x".repeat(100_000);
    assert.equal(new Span("a").setAttribute("s", long).attributes.s, long);
  });

  test("setAttributes with a non-object counts one drop and stores nothing", () => {
    const span = new Span("a").setAttributes("nope" as never).setAttributes([1] as never);
    assert.deepEqual(span.attributes, {});
    assert.equal(span.droppedAttributesCount, 2);
  });

  test("sanitizeAttributeValue truncates and rejects as documented", () => {
    assert.equal(sanitizeAttributeValue("hello", 2), "he");
    assert.deepEqual(sanitizeAttributeValue([true, false]), [true, false]);
    assert.equal(sanitizeAttributeValue([true, 1]), undefined);
    assert.equal(sanitizeAttributeValue(NaN), NaN);
  });
});

// The OpenTelemetry specification (common/README.md, AnyValue): where null
// cannot be refused at compile time, null values within arrays MUST be kept,
// for keys and values held in two arrays in sync. The JS SDK keeps them too.
describe("arrays with null elements", () => {
  const headerKeys = ["accept", null, "host"];
  const withUndefined = [1, undefined, 3] as unknown as (number | null)[];

  test("setAttribute keeps null elements and stores undefined ones as null", () => {
    const span = new Span("a")
      .setAttribute("header_keys", headerKeys)
      .setAttribute("counts", withUndefined)
      .setAttribute("flags", [null, true, false]);
    assert.deepEqual(span.attributes, {
      header_keys: ["accept", null, "host"],
      counts: [1, null, 3],
      flags: [null, true, false],
    });
    assert.equal(span.droppedAttributesCount, 0);
  });

  test("an array of only null or undefined elements is kept, as nulls", () => {
    const span = new Span("a")
      .setAttribute("nulls", [null, null])
      .setAttribute("undefineds", [undefined] as unknown as null[]);
    assert.deepEqual(span.attributes, { nulls: [null, null], undefineds: [null] });
    assert.equal(span.droppedAttributesCount, 0);
  });

  test("a hole in a sparse array is stored as null", () => {
    // deno-lint-ignore no-sparse-arrays
    const sparse = ["a", , "c"] as unknown as string[];
    const span = new Span("a").setAttribute("k", sparse);
    assert.deepEqual(span.attributes.k, ["a", null, "c"]);
    assert.equal(Object.hasOwn(span.attributes.k as string[], 1), true);
  });

  test("setAttributes and attributes given at start keep them, in a copy of the caller's array", () => {
    const given = ["a", undefined, "b"] as unknown as (string | null)[];
    const set = new Span("a").setAttributes({ n: 1, k: given });
    const started = new Tracer().startSpan("b", { attributes: { n: 1, k: given } });
    for (const span of [set, started]) {
      assert.deepEqual(span.attributes, { n: 1, k: ["a", null, "b"] });
      assert.equal(span.droppedAttributesCount, 0);
      assert.notEqual(span.attributes.k, given);
    }
    given[1] = "changed";
    assert.deepEqual(set.attributes.k, ["a", null, "b"]);
  });

  test("event and link attributes keep them, from addEvent, addLink and startSpan's links", () => {
    const tracer = new Tracer();
    const linked = SpanContext.newRoot();
    const span = tracer.startSpan("a", {
      links: [{ context: linked, attributes: { ids: [null, 2] } }],
    });
    span.addEvent("e", { header_values: ["text/html", null, "example.test"] });
    span.addLink(linked, { flags: [true, undefined] as unknown as (boolean | null)[] });
    assert.deepEqual(span.events[0].attributes, {
      header_values: ["text/html", null, "example.test"],
    });
    assert.equal(span.events[0].droppedAttributesCount, 0);
    assert.deepEqual(span.links.map((l) => l.attributes), [{ ids: [null, 2] }, {
      flags: [true, null],
    }]);
    assert.deepEqual(span.links.map((l) => l.droppedAttributesCount), [0, 0]);
  });

  test("strings next to null elements are still cut to attributeValueLengthLimit", () => {
    const span = new Tracer({ limits: { attributeValueLengthLimit: 3 } }).startSpan("a");
    span.setAttribute("k", [null, "abcdef", undefined, "xy"] as unknown as (string | null)[]);
    assert.deepEqual(span.attributes.k, [null, "abc", null, "xy"]);
  });

  test("a mixed array is still dropped and counted when it also holds null", () => {
    const span = new Span("a")
      .setAttribute("mixed", [null, "a", 1] as never)
      .setAttribute("nested", [null, ["a"]] as never);
    assert.deepEqual(span.attributes, {});
    assert.equal(span.droppedAttributesCount, 2);
  });

  test("toJSON and JSON.stringify carry the null elements", () => {
    const span = new Span("a").setAttribute("k", ["a", null]).start(0).end(1);
    assert.deepEqual(span.toJSON().attributes, { k: ["a", null] });
    assert.deepEqual(JSON.parse(JSON.stringify(span)).attributes, { k: ["a", null] });
  });

  test("sanitizeAttributeValue returns a copy with undefined as null, or undefined when mixed", () => {
    const given = [undefined, 1];
    const clean = sanitizeAttributeValue(given);
    assert.deepEqual(clean, [null, 1]);
    assert.notEqual(clean, given);
    assert.deepEqual(sanitizeAttributeValue([null]), [null]);
    assert.deepEqual(sanitizeAttributeValue(["abc", null], 1), ["a", null]);
    assert.equal(sanitizeAttributeValue([null, true, "x"]), undefined);
  });
});

describe("span limits", () => {
  test("events, links and their attributes have limits of 128 by default", () => {
    const span = new Span("a");
    const attrs = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`k${i}`, i]));
    for (let i = 0; i < 130; i++) span.addEvent(`e${i}`);
    for (let i = 0; i < 130; i++) span.addLink(new Span("x").context);
    span.addEvent("ignored", attrs);
    assert.equal(span.events.length, 128);
    assert.equal(span.droppedEventsCount, 3);
    assert.equal(span.links.length, 128);
    assert.equal(span.droppedLinksCount, 2);
    const other = new Span("b").addEvent("e", attrs).addLink(new Span("x").context, attrs);
    assert.equal(Object.keys(other.events[0].attributes).length, 128);
    assert.equal(other.events[0].droppedAttributesCount, 2);
    assert.equal(Object.keys(other.links[0].attributes).length, 128);
    assert.equal(other.links[0].droppedAttributesCount, 2);
  });

  test("each limit is configurable", () => {
    const tracer = new Tracer({
      limits: {
        eventCountLimit: 1,
        linkCountLimit: 0,
        attributePerEventCountLimit: 1,
        attributePerLinkCountLimit: 0,
      },
    });
    const span = tracer.startSpan("a")
      .addEvent("one", { a: 1, b: 2 })
      .addEvent("two")
      .addLink(new Span("x").context, { a: 1 });
    assert.deepEqual(span.events[0].attributes, { a: 1 });
    assert.equal(span.events[0].droppedAttributesCount, 1);
    assert.equal(span.droppedEventsCount, 1);
    assert.equal(span.links.length, 0);
    assert.equal(span.droppedLinksCount, 1);
  });

  const badLimits: [string, unknown][] = [
    ["a negative count", { attributeCountLimit: -1 }],
    ["a fractional count", { eventCountLimit: 1.5 }],
    ["NaN", { linkCountLimit: NaN }],
    ["a string", { attributeValueLengthLimit: "10" }],
  ];
  for (const [what, limits] of badLimits) {
    test(`a Tracer with ${what} as a limit throws a RangeError`, () => {
      assert.throws(
        () => new Tracer({ limits: limits as never }),
        (e: unknown) => e instanceof RangeError && /^Cannot resolve span limits: /.test(e.message),
      );
    });
  }

  test("limits that are not an object are a TypeError", () => {
    assert.throws(() => new Tracer({ limits: 5 as never }), TypeError);
  });
});

// Records that throw when read: a getter, or a Proxy whose traps throw.
function throwingGetter(): Record<string, unknown> {
  const record: Record<string, unknown> = { before: 1 };
  Object.defineProperty(record, "bad", {
    enumerable: true,
    get() {
      throw new Error("getter");
    },
  });
  record.after = 2;
  return record;
}

function trapThrowing(trap: keyof ProxyHandler<object>, onlyKey?: string): object {
  const target = { before: 1, bad: 2, after: 3 };
  return new Proxy(target, {
    [trap](...args: unknown[]) {
      if (onlyKey === undefined || args[1] === onlyKey) throw new Error(`trap ${trap}`);
      return (Reflect[trap as keyof typeof Reflect] as (...a: unknown[]) => unknown)(...args);
    },
  });
}

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
  revoke();
  return proxy;
}

// What a record must come to: the entries that can be read, and the count of
// those that cannot (one for a record whose keys cannot be listed).
const hostileRecords: [string, () => object, Record<string, unknown>, number][] = [
  ["a getter that throws", throwingGetter, { before: 1, after: 2 }, 1],
  ["a Proxy whose get trap throws for one key", () => trapThrowing("get", "bad"), {
    before: 1,
    after: 3,
  }, 1],
  [
    "a Proxy whose getOwnPropertyDescriptor trap throws for one key",
    () => trapThrowing("getOwnPropertyDescriptor", "bad"),
    { before: 1, after: 3 },
    1,
  ],
  ["a Proxy whose ownKeys trap throws", () => trapThrowing("ownKeys"), {}, 1],
  ["a Proxy whose get trap always throws", () => trapThrowing("get"), {}, 3],
  ["a Proxy whose has trap throws", () => trapThrowing("has"), { before: 1, bad: 2, after: 3 }, 0],
  ["a Proxy whose getPrototypeOf trap throws", () => trapThrowing("getPrototypeOf"), {
    before: 1,
    bad: 2,
    after: 3,
  }, 0],
  ["a revoked Proxy", revoked, {}, 1],
];

describe("attribute records that throw when read are dropped and counted, never thrown", () => {
  for (const [what, make, kept, dropped] of hostileRecords) {
    test(`${what}: setAttributes on a span that has attributes`, () => {
      const span = new Span("a").setAttribute("first", 0).setAttributes(make() as never);
      assert.deepEqual(span.attributes, { first: 0, ...kept });
      assert.equal(span.droppedAttributesCount, dropped);
    });

    test(`${what}: startSpan({ attributes }) on an empty span`, () => {
      const span = new Tracer().startSpan("a", { attributes: make() as never });
      assert.deepEqual(span.attributes, kept);
      assert.equal(span.droppedAttributesCount, dropped);
    });

    test(`${what}: addEvent and addLink keep the event and link`, () => {
      const span = new Span("a")
        .addEvent("e", make() as never)
        .addLink(SpanContext.newRoot(), make() as never);
      assert.deepEqual(span.events[0].attributes, kept);
      assert.equal(span.events[0].droppedAttributesCount, dropped);
      assert.deepEqual(span.links[0].attributes, kept);
      assert.equal(span.links[0].droppedAttributesCount, dropped);
    });
  }

  test("entries read before a getter threw are neither read again nor counted twice", () => {
    let reads = 0;
    const record: Record<string, unknown> = {
      invalid: {},
      get counted() {
        reads++;
        return 1;
      },
    };
    Object.defineProperty(record, "bad", {
      enumerable: true,
      get() {
        throw new Error("getter");
      },
    });
    record.after = 2;
    const span = new Span("a").setAttribute("first", 0).setAttributes(record as never);
    assert.deepEqual(span.attributes, { first: 0, counted: 1, after: 2 });
    assert.equal(span.droppedAttributesCount, 2, "the invalid value and the getter that threw");
    assert.equal(reads, 1);
  });

  test("an array value whose elements throw when read is dropped and counted", () => {
    const getterArray = ["a", "b"];
    Object.defineProperty(getterArray, 1, {
      get() {
        throw new Error("index");
      },
    });
    const trapArray = new Proxy(["a"], {
      get() {
        throw new Error("get");
      },
    });
    const { proxy: revokedArray, revoke } = Proxy.revocable(["a"], {});
    revoke();
    const span = new Span("a")
      .setAttribute("getter", getterArray)
      .setAttribute("trap", trapArray)
      .setAttribute("revoked", revokedArray)
      .setAttributes({ ok: 1, inRecord: trapArray });
    assert.deepEqual(span.attributes, { ok: 1 });
    assert.equal(span.droppedAttributesCount, 4);
    assert.equal(sanitizeAttributeValue(revokedArray), undefined);
    assert.equal(sanitizeAttributeValue(trapArray), undefined);
  });

  test("Tracer.span and Tracer.wrap run the work with a record that throws when read", async () => {
    const memory = new InMemorySpanProcessor();
    const tracer = new Tracer({ processors: [memory] });
    assert.equal(tracer.span("s", { attributes: throwingGetter() as never }, () => 1), 1);
    const wrapped = tracer.wrap((n: number) => Promise.resolve(n * 2), {
      name: "w",
      attributes: trapThrowing("ownKeys") as never,
    });
    assert.equal(await wrapped(2), 4);
    assert.deepEqual(memory.spans.map((s) => [s.name, s.droppedAttributesCount]), [
      ["s", 1],
      ["w", 1],
    ]);
  });

  test("a sampler's result attributes that throw when read are dropped and counted", () => {
    const tracer = new Tracer({
      sampler: {
        shouldSample: () => ({
          decision: "recordAndSample",
          attributes: throwingGetter() as never,
        }),
      },
    });
    const span = tracer.startSpan("a");
    assert.deepEqual(span.attributes, { before: 1, after: 2 });
    assert.equal(span.droppedAttributesCount, 1);
  });

  test("a sampler's result whose getters throw counts as a sampler that threw: the span is dropped", async () => {
    const result = {
      get decision(): "recordAndSample" {
        throw new Error("decision");
      },
    };
    const tracer = new Tracer({ sampler: { shouldSample: () => result } });
    let span: Span | undefined;
    await captureWarnings(() => {
      span = tracer.startSpan("a");
    });
    assert.equal(span!.isRecording, false);
  });

  test("addLink with a context object whose getters throw drops and counts the link", () => {
    const hostile = {
      get traceId(): string {
        throw new Error("traceId");
      },
    };
    const span = new Span("a")
      .addLink(hostile as never)
      .addLink(trapThrowing("getPrototypeOf") as never);
    assert.equal(span.links.length, 0);
    assert.equal(span.droppedLinksCount, 2);
  });
});
