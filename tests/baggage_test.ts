// Tests for W3C Baggage ("Baggage HTTP Header Format"): the header grammar,
// percent-encoding, properties and limits; and the baggage current in async
// context.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Baggage,
  BAGGAGE_KEY,
  extractBaggage,
  getBaggage,
  getCurrentContext,
  injectContext,
  propagationStats,
  setBaggage,
  withBaggage,
} from "../mod.ts";

describe("baggage parsing (W3C Baggage, Definition)", () => {
  test("reads the specification's example with properties and whitespace", () => {
    const baggage = Baggage.parse(
      "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
    );
    assert.deepEqual(baggage.entries(), [
      ["key1", { value: "value1", metadata: "property1;property2" }],
      ["key2", { value: "value2" }],
      ["key3", { value: "value3", metadata: "propertyKey=propertyValue" }],
    ]);
  });

  test("values are percent-decoded UTF-8", () => {
    const baggage = Baggage.parse(
      "userId=alice,serverNode=DF%2028,isProduction=false,name=J%C3%BCrgen",
    );
    assert.equal(baggage.get("serverNode")?.value, "DF 28");
    assert.equal(baggage.get("name")?.value, "Jürgen");
  });

  test("percent-encoded bytes that are not UTF-8 MUST become U+FFFD, not drop the member", () => {
    // W3C Baggage, value: "When decoding the value, percent-encoded octet
    // sequences that do not match the UTF-8 encoding scheme MUST be replaced
    // with the replacement code point (U+FFFD)."
    const before = propagationStats().baggage;
    const baggage = Baggage.parse("a=%FF,b=caf%C3,c=x%E2%82y,d=ok");
    assert.equal(baggage.get("a")?.value, "\uFFFD");
    assert.equal(baggage.get("b")?.value, "caf\uFFFD");
    assert.equal(baggage.get("c")?.value, "x\uFFFDy");
    assert.equal(baggage.get("d")?.value, "ok");
    assert.equal(propagationStats().baggage, before, "nothing was malformed");
    // A leading U+FEFF is part of the value, with or without bytes to replace.
    const bom = Baggage.parse("h=%EF%BB%BFx,i=%EF%BB%BFx%FF");
    assert.equal(bom.get("h")?.value, "\uFEFFx");
    assert.equal(bom.get("i")?.value, "\uFEFFx\uFFFD");
    // A "%" that starts no percent-encoded octet is still malformed: dropped, counted.
    const bad = Baggage.parse("e=50%,f=%zz,g=1");
    assert.deepEqual(bad.entries(), [["g", { value: "1" }]]);
    assert.equal(propagationStats().baggage, before + 2);
  });

  test("OWS around keys, values and properties MUST be trimmed", () => {
    const baggage = Baggage.parse("userId =   alice ;  p = 1  ");
    assert.deepEqual(baggage.get("userId"), { value: "alice", metadata: "p=1" });
  });

  test("a value MAY contain = and parsers MUST NOT assume it only separates key and value", () => {
    assert.equal(Baggage.parse("token=abc==").get("token")?.value, "abc==");
  });

  test("an empty value is allowed", () => {
    assert.equal(Baggage.parse("flag=").get("flag")?.value, "");
  });

  test("repeated headers are combined in order", () => {
    const baggage = extractBaggage({ baggage: ["userId=alice", "serverNode=DF%2028"] });
    assert.deepEqual(baggage.entries().map(([k]) => k), ["userId", "serverNode"]);
    const headers = new Headers();
    headers.append("Baggage", "a=1");
    headers.append("baggage", "b=2");
    assert.equal(extractBaggage(headers).serialize(), "a=1,b=2");
  });

  test("a malformed member is dropped, counted, and the others kept", () => {
    const before = propagationStats().baggage;
    const baggage = Baggage.parse('good=1,bad key=2,q="x",noequals,pct=%zz,semi=1;,ok=2');
    assert.deepEqual(baggage.entries().map(([k]) => k), ["good", "ok"]);
    assert.equal(propagationStats().baggage, before + 5);
  });

  test("a repeated key keeps its last value", () => {
    assert.equal(Baggage.parse("a=1,a=2").get("a")?.value, "2");
  });
});

describe("baggage limits (W3C Baggage, Limits)", () => {
  test("at least 64 members are propagated; more are dropped", () => {
    const header = Array.from({ length: 70 }, (_, i) => `k${i}=${i}`).join(",");
    const baggage = Baggage.parse(header);
    assert.equal(baggage.size, 64);
    assert.equal(baggage.get("k63")?.value, "63");
    assert.equal(baggage.get("k64"), undefined);
  });

  test("at least 8,192 bytes are propagated; members past them are dropped whole", () => {
    const member = (i: number) => `k${String(i).padStart(3, "0")}=${"v".repeat(200)}`;
    const header = Array.from({ length: 60 }, (_, i) => member(i)).join(",");
    assert.ok(header.length > 8192);
    const baggage = Baggage.parse(header);
    const kept = baggage.serialize();
    assert.ok(kept.length <= 8192 && kept.length > 8192 - 206, `${kept.length}`);
    for (const [, entry] of baggage.entries()) assert.equal(entry.value.length, 200);
  });

  // W3C Baggage, Limits: "A platform MUST propagate all list-members ...
  // whenever ... The resulting baggage-string is of size 8192 bytes or less",
  // and "all limits apply to the combination of all baggage headers".
  const exactly8192 = () => {
    const member = (i: number, n = 200) => `k${String(i).padStart(2, "0")}=${"v".repeat(n)}`;
    const first = Array.from({ length: 20 }, (_, i) => member(i)).join(",");
    const rest = Array.from({ length: 19 }, (_, i) => member(i + 20)).join(",");
    const last = member(39, 8192 - first.length - rest.length - 2 - 4);
    return [first, `${rest},${last}`];
  };

  test("two headers of 8,192 bytes combined keep every member, though Headers joins them with ', '", () => {
    const [first, second] = exactly8192();
    assert.equal(`${first},${second}`.length, 8192);
    const headers = new Headers();
    headers.append("baggage", first);
    headers.append("baggage", second);
    const before = propagationStats().baggage;
    const baggage = extractBaggage(headers);
    assert.equal(baggage.size, 40);
    assert.ok(baggage.serialize() === `${first},${second}`, "the members, in order");
    assert.equal(propagationStats().baggage, before, "nothing was dropped");
  });

  test("optional whitespace and needless escapes do not count against the 8,192 bytes", () => {
    const [first, second] = exactly8192();
    const wire = `${first},${second}`;
    const spaced = wire.replaceAll(",", " , ").replaceAll("=", " = ");
    const escaped = wire.replace("k00=vvvv", "k00=%76%76%76%76");
    for (const header of [spaced, escaped]) {
      assert.ok(header.length > 8192);
      const baggage = Baggage.parse(header);
      assert.equal(baggage.size, 40);
      assert.ok(baggage.serialize() === wire, "the same members, written without whitespace");
    }
  });

  // W3C Baggage, Value: octets outside baggage-octet "MUST be percent-encoded";
  // those inside "MAY be". A value a sender wrote raw ("$&+/:=?@", in URLs
  // and base64) is one byte each, and is measured so.
  test("a member a sender wrote raw within 8,192 bytes is kept, though its value has $&+/:=?@", () => {
    const [first, second] = exactly8192();
    // k00's 200 bytes, most of them octets encodeURIComponent would escape.
    const url = "https://example.com/a?b=c&d=e+f@g$h:i".padEnd(200, "/");
    const wire = `${first},${second}`.replace(`k00=${"v".repeat(200)},`, `k00=${url},`);
    assert.equal(wire.length, 8192);
    const before = propagationStats().baggage;
    const baggage = Baggage.parse(wire);
    assert.equal(baggage.size, 40);
    assert.equal(baggage.get("k00")?.value, url);
    assert.ok(baggage.serialize() === wire, "written as the sender wrote it");
    assert.equal(propagationStats().baggage, before, "nothing was dropped");
  });

  test("a 1 MB header is cut at the limit before it is split", () => {
    const baggage = Baggage.parse(`a=1,${"b".repeat(1_000_000)}`);
    assert.deepEqual(baggage.entries(), [["a", { value: "1" }]]);
  });

  test("serialize stops at 64 members and 8,192 bytes", () => {
    let many = new Baggage();
    for (let i = 0; i < 100; i++) many = many.set(`k${i}`, "v");
    assert.equal(many.serialize().split(",").length, 64);
    let big = new Baggage();
    for (let i = 0; i < 20; i++) big = big.set(`k${i}`, "é".repeat(100));
    assert.ok(big.serialize().length <= 8192);
  });
});

describe("the Baggage type", () => {
  test("serialize percent-encodes what a baggage-octet cannot hold, and parse reverses it", () => {
    const value = 'a b,c;d=e"f\\g%h\u00e9\u{1f600}';
    const wire = new Baggage({ k: value }).serialize();
    assert.match(wire, /^k=[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/);
    assert.equal(Baggage.parse(wire).get("k")?.value, value);
  });

  test("serialize escapes as encodeURIComponent does, and writes allowed octets raw only where that keeps a member", () => {
    const raw = "!#$&'()*+-./0123456789:<=>?@AZ[]^_`az{|}~";
    assert.equal(new Baggage({ k: raw }).serialize(), `k=${encodeURIComponent(raw)}`);
    // 30 members of 300 octets W3C Baggage allows raw: 26 fit in 8,192
    // bytes raw (305 bytes each with the comma), 14 escaped.
    const value = "a=b:c/d".repeat(43).slice(0, 300);
    let big = new Baggage();
    for (let i = 0; i < 30; i++) big = big.set(`k${String(i).padStart(2, "0")}`, value);
    const before = propagationStats().baggage;
    const wire = big.serialize();
    assert.ok(wire.length <= 8192, `${wire.length}`);
    assert.equal(wire.split(",").length, 26, "as many members as fit raw");
    assert.ok(wire.startsWith(`k00=${value},`), wire.slice(0, 40));
    assert.equal(propagationStats().baggage, before + 4);
    assert.equal(Baggage.parse(wire).get("k25")?.value, value);
  });

  test("is immutable: set and delete return new baggage", () => {
    const a = new Baggage({ x: "1" });
    const b = a.set("y", "2", "ttl=60");
    assert.equal(a.size, 1);
    assert.deepEqual(b.get("y"), { value: "2", metadata: "ttl=60" });
    assert.equal(b.delete("x").serialize(), "y=2;ttl=60");
    assert.equal(a.delete("missing"), a);
    assert.throws(() => {
      (a.get("x") as { value: string }).value = "changed";
    }, TypeError);
  });

  test("invalid keys, values or metadata are programming errors: TypeError", () => {
    assert.throws(() => new Baggage({ "a b": "1" }), TypeError);
    assert.throws(() => new Baggage().set("k", 1 as unknown as string), TypeError);
    assert.throws(() => new Baggage().set("k", "v", "bad prop;"), TypeError);
    // "If the property value contains the percent code point (U+0025), it
    // MUST be percent-encoded": a stray % is malformed there too.
    assert.throws(() => new Baggage().set("k", "v", "p=%zz"), TypeError);
    assert.equal(new Baggage().set("k", "v", "p=50%25").serialize(), "k=v;p=50%25");
  });

  test("a property value with a % that starts no %XX drops its member, as a value's does", () => {
    assert.equal(Baggage.parse("k=v;p=50%,ok=1;p=50%25").serialize(), "ok=1;p=50%25");
  });

  test("a value that cannot be encoded (lone surrogate) is left out of the header", () => {
    const baggage = new Baggage({ ok: "1", bad: "\ud800" });
    assert.equal(baggage.serialize(), "ok=1");
  });
});

describe("the current baggage", () => {
  test("is empty where none is set", () => {
    assert.equal(getBaggage().size, 0);
  });

  test("withBaggage makes baggage current across await and restores it after", async () => {
    const baggage = new Baggage({ tenant: "acme" });
    await withBaggage(baggage, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      assert.equal(getBaggage(), baggage);
      assert.equal(getCurrentContext().getValue(BAGGAGE_KEY), baggage);
    });
    assert.equal(getBaggage().size, 0);
  });

  test("concurrent tasks each see their own baggage", async () => {
    const seen = await Promise.all(
      ["a", "b", "c"].map((v) =>
        withBaggage(new Baggage({ v }), async () => {
          await new Promise((resolve) => setTimeout(resolve, 3 - v.charCodeAt(0) % 3));
          return getBaggage().get("v")?.value;
        })
      ),
    );
    assert.deepEqual(seen, ["a", "b", "c"]);
  });

  test("setBaggage changes the current baggage for the rest of the task", async () => {
    await withBaggage(new Baggage(), async () => {
      setBaggage(getBaggage().set("step", "2"));
      await Promise.resolve();
      assert.equal(getBaggage().get("step")?.value, "2");
    });
  });

  test("injectContext writes the current baggage unless told otherwise", () => {
    withBaggage(new Baggage({ user: "ada" }), () => {
      const a: Record<string, string> = {};
      injectContext(a);
      assert.equal(a.baggage, "user=ada");
      const b: Record<string, string> = {};
      injectContext(b, undefined, { baggage: null });
      assert.equal(b.baggage, undefined);
    });
  });

  test("injectContext refuses a baggage option that is not a Baggage or null", () => {
    // A programming error, loud: it was ignored, so the request went out
    // without the baggage the caller meant to send.
    for (const bad of ["user=ada", { user: "ada" }, 0]) {
      const headers: Record<string, string> = {};
      assert.throws(
        () => injectContext(headers, undefined, { baggage: bad as unknown as Baggage }),
        /^TypeError: Cannot inject context: baggage must be a Baggage or null, got /,
      );
      assert.deepEqual(headers, {});
    }
  });

  test("withBaggage and setBaggage refuse what is not a Baggage", () => {
    assert.throws(() => withBaggage({} as Baggage, () => 1), TypeError);
    assert.throws(() => setBaggage("a=1" as unknown as Baggage), TypeError);
  });
});
