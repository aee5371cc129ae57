import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { encodeOtlpJson, Resource, SDK_NAME } from "../otlp.ts";
import { Tracer } from "../mod.ts";
import { VERSION } from "../src/platform/_version.ts";
import { captureWarnings, isBun, isDeno } from "./_helpers.ts";

const runtime = isDeno ? "deno" : isBun ? "bun" : "node";

describe("Resource.detect", () => {
  test("falls back to unknown_service:<runtime> without any service name", () => {
    const resource = Resource.detect({ env: {} });
    assert.equal(resource.attributes["service.name"], `unknown_service:${runtime}`);
  });

  test("takes service.name from options, then the attributes given, then OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES", () => {
    const env = { OTEL_SERVICE_NAME: "from-env", OTEL_RESOURCE_ATTRIBUTES: "service.name=attrs" };
    assert.equal(Resource.detect({ env, serviceName: "opt" }).attributes["service.name"], "opt");
    // The code's resource wins over the environment's, service.name as every
    // other attribute (resource/sdk.md).
    const given = { "service.name": "code", "deployment.environment.name": "code" };
    const fromCode = Resource.detect({
      env: { ...env, OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=env" },
      attributes: given,
    });
    assert.equal(fromCode.attributes["service.name"], "code");
    assert.equal(fromCode.attributes["deployment.environment.name"], "code");
    assert.equal(Resource.detect({ env }).attributes["service.name"], "from-env");
    assert.equal(
      Resource.detect({ env: { OTEL_RESOURCE_ATTRIBUTES: "service.name=attrs" } })
        .attributes["service.name"],
      "attrs",
    );
  });

  test("reports the SDK's name, language and version, and the runtime's name and version", () => {
    const a = Resource.detect({ env: {}, serviceVersion: "9.9.9" }).attributes;
    assert.equal(a["service.version"], "9.9.9");
    assert.equal(a["telemetry.sdk.name"], "@codomyrmex/spans");
    assert.equal(a["telemetry.sdk.name"], SDK_NAME);
    // The semantic conventions' value for JavaScript with a process (Node,
    // and Deno and Bun, which load the OpenTelemetry SDK's Node build).
    assert.equal(a["telemetry.sdk.language"], "nodejs");
    assert.equal(a["telemetry.sdk.version"], VERSION);
    assert.equal(a["process.runtime.name"], isDeno ? "deno" : isBun ? "bun" : "nodejs");
    const g = globalThis as {
      Deno?: { version: { deno: string } };
      process?: { versions: Record<string, string> };
    };
    const expected = isDeno
      ? g.Deno!.version.deno
      : isBun
      ? g.process!.versions.bun
      : g.process!.versions.node;
    assert.equal(a["process.runtime.version"], expected);
  });

  test("reports telemetry.sdk.language webjs where there is no process (a browser, a web worker)", () => {
    // The runtime's globals hidden for one synchronous call, then put back.
    const names = ["Deno", "process"] as const;
    const saved = names.map((name) => Object.getOwnPropertyDescriptor(globalThis, name));
    let a: Readonly<Record<string, unknown>>;
    try {
      for (const name of names) {
        Object.defineProperty(globalThis, name, { value: undefined, configurable: true });
      }
      a = Resource.detect({ env: {} }).attributes;
    } finally {
      names.forEach((name, i) => {
        if (saved[i] === undefined) delete (globalThis as Record<string, unknown>)[name];
        else Object.defineProperty(globalThis, name, saved[i]!);
      });
    }
    assert.equal(typeof (globalThis as { process?: unknown }).process, "object", "put back");
    assert.equal(a["telemetry.sdk.language"], "webjs");
    assert.equal(a["process.runtime.name"], "browser");
    assert.equal(a["service.name"], "unknown_service:browser");
  });

  test("reads only OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES: other malformed variables are not its to warn about", async () => {
    const env = {
      OTEL_SERVICE_NAME: "shop",
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector.invalid:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://collector.invalid/v1/traces",
      OTEL_TRACES_SAMPLER: "sometimes",
      OTEL_BSP_MAX_QUEUE_SIZE: "-1",
    };
    let resource!: Resource;
    const warnings = await captureWarnings(() => resource = Resource.detect({ env }));
    assert.deepEqual(warnings, []);
    assert.equal(resource.attributes["service.name"], "shop");
    const bad = await captureWarnings(() =>
      Resource.detect({ env: { OTEL_RESOURCE_ATTRIBUTES: "no-equals-sign" } })
    );
    assert.equal(bad.length, 1, bad.join("\n"));
    assert.match(bad[0], /OTEL_RESOURCE_ATTRIBUTES/);
  });

  test("lets given attributes win over OTEL_RESOURCE_ATTRIBUTES", () => {
    const a = Resource.detect({
      env: { OTEL_RESOURCE_ATTRIBUTES: "team=env,region=eu" },
      attributes: { team: "code" },
    }).attributes;
    assert.equal(a.team, "code");
    assert.equal(a.region, "eu");
  });

  test("drops and counts invalid attribute values instead of throwing", () => {
    const resource = new Resource({ ok: 1, obj: {}, nul: null, mixed: [1, "a"] });
    assert.deepEqual(resource.attributes, { ok: 1 });
    assert.equal(resource.droppedAttributesCount, 3);
    assert.ok(Object.isFrozen(resource.attributes));
  });
});

describe("Resource schema URLs", () => {
  const A = "https://opentelemetry.io/schemas/1.24.0";
  const B = "https://opentelemetry.io/schemas/1.26.0";

  test("are given with the attributes, and none is undefined", () => {
    assert.equal(new Resource({ a: 1 }, { schemaUrl: A }).schemaUrl, A);
    assert.equal(new Resource({ a: 1 }).schemaUrl, undefined);
    assert.equal(new Resource({ a: 1 }, {}).schemaUrl, undefined);
    assert.equal(new Resource({ a: 1 }, { schemaUrl: "" }).schemaUrl, undefined);
  });

  test("one that is no string, or options that are no object, are a TypeError", () => {
    assert.throws(() => new Resource({}, { schemaUrl: 5 } as never), {
      name: "TypeError",
      message: "Cannot create Resource: schemaUrl must be a string, got number 5",
    });
    assert.throws(
      () => new Resource({}, "https://x" as never),
      (e: unknown) => e instanceof TypeError && /^Cannot create Resource: /.test(e.message),
    );
  });

  test("merge: an empty one takes the other's; two that differ keep the updating one's", () => {
    const none = new Resource({ a: 1 });
    const a = new Resource({ b: 1 }, { schemaUrl: A });
    const b = new Resource({ c: 1 }, { schemaUrl: B });
    assert.equal(none.merge(a).schemaUrl, A);
    assert.equal(a.merge(none).schemaUrl, A);
    assert.equal(a.merge(a).schemaUrl, A);
    assert.equal(a.merge(b).schemaUrl, B);
    assert.equal(b.merge(a).schemaUrl, A);
    assert.equal(none.merge(none).schemaUrl, undefined);
    assert.deepEqual(a.merge(b).attributes, { b: 1, c: 1 });
  });
});

describe("Resource.merge", () => {
  test("keeps the attributes both resources dropped counted, and sends the sum", () => {
    const base = new Resource({ "service.name": "shop", bad: {} });
    const extra = new Resource({ "service.version": "2", nul: null, mixed: [1, "a"] });
    const merged = base.merge(extra);
    assert.deepEqual(merged.attributes, { "service.name": "shop", "service.version": "2" });
    assert.equal(merged.droppedAttributesCount, 3);
    assert.equal(extra.merge(base).droppedAttributesCount, 3);
    // Merged again, and with a resource that dropped nothing.
    assert.equal(merged.merge(new Resource({ a: 1 })).droppedAttributesCount, 3);
    assert.equal(new Resource().merge(new Resource()).droppedAttributesCount, 0);
    // What an OTLP request carries.
    const span = new Tracer().startSpan("x").end();
    const body = JSON.parse(new TextDecoder().decode(encodeOtlpJson([span], { resource: merged })));
    assert.equal(body.resourceSpans[0].resource.droppedAttributesCount, 3);
  });

  test("a plain object given as the other resource has its invalid attributes dropped and counted", () => {
    const merged = new Resource({ a: 1, bad: {} }).merge(
      { attributes: { b: 2, nul: null } } as never,
    );
    assert.deepEqual(merged.attributes, { a: 1, b: 2 });
    assert.equal(merged.droppedAttributesCount, 2);
  });
});

test("the SDK version constant equals the version in deno.json", () => {
  const config = JSON.parse(readFileSync(new URL("../deno.json", import.meta.url), "utf8"));
  assert.equal(VERSION, config.version);
});
