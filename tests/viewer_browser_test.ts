// The trace viewer's page in a real browser: headless Chromium (Debian's,
// installed when missing where apt-get can; skipped, naming why, where not,
// unless CI is set) driven over the DevTools protocol against a running
// viewer. Real mouse clicks and key presses.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Span, Tracer } from "../mod.ts";
import { OtlpHttpExporter, Resource } from "../otlp.ts";
import { startViewer, type Viewer } from "../viewer.ts";
import { isDeno } from "./_helpers.ts";
import { type Browser, launchChromium, noChromium, type Page } from "./_chromium.ts";

// The page is the same on every runtime, and the server tests run on all
// three: one Chromium run is enough. Deno has a WebSocket for the protocol.
const SKIP = ["(Deno only: one browser run covers the page, which no runtime changes)", noChromium]
  .filter((reason) => reason !== undefined).join(" ");
const skip = !isDeno || noChromium !== undefined;

async function send(viewer: Viewer, service: string, spans: Span[]): Promise<void> {
  const exporter = new OtlpHttpExporter({
    url: new URL("v1/traces", viewer.url).href,
    resource: new Resource({ "service.name": service }),
    env: {},
  });
  assert.equal((await exporter.export(spans)).code, "success");
}

/** The order trace: a root, a failed warehouse call two levels down, and a payment. */
function orderTrace(): { root: Span; spans: Span[] } {
  const tracer = new Tracer({ name: "shop", version: "1.0.0" });
  const t = 1_700_000_000_000;
  const root = tracer.startSpan("POST /orders", { kind: "server", startTime: t });
  const stock = tracer.startSpan("check stock", { parent: root, startTime: t + 2 });
  const reserve = tracer.startSpan("warehouse.reserve", {
    kind: "client",
    parent: stock,
    startTime: t + 3,
  });
  const error = new Error("warehouse has no gadget left");
  reserve.addEvent("exception", {
    "exception.type": "Error",
    "exception.message": error.message,
    "exception.stacktrace": error.stack ?? "",
  }, t + 12);
  reserve.setStatus("error", "warehouse has no gadget left").end(t + 13);
  stock.end(t + 14);
  const charge = tracer.startSpan("charge card", {
    kind: "client",
    parent: root,
    startTime: t + 15,
    attributes: {
      "payment.method": "card",
      "payment.amount": 42,
      "payment.tags": ["gift", null, "eu"],
    },
  }).end(t + 30);
  root.end(t + 31);
  return { root, spans: [reserve, stock, charge, root] };
}

const rowNames = `[...document.querySelectorAll(".tree .row")].map((r) => [
  r.querySelector(".prefix").textContent + r.querySelector(".name").textContent,
  r.getAttribute("aria-level"),
  r.querySelector(".mark") !== null,
  r.querySelector(".bar").classList.contains("error"),
])`;
const detailTitle = `document.querySelector(".detail h2")?.textContent`;
const ready = (view: string) =>
  `document.querySelector('main[data-view="${view}"][data-ready="1"]') !== null`;

/** The page of a span's trace with the span selected, once the trace is drawn. */
async function openSpan(browser: Browser, viewer: Viewer, span: Span): Promise<Page> {
  const { traceId, spanId } = span.context;
  const page = await browser.open(`${viewer.url}#/trace/${traceId}?span=${spanId}`);
  await page.waitFor(ready("trace"));
  return page;
}

describe("the trace viewer's page in headless Chromium", () => {
  test(
    `lists a known trace, draws its waterfall nested with the error marked, and shows a span's details ${SKIP}`,
    {
      skip,
      timeout: 240_000,
    },
    async () => {
      await using viewer = await startViewer({ port: 0 });
      const { root, spans } = orderTrace();
      await send(viewer, "shop", spans);
      const traceId = root.context.traceId;
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        const page: Page = await browser.open(viewer.url);

        // The list shows the trace, linked to its page.
        await page.waitFor(ready("list"));
        const listed = await page.evaluate<string[][]>(
          `[...document.querySelectorAll(".traces tbody tr")].map((tr) =>
          [...tr.querySelectorAll("td")].map((td) => td.textContent.trim())
            .concat(tr.querySelector("a").getAttribute("href")))`,
        );
        assert.deepEqual(listed, [[
          "POST /orders \u2717",
          "shop",
          listed[0][2],
          `31.0 ms`,
          "4",
          "1",
          `#/trace/${traceId}`,
        ]]);

        // A click opens the waterfall: nested as renderTree draws it, the error marked.
        await page.click(`a[href="#/trace/${traceId}"]`);
        await page.waitFor(ready("trace"));
        assert.deepEqual(await page.evaluate(rowNames), [
          ["POST /orders", "1", false, false],
          ["\u251c\u2500 check stock", "2", false, false],
          ["\u2502  \u2514\u2500 warehouse.reserve", "3", true, true],
          ["\u2514\u2500 charge card", "2", false, false],
        ]);
        // Bars share one time axis: charge card starts at 15 of 31 ms.
        const left = await page.evaluate<string>(
          `document.querySelectorAll(".tree .bar")[3].style.left`,
        );
        assert.equal(Math.round(parseFloat(left)), Math.round((15 / 31) * 100));

        // Clicking a span shows its attributes.
        await page.click(`.row[data-span="${spans[2].context.spanId}"]`);
        await page.waitFor(`${detailTitle} === "charge card"`);
        const attributes = await page.evaluate(
          `[...document.querySelectorAll(".detail table.kv")[0].rows].map((r) =>
          [r.cells[0].textContent, r.cells[1].textContent])`,
        );
        assert.deepEqual(attributes, [
          ["payment.method", "card"],
          ["payment.amount", "42"],
          ["payment.tags", '["gift",null,"eu"]'],
        ]);
        assert.equal(
          await page.evaluate(`location.hash`),
          `#/trace/${traceId}?span=${spans[2].context.spanId}`,
        );

        // The keyboard moves the selection; the failed span shows its exception's stack.
        await page.press("ArrowUp");
        await page.waitFor(`${detailTitle} === "warehouse.reserve \u2717"`);
        assert.match(
          await page.evaluate<string>(`document.querySelector(".detail pre.stack").textContent`),
          /^Error: warehouse has no gadget left\n\s+at /,
        );
        // The tree keeps the focus and points at the selected row.
        const active = `document.activeElement.getAttribute("aria-activedescendant")`;
        assert.equal(
          await page.evaluate(`document.getElementById(${active}).getAttribute("data-span")`),
          spans[0].context.spanId,
        );

        // Escape goes back to the list, which follows new traces as they arrive.
        await page.press("Escape");
        await page.waitFor(ready("list"));
        await send(viewer, "health", [new Tracer().startSpan("GET /health").end()]);
        await page.waitFor(
          `[...document.querySelectorAll(".traces a")].some((a) => a.textContent === "GET /health")`,
        );
      } finally {
        await browser?.close();
      }
    },
  );

  test(`a link opens the linked trace when the viewer holds it ${SKIP}`, {
    skip,
    timeout: 240_000,
  }, async () => {
    await using viewer = await startViewer({ port: 0 });
    const { root, spans } = orderTrace();
    const report = new Tracer({ name: "reports" }).startSpan("nightly report", {
      links: [{ context: root.context, attributes: { "report.section": "orders" } }],
    }).end();
    await send(viewer, "shop", [...spans, report]);
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await openSpan(browser, viewer, report);
      await page.waitFor(`document.querySelector(".detail .link a") !== null`);
      await page.click(".detail .link a");
      await page.waitFor(
        `${ready("trace")} && location.hash.startsWith("#/trace/${root.context.traceId}")`,
      );
      await page.waitFor(`${detailTitle} === "POST /orders"`);
    } finally {
      await browser?.close();
    }
  });

  test(`a link with an all-zero id names no span, so it offers none to open ${SKIP}`, {
    skip,
    timeout: 240_000,
  }, async () => {
    await using viewer = await startViewer({ port: 0 });
    const tracer = new Tracer({ name: "queue" });
    const consume = tracer.startSpan("consume", { parent: null });
    const zeros = { traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 };
    consume.addLink(zeros as never, { "messaging.x": 1 });
    // Its own trace, which the viewer holds, but no span.
    consume.addLink({ ...zeros, traceId: consume.context.traceId } as never, { "messaging.y": 2 });
    consume.end();
    await send(viewer, "queue", [consume]);
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await openSpan(browser, viewer, consume);
      await page.waitFor(`${detailTitle} === "consume"`);
      assert.deepEqual(
        await page.evaluate(`[...document.querySelectorAll(".detail .link")].map((box) => [
          box.querySelector("code").textContent,
          box.querySelector("a") !== null,
          box.querySelector("div").textContent.endsWith("The link names no span: an id is all zeros."),
        ])`),
        [
          [`${zeros.traceId} / ${zeros.spanId}`, false, true],
          [`${consume.context.traceId} / ${zeros.spanId}`, false, true],
        ],
      );
    } finally {
      await browser?.close();
    }
  });

  test(
    `a trace of 3,000 spans draws only the rows in sight, and the keyboard reaches the last ${SKIP}`,
    {
      skip,
      timeout: 240_000,
    },
    async () => {
      await using viewer = await startViewer({ port: 0 });
      const tracer = new Tracer({ name: "batch" });
      const root = tracer.startSpan("import", { startTime: 0 });
      const children = [];
      for (let i = 0; i < 2_999; i++) {
        children.push(tracer.startSpan(`row ${i}`, { parent: root, startTime: i }).end(i + 1));
      }
      await send(viewer, "batch", [...children, root.end(3_000)]);
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        const page = await browser.open(`${viewer.url}#/trace/${root.context.traceId}`);
        await page.waitFor(ready("trace"));
        assert.equal(await page.evaluate(`document.querySelector("main").dataset.spans`), "3000");
        const drawn = await page.evaluate<number>(`document.querySelectorAll(".tree .row").length`);
        assert.ok(drawn > 20 && drawn < 200, `${drawn} rows drawn`);
        await page.click(".tree .row");
        await page.press("End");
        await page.waitFor(`${detailTitle} === "row 2998"`);
        assert.equal(
          await page.evaluate(
            `document.querySelector('.row[aria-selected="true"] .name').textContent`,
          ),
          "row 2998",
        );
      } finally {
        await browser?.close();
      }
    },
  );
  test(
    `names with no space to break at, however long, widen neither the page nor the details ${SKIP}`,
    {
      skip,
      timeout: 240_000,
    },
    async () => {
      await using viewer = await startViewer({ port: 0 });
      const long = (what: string) => what + "_x".repeat(2_000);
      const tracer = new Tracer({ name: "long" });
      const root = tracer.startSpan(long("root"), { startTime: 0 });
      const child = tracer.startSpan(long("child"), {
        parent: root,
        startTime: 1,
        attributes: { [long("key")]: long("value") },
      });
      child.addEvent(long("event"), { [long("event.key")]: 1 }, 2);
      await send(viewer, long("service"), [child.end(3), root.end(4)]);
      // What spills out of the width it was given, as [scrollWidth, clientWidth].
      const spill = (selector: string) =>
        `(() => { const e = document.querySelector(${JSON.stringify(selector)});
          return [e.scrollWidth, e.clientWidth]; })()`;
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        const page = await browser.open(viewer.url);
        await page.waitFor(ready("list"));
        for (const selector of ["html", ".list"]) {
          const [scroll, client] = await page.evaluate<number[]>(spill(selector));
          assert.ok(scroll <= client, `the list's ${selector}: ${scroll} wide in ${client}`);
        }
        const opened = await openSpan(browser, viewer, child);
        await opened.waitFor(`${detailTitle} === ${JSON.stringify(long("child"))}`);
        for (const selector of ["html", ".trace-head", ".detail"]) {
          const [scroll, client] = await opened.evaluate<number[]>(spill(selector));
          assert.ok(scroll <= client, `the trace's ${selector}: ${scroll} wide in ${client}`);
        }
      } finally {
        await browser?.close();
      }
    },
  );

  test(
    `a trace 5,000 spans deep draws its rows, indented no further than renderTree's ${SKIP}`,
    {
      skip,
      timeout: 240_000,
    },
    async () => {
      await using viewer = await startViewer({ port: 0 });
      const tracer = new Tracer({ name: "deep" });
      const chain: Span[] = [tracer.startSpan("level 0", { startTime: 0 })];
      for (let i = 1; i < 5_000; i++) {
        chain.push(tracer.startSpan(`level ${i}`, { parent: chain[i - 1], startTime: i }));
      }
      for (let i = chain.length - 1; i >= 0; i--) chain[i].end(10_000 - i);
      await send(viewer, "deep", chain);
      let browser: Browser | undefined;
      try {
        browser = await launchChromium();
        const page = await browser.open(`${viewer.url}#/trace/${chain[0].context.traceId}`);
        await page.waitFor(ready("trace"), 60_000);
        assert.equal(await page.evaluate(`document.querySelector("main").dataset.spans`), "5000");
        const rows = await page.evaluate<string[][]>(rowNames);
        assert.deepEqual(rows.slice(0, 3).map((r) => r.slice(0, 2)), [
          ["level 0", "1"],
          ["\u2514\u2500 level 1", "2"],
          ["   \u2514\u2500 level 2", "3"],
        ]);
        // The keyboard reaches the deepest span; its guides stop growing and
        // its real depth is written in, as renderTree draws it.
        await page.click(".tree .row");
        await page.press("End");
        await page.waitFor(`${detailTitle} === "level 4999"`, 60_000);
        const deepest = await page.evaluate<[string, string]>(
          `(() => { const r = document.querySelector('.row[aria-selected="true"]');
            return [r.querySelector(".prefix").textContent, r.getAttribute("aria-level")]; })()`,
        );
        assert.equal(deepest[1], "5000");
        assert.match(deepest[0], /\u22ef4999 \u2514\u2500 $/);
        assert.ok(deepest[0].length < 100, `a prefix of ${deepest[0].length} characters`);
      } finally {
        await browser?.close();
      }
    },
  );
});
