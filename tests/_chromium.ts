// Headless Chromium for the tests and benchmarks that need a real browser,
// driven over the DevTools protocol with the runtime's own WebSocket (Deno
// and Bun have one; Node 20 does not). Debian's chromium is installed by
// scripts/ensure_chromium.sh when it is missing, as on a clean CI machine.
// Not a test file itself.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Whether this runtime can drive Chromium (it needs a global WebSocket). */
export const canDriveChromium: boolean = typeof globalThis.WebSocket === "function";

/** The Chromium binary: CHROMIUM_PATH, else Debian's, installed when missing. */
export function chromiumPath(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return configured;
  if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  const script = fileURLToPath(new URL("../scripts/ensure_chromium.sh", import.meta.url));
  return execFileSync("bash", [script], { encoding: "utf8" }).trim();
}

/** Flags that work in containers and on shared CI machines (a 1280x800 window). */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
  "--force-device-scale-factor=1",
  "--window-size=1280,800",
];

/** A page in a running Chromium. */
export interface Page {
  /** Runs `expression` in the page (awaiting a promise) and returns its JSON value. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** Resolves once `expression` is truthy in the page; fails after `timeoutMs`. */
  waitFor(expression: string, timeoutMs?: number): Promise<void>;
  /** Clicks the middle of the first element matching `selector`, as a mouse would. */
  click(selector: string): Promise<void>;
  /** Presses and releases a key ("ArrowDown", "Escape", "Enter"…) in the focused element. */
  press(key: string): Promise<void>;
  /** Navigates to `url`. */
  goto(url: string): Promise<void>;
}

/** A running headless Chromium. */
export interface Browser {
  /** Opens a page of 1280x800 at `url`. */
  open(url: string): Promise<Page>;
  /** Kills Chromium and removes its profile. */
  close(): Promise<void>;
}

const KEY_CODES: Record<string, number> = {
  ArrowDown: 40,
  ArrowUp: 38,
  ArrowLeft: 37,
  ArrowRight: 39,
  Escape: 27,
  Enter: 13,
  Home: 36,
  End: 35,
};

/** Starts headless Chromium with a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "spans-chromium-"));
  const child = spawn(
    chromiumPath(),
    [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"],
    // Its own process group, so that closing it ends its helper processes too.
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = "";
    child.stderr!.on("data", (chunk: Uint8Array) => {
      text += new TextDecoder().decode(chunk);
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`chromium exited (${code}): ${text}`)));
  });
  child.stderr!.resume();
  const cdp = await Cdp.connect(endpoint);
  return {
    async open(url) {
      const { targetId } = await cdp.send<{ targetId: string }>("Target.createTarget", {
        url: "about:blank",
      });
      const { sessionId } = await cdp.send<{ sessionId: string }>("Target.attachToTarget", {
        targetId,
        flatten: true,
      });
      const page = new CdpPage(cdp, sessionId);
      await cdp.send("Emulation.setDeviceMetricsOverride", {
        width: 1280,
        height: 800,
        deviceScaleFactor: 1,
        mobile: false,
      }, sessionId);
      await page.goto(url);
      return page;
    },
    async close() {
      // Politely first; then the whole process group, helpers included.
      await Promise.race([
        cdp.send("Browser.close").catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 5_000)),
      ]);
      cdp.close();
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Already gone.
      }
      await exited;
      // A helper may still be writing its last file: removing the profile is
      // best effort, retried, and never fails a test.
      for (let attempt = 0; attempt < 10; attempt++) {
        try {
          rmSync(profile, { recursive: true, force: true });
          break;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    },
  };
}

class Cdp {
  readonly #socket: WebSocket;
  #next = 1;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      const waiter = this.#pending.get(message.id);
      if (waiter === undefined) return;
      this.#pending.delete(message.id);
      if (message.error) {
        waiter.reject(new Error(`${message.error.message} (${message.error.code})`));
      } else waiter.resolve(message.result);
    };
  }

  static connect(endpoint: string): Promise<Cdp> {
    const socket = new WebSocket(endpoint);
    return new Promise((resolve, reject) => {
      socket.onopen = () => resolve(new Cdp(socket));
      socket.onerror = () => reject(new Error(`cannot connect to ${endpoint}`));
    });
  }

  send<T = unknown>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = this.#next++;
    this.#socket.send(JSON.stringify({ id, method, params, sessionId }));
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  }

  close(): void {
    this.#socket.close();
  }
}

class CdpPage implements Page {
  readonly #cdp: Cdp;
  readonly #session: string;

  constructor(cdp: Cdp, session: string) {
    this.#cdp = cdp;
    this.#session = session;
  }

  async evaluate<T = unknown>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.#cdp.send<{
      result: { value?: T };
      exceptionDetails?: { exception?: { description?: string }; text: string };
    }>("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    }, this.#session);
    if (exceptionDetails) {
      throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
    }
    return result.value as T;
  }

  async waitFor(expression: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async click(selector: string): Promise<void> {
    const point = await this.evaluate<{ x: number; y: number } | null>(`(() => {
      const node = document.querySelector(${JSON.stringify(selector)});
      if (!node) return null;
      node.scrollIntoView({ block: "center" });
      const box = node.getBoundingClientRect();
      return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    })()`);
    if (point === null) throw new Error(`nothing matches ${selector}`);
    for (const type of ["mousePressed", "mouseReleased"]) {
      await this.#cdp.send("Input.dispatchMouseEvent", {
        type,
        x: point.x,
        y: point.y,
        button: "left",
        clickCount: 1,
      }, this.#session);
    }
  }

  async press(key: string): Promise<void> {
    const code = KEY_CODES[key] ?? 0;
    for (const type of ["rawKeyDown", "keyUp"]) {
      await this.#cdp.send("Input.dispatchKeyEvent", {
        type,
        key,
        code: key,
        windowsVirtualKeyCode: code,
        nativeVirtualKeyCode: code,
      }, this.#session);
    }
  }

  async goto(url: string): Promise<void> {
    await this.#cdp.send("Page.navigate", { url }, this.#session);
  }
}
