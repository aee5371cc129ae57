import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  type Diagnostic,
  ParentBasedSampler,
  setDiagnostics,
  TraceIdRatioSampler,
} from "../mod.ts";
import { readEnv, readOtlpEnv } from "../otlp.ts";
import { captureWarnings, isDeno } from "./_helpers.ts";
import { runSnippet } from "./_child_process.ts";

/** Reads `env` `times` times: the config, and the warnings all the reads gave. */
async function readWarned(
  env: Record<string, string>,
  times = 1,
): Promise<{ config: ReturnType<typeof readOtlpEnv>; warned: string[] }> {
  let config!: ReturnType<typeof readOtlpEnv>;
  const warned = await captureWarnings(() => {
    for (let i = 0; i < times; i++) config = readOtlpEnv(env);
  });
  return { config, warned };
}

describe("readOtlpEnv", () => {
  test("appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT, with or without a trailing slash", () => {
    assert.equal(
      readOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }).url,
      "http://c:4318/v1/traces",
    );
    assert.equal(
      readOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c/otlp/" }).url,
      "https://c/otlp/v1/traces",
    );
  });

  test("appends v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT's path, not to its query or fragment", () => {
    // "signals are sent to these paths relative to that [base URL]"
    // (protocol/exporter.md): v1/traces goes after the path, and the query
    // stays a query.
    const cases: [string, string][] = [
      ["http://c:4318/otlp?tenant=a", "http://c:4318/otlp/v1/traces?tenant=a"],
      ["http://c:4318/otlp/?tenant=a&b=c", "http://c:4318/otlp/v1/traces?tenant=a&b=c"],
      ["http://c:4318?tenant=a", "http://c:4318/v1/traces?tenant=a"],
      ["https://c/base#frag", "https://c/base/v1/traces#frag"],
    ];
    for (const [endpoint, expected] of cases) {
      const url = readOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).url!;
      assert.equal(url, expected, endpoint);
      assert.match(new URL(url).pathname, /\/v1\/traces$/, endpoint);
    }
  });

  test("uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, over the generic endpoint", () => {
    const config = readOtlpEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://generic:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/custom",
    });
    assert.equal(config.url, "http://traces:9999/custom");
  });

  test("lets every TRACES_ variable win over its generic one", () => {
    const config = readOtlpEnv({
      OTEL_EXPORTER_OTLP_TIMEOUT: "1000",
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "2000",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_COMPRESSION: "none",
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "gzip",
      OTEL_EXPORTER_OTLP_HEADERS: "a=1,b=2",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "b=3",
    });
    assert.equal(config.timeoutMs, 2000);
    assert.equal(config.protocol, "http/json");
    assert.equal(config.compression, "gzip");
    assert.deepEqual(config.headers, { a: "1", b: "3" });
  });

  test("percent-decodes header and resource attribute values and trims whitespace", () => {
    const config = readOtlpEnv({
      OTEL_EXPORTER_OTLP_HEADERS: " api-key = a%2Cb%3Dc , x=caf%C3%A9 ",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod%20eu,team=core",
    });
    assert.deepEqual(config.headers, { "api-key": "a,b=c", x: "café" });
    assert.deepEqual(config.resourceAttributes, {
      "deployment.environment.name": "prod eu",
      team: "core",
    });
  });

  test("builds each OTEL_TRACES_SAMPLER with its ratio argument", () => {
    const sampler = (name: string, arg?: string) =>
      readOtlpEnv({ OTEL_TRACES_SAMPLER: name, OTEL_TRACES_SAMPLER_ARG: arg }).sampler;
    assert.ok(sampler("always_on") instanceof AlwaysOnSampler);
    assert.ok(sampler("always_off") instanceof AlwaysOffSampler);
    assert.equal(String(sampler("traceidratio", "0.25")), "TraceIdRatioBased{0.25}");
    assert.ok(sampler("traceidratio", "0.25") instanceof TraceIdRatioSampler);
    for (const name of ["parentbased_always_on", "parentbased_always_off"]) {
      assert.ok(sampler(name) instanceof ParentBasedSampler);
    }
    assert.match(String(sampler("parentbased_traceidratio", "0.5")), /0\.5/);
  });

  test("reads the batch processor variables and OTEL_SDK_DISABLED", () => {
    const config = readOtlpEnv({
      OTEL_BSP_SCHEDULE_DELAY: "0",
      OTEL_BSP_EXPORT_TIMEOUT: "1500",
      OTEL_BSP_MAX_QUEUE_SIZE: "10",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "5",
      OTEL_SDK_DISABLED: "TRUE",
    });
    // A Duration "is non-negative": 0 is the processor's shortest interval.
    assert.equal(config.scheduleDelayMs, 1);
    assert.equal(config.exportTimeoutMs, 1500);
    assert.equal(config.maxQueueSize, 10);
    assert.equal(config.maxExportBatchSize, 5);
    assert.equal(config.sdkDisabled, true);
  });

  test("skips header entries that fetch would refuse, keeping the rest", async () => {
    const warnings = await captureWarnings(() => {
      const config = readOtlpEnv({
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: "bad name=1,good=ok,nl=a%0Ab,emoji=%F0%9F%99%82",
      });
      assert.deepEqual(config.headers, { good: "ok" });
    });
    assert.ok(
      warnings.every((w) => !w.includes("%0A") && !w.includes("a\nb")),
      "values not printed",
    );
  });

  test("a malformed OTEL_EXPORTER_OTLP_HEADERS is warned about by key and position, never by value", async () => {
    const secret = "s3cret-Zq8";
    const warnings = await captureWarnings(() => {
      const config = readOtlpEnv({
        OTEL_EXPORTER_OTLP_HEADERS:
          `authorization=Bearer ${secret},${secret}-tail,Basic ${secret}b64==,x-bad=%E0%A4%A${secret}`,
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: `x-api-key=${secret}%0Anewline`,
      });
      assert.deepEqual(config.headers, { authorization: `Bearer ${secret}` });
    });
    assert.equal(warnings.length, 3, warnings.join("\n"));
    for (const warning of warnings) assert.ok(!warning.includes(secret), warning);
    const [malformed, notAHeader, badValue] = warnings;
    assert.match(malformed, /OTEL_EXPORTER_OTLP_HEADERS \(entry 2 is not key=value; /);
    assert.match(malformed, /the value of "x-bad" is not valid percent-encoding/);
    // `Basic …==` parses as a key with a space in it, part of the credential.
    assert.match(
      notAHeader,
      /an entry whose key is not a header name of OTEL_EXPORTER_OTLP_HEADERS/,
    );
    assert.match(badValue, /"x-api-key", whose value is not a valid header value, of OTEL_/);
  });

  test("a malformed endpoint is warned about without its user name, password or query values", () => {
    const secret = "s3cret-Zq8";
    const reported: Diagnostic[] = [];
    const previous = setDiagnostics({ level: "warn", sink: (d) => void reported.push(d) });
    try {
      const config = readOtlpEnv({
        // A typo in the scheme, and a scheme that is not http.
        OTEL_EXPORTER_OTLP_ENDPOINT:
          `htps//alice:${secret}@collector:4318?api_key=${secret}&v=${secret}#t=${secret}`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `grpc://${secret}@collector:4317/v1?${secret}`,
      });
      assert.equal(config.url, undefined);
    } finally {
      setDiagnostics(previous);
    }
    assert.equal(reported.length, 2, reported.map((d) => d.message).join("\n"));
    const traces = reported.find((d) => d.message.includes("TRACES_ENDPOINT"))!;
    const generic = reported.find((d) => d.message.includes("OTLP_ENDPOINT"))!;
    assert.match(
      traces.message,
      /^ignoring OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="grpc:\/\/REDACTED@collector:4317\/v1\?REDACTED": expected an http or https URL/,
    );
    assert.match(
      generic.message,
      /^ignoring OTEL_EXPORTER_OTLP_ENDPOINT="htps\/\/REDACTED@collector:4318\?api_key=REDACTED&v=REDACTED#REDACTED": /,
    );
    for (const { key, message } of reported) {
      assert.ok(!message.includes(secret) && !message.includes("alice"), message);
      assert.ok(!key.includes(secret) && !key.includes("alice"), key);
    }
  });

  test("treats blank values as unset", () => {
    const config = readOtlpEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "  ", OTEL_SERVICE_NAME: "" });
    assert.equal(config.url, undefined);
    assert.equal(config.serviceName, undefined);
    assert.equal(readEnv("X", {}), undefined);
  });

  test("warns once per malformed value, naming the variable and the default used", async () => {
    const { config, warned } = await readWarned({
      OTEL_EXPORTER_OTLP_TIMEOUT: "ten seconds",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318",
      OTEL_TRACES_SAMPLER: "traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "2",
      OTEL_BSP_MAX_QUEUE_SIZE: "-1",
      OTEL_SDK_DISABLED: "yes",
      OTEL_RESOURCE_ATTRIBUTES: "=novalue,ok=1,bad=%E0%A4%A",
    }, 2);
    assert.equal(config.timeoutMs, undefined);
    assert.equal(config.protocol, undefined);
    assert.equal(config.url, undefined);
    assert.equal(config.maxQueueSize, undefined);
    assert.equal(config.sdkDisabled, false);
    // One bad entry discards the whole variable (specification/resource/sdk.md).
    assert.equal(config.resourceAttributes, undefined);
    assert.equal(String(config.sampler), "TraceIdRatioBased{1}");
    assert.equal(warned.length, 7, warned.join("\n"));
    const expect: [string, RegExp][] = [
      ["OTEL_EXPORTER_OTLP_TIMEOUT", /default \(10000\)/],
      ["OTEL_EXPORTER_OTLP_PROTOCOL", /default \(http\/protobuf\)/],
      ["OTEL_EXPORTER_OTLP_ENDPOINT", /default \(http:\/\/localhost:4318\/v1\/traces\)/],
      ["OTEL_TRACES_SAMPLER_ARG", /default \(1\)/],
      ["OTEL_BSP_MAX_QUEUE_SIZE", /default \(4096\)/],
      ["OTEL_SDK_DISABLED", /default \(false\)/],
      ["OTEL_RESOURCE_ATTRIBUTES", /entry 1 is not key=value.*discarding all of it/],
    ];
    for (const [name, pattern] of expect) {
      const line = warned.find((w) => w.includes(name + "="));
      assert.ok(line, `no warning for ${name}`);
      assert.match(line, pattern);
    }
  });

  test("a malformed TRACES_ variable's warning names the generic one when that is what is used", async () => {
    const { config, warned } = await readWarned({
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "5s",
      OTEL_EXPORTER_OTLP_TIMEOUT: "2000",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: "zstd",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "collector:4318/v1/traces",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://generic:4318",
    });
    // Each TRACES_ value is ignored, and the generic one applies.
    const { timeoutMs, protocol, compression, url } = config;
    assert.deepEqual({ timeoutMs, protocol, compression, url }, {
      timeoutMs: 2000,
      protocol: "http/json",
      compression: "gzip",
      url: "http://generic:4318/v1/traces",
    });
    assert.equal(warned.length, 4, warned.join("\n"));
    for (const variable of ["TIMEOUT", "PROTOCOL", "COMPRESSION", "ENDPOINT"]) {
      const line = warned.find((w) => w.includes(`OTEL_EXPORTER_OTLP_TRACES_${variable}=`));
      assert.ok(line, `no warning for OTEL_EXPORTER_OTLP_TRACES_${variable}`);
      assert.match(line, new RegExp(`using OTEL_EXPORTER_OTLP_${variable} instead$`));
      assert.doesNotMatch(line, /default/);
    }
    // Without a valid generic variable, the default is what is used, and said.
    const alone = (await readWarned({
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "6s",
      OTEL_EXPORTER_OTLP_TIMEOUT: "7s",
    })).warned;
    assert.equal(alone.length, 2, alone.join("\n"));
    for (const line of alone) assert.match(line, /using the default \(10000\)$/);
  });

  test("reads the span limits, a span-specific variable over the general one", () => {
    // SDK environment variables, Attribute Limits and Span Limits; common
    // attribute limits: "the SDK MUST first attempt to use the model-specific
    // limit, if it isn't set, then the SDK MUST attempt to use the general
    // limit".
    assert.equal(readOtlpEnv({}).limits, undefined);
    assert.deepEqual(
      readOtlpEnv({
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "100",
        OTEL_ATTRIBUTE_COUNT_LIMIT: "20",
        OTEL_SPAN_EVENT_COUNT_LIMIT: "5",
        OTEL_SPAN_LINK_COUNT_LIMIT: "0",
      }).limits,
      {
        attributeCountLimit: 20,
        attributeValueLengthLimit: 100,
        eventCountLimit: 5,
        linkCountLimit: 0,
        attributePerEventCountLimit: 20,
        attributePerLinkCountLimit: 20,
      },
    );
    assert.deepEqual(
      readOtlpEnv({
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: "100",
        OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: "50",
        OTEL_ATTRIBUTE_COUNT_LIMIT: "20",
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "10",
        OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: "3",
        OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: "4",
      }).limits,
      {
        attributeCountLimit: 10,
        attributeValueLengthLimit: 50,
        attributePerEventCountLimit: 3,
        attributePerLinkCountLimit: 4,
      },
    );
  });

  test("a malformed limit is ignored with one warning; the general one or the default applies", async () => {
    let config!: ReturnType<typeof readOtlpEnv>;
    const warned = await captureWarnings(() => {
      config = readOtlpEnv({
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: "-1",
        OTEL_ATTRIBUTE_COUNT_LIMIT: "7",
        OTEL_SPAN_EVENT_COUNT_LIMIT: "lots",
      });
    });
    assert.deepEqual(config.limits, {
      attributeCountLimit: 7,
      attributePerEventCountLimit: 7,
      attributePerLinkCountLimit: 7,
    });
    assert.equal(warned.length, 2, warned.join("\n"));
    assert.match(
      warned[0],
      /OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT="-1": expected a non-negative integer/,
    );
    assert.match(warned[1], /OTEL_SPAN_EVENT_COUNT_LIMIT="lots".*default \(128\)/);
  });

  test("OTEL_RESOURCE_ATTRIBUTES with any malformed entry is discarded whole, with one warning", async () => {
    for (
      const value of [
        "team=core,region",
        "team=core,=eu",
        "team=core,region=%E0%A4%A",
        "team=core,%ZZ=eu",
      ]
    ) {
      let config!: ReturnType<typeof readOtlpEnv>;
      const warned = await captureWarnings(() => {
        config = readOtlpEnv({ OTEL_RESOURCE_ATTRIBUTES: value });
      });
      assert.equal(config.resourceAttributes, undefined, value);
      assert.equal(warned.length, 1, value);
      assert.match(warned[0], /OTEL_RESOURCE_ATTRIBUTES=.*discarding all of it/);
    }
    // Empty entries are no error: a trailing comma keeps the rest.
    const config = readOtlpEnv({ OTEL_RESOURCE_ATTRIBUTES: "team=core,,region=eu," });
    assert.deepEqual(config.resourceAttributes, { team: "core", region: "eu" });
  });

  test("reads the process environment when no source is given", () => {
    const name = "OTEL_SERVICE_NAME";
    const g = globalThis as {
      Deno?: { env: { get(n: string): string | undefined } };
      process?: { env: Record<string, string | undefined> };
    };
    const actual = g.Deno ? g.Deno.env.get(name) : g.process?.env[name];
    assert.equal(readOtlpEnv().serviceName, actual?.trim() || undefined);
  });

  test(
    "without --allow-env, uses the defaults and warns once (Deno only: runs a subprocess without the permission)",
    { skip: !isDeno, timeout: 120_000 },
    async () => {
      const entry = new URL("../otlp.ts", import.meta.url).href;
      const script = `
        import { readOtlpEnv, Resource, OtlpHttpExporter } from "${entry}";
        const a = readOtlpEnv();
        readOtlpEnv();
        const r = Resource.detect();
        const e = new OtlpHttpExporter();
        console.log(JSON.stringify([a.url ?? null, r.attributes["service.name"], e.url]));
      `;
      const { code, stdout, stderr } = await runSnippet(script, {
        denoFlags: ["--no-prompt", "--no-config", "--allow-read"],
        env: { OTEL_SERVICE_NAME: "must-not-be-read" },
      });
      assert.equal(code, 0, stderr);
      assert.deepEqual(JSON.parse(stdout), [
        null,
        "unknown_service:deno",
        "http://localhost:4318/v1/traces",
      ]);
      assert.equal(stderr.match(/--allow-env/g)?.length, 1, stderr);
    },
  );

  test(
    "with the env permission for some variables, reads those and names the others, once (Deno only: runs a subprocess)",
    { skip: !isDeno, timeout: 120_000 },
    async () => {
      const entry = new URL("../otlp.ts", import.meta.url).href;
      const script = `
        import { readOtlpEnv, Resource, setupTracing } from "${entry}";
        const a = readOtlpEnv();
        const r = Resource.detect();
        const t = setupTracing({ flushOnExit: false });
        console.log(JSON.stringify([a.url ?? null, r.attributes["service.name"], t.exporter.url]));
        await t.shutdown();
      `;
      const env = {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector.test:4318",
        OTEL_SERVICE_NAME: "must-not-be-read",
      };
      const url = "http://collector.test:4318/v1/traces";
      for (
        const flags of [
          ["--allow-env=OTEL_EXPORTER_OTLP_ENDPOINT"],
          ["--allow-env", "--deny-env=OTEL_SERVICE_NAME"],
        ]
      ) {
        const { code, stdout, stderr } = await runSnippet(script, {
          denoFlags: ["--no-prompt", "--no-config", "--allow-read", ...flags],
          env,
        });
        assert.equal(code, 0, stderr);
        assert.deepEqual(JSON.parse(stdout), [url, "unknown_service:deno", url], flags.join(" "));
        const warnings = stderr.split("\n").filter((line) => /cannot read/.test(line));
        assert.equal(warnings.length, 1, stderr);
        // What it could not read, by name; not the variable it did read,
        // nor "OTEL_* ... the defaults", nor a flag the program already has.
        assert.match(warnings[0], /OTEL_SERVICE_NAME/, flags.join(" "));
        assert.doesNotMatch(warnings[0], /OTEL_EXPORTER_OTLP_ENDPOINT\b/, flags.join(" "));
        assert.doesNotMatch(warnings[0], /OTEL_\*|run Deno with/, flags.join(" "));
      }
    },
  );

  test(
    "a reader of a few variables, none of them covered, first: the permission for others is not called missing (Deno only: runs a subprocess)",
    { skip: !isDeno, timeout: 120_000 },
    async () => {
      const entry = new URL("../otlp.ts", import.meta.url).href;
      // Resource.detect reads two variables only; the program may read the endpoint.
      const script = `
        import { readOtlpEnv, Resource } from "${entry}";
        const r = Resource.detect();
        const a = readOtlpEnv();
        console.log(JSON.stringify([a.url ?? null, r.attributes["service.name"]]));
      `;
      const { code, stdout, stderr } = await runSnippet(script, {
        denoFlags: [
          "--no-prompt",
          "--no-config",
          "--allow-read",
          "--allow-env=OTEL_EXPORTER_OTLP_ENDPOINT",
        ],
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector.test:4318" },
      });
      assert.equal(code, 0, stderr);
      assert.deepEqual(JSON.parse(stdout), [
        "http://collector.test:4318/v1/traces",
        "unknown_service:deno",
      ]);
      const warnings = stderr.split("\n").filter((line) => /cannot read/.test(line));
      // The endpoint was read: no "OTEL_* ... using the defaults".
      for (const warning of warnings) assert.doesNotMatch(warning, /OTEL_\*|run Deno with/);
      const named = warnings.join("\n");
      // Each variable it could not read is named, once, whichever reader met it.
      for (const name of ["OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER"]) {
        assert.equal(named.match(new RegExp(`\\b${name}\\b`, "g"))?.length, 1, `${name}: ${named}`);
      }
      assert.doesNotMatch(named, /OTEL_EXPORTER_OTLP_ENDPOINT\b/);
    },
  );
});

describe("readOtlpEnv: header names and zero timeouts", () => {
  test("a TRACES_ header overrides the generic one whatever the case of its name", () => {
    const config = readOtlpEnv({
      OTEL_EXPORTER_OTLP_HEADERS: "X-Api-Key=generic,x-team=a",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-api-key=traces",
    });
    // One header, not two that fetch would join as "generic, traces".
    assert.equal(new Headers(config.headers).get("x-api-key"), "traces");
    assert.equal(new Headers(config.headers).get("x-team"), "a");
  });

  test("a timeout of 0 means no limit, without a warning", async () => {
    let config!: ReturnType<typeof readOtlpEnv>;
    const warned = await captureWarnings(() => {
      config = readOtlpEnv({ OTEL_EXPORTER_OTLP_TIMEOUT: "0", OTEL_BSP_EXPORT_TIMEOUT: "0" });
    });
    assert.deepEqual(warned, []);
    // The spec's stand-in for "no limit": the largest 32-bit millisecond count.
    assert.equal(config.timeoutMs, 2 ** 31 - 1);
    assert.equal(config.exportTimeoutMs, 2 ** 31 - 1);
    assert.equal(
      readOtlpEnv({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "0", OTEL_EXPORTER_OTLP_TIMEOUT: "5" })
        .timeoutMs,
      2 ** 31 - 1,
    );
  });
});
