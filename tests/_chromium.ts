// Headless Chromium for the tests and benchmarks that need a real browser
// (tests/browser_test.ts, tests/viewer_browser_test.ts, the viewer's bench and
// screenshot), driven over the DevTools protocol with the runtime's own
// WebSocket (Deno, Bun and Node 22 and later have one; Node 20 does not).
// Debian's chromium is installed by scripts/ensure_chromium.sh when it is
// missing, as on a clean CI machine; where it cannot be (macOS, Ubuntu), the
// browser tests skip, naming why, unless CI is set. Not a test file itself.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Whether this runtime can drive Chromium (it needs a global WebSocket). */
export const canDriveChromium: boolean = typeof globalThis.WebSocket === "function";

/** Whether this is CI (`CI` set, as CI services do), which must run the browser tests. */
const inCi = !["", "0", "false"].includes(process.env.CI ?? "");

/**
 * Chromium as found on this machine, without installing it: CHROMIUM_PATH
 * (taken as it is: one that does not run is a mistake to fix, not a reason
 * to skip), else Debian's /usr/bin/chromium, else `chromium` on the PATH,
 * when it runs (a snap shim without snapd does not), as
 * scripts/ensure_chromium.sh decides.
 */
export function findChromium(): string | undefined {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return configured;
  for (const dir of ["/usr/bin", ...(process.env.PATH ?? "").split(delimiter)]) {
    const path = join(dir, "chromium");
    if (dir !== "" && existsSync(path)) return runs(path) ? path : undefined;
  }
  return undefined;
}

const answered = new Map<string, boolean>();

// Whether a binary answers --version, asked once per path.
function runs(path: string): boolean {
  let ok = answered.get(path);
  if (ok === undefined) {
    try {
      execFileSync(path, ["--version"], { stdio: "ignore", timeout: 60_000 });
      ok = true;
    } catch {
      ok = false;
    }
    answered.set(path, ok);
  }
  return ok;
}

/**
 * Why the browser tests skip here, for their names, or `undefined` when
 * Chromium is found. With CI set a missing Chromium is no reason to skip:
 * the tests run, and fail.
 */
export const noChromium: string | undefined = findChromium() === undefined && !inCi
  ? "(skipped: no Chromium that runs found; install Debian's chromium or set CHROMIUM_PATH)"
  : undefined;

/** The Chromium binary: found, else installed by scripts/ensure_chromium.sh. */
export function chromiumPath(): string {
  const found = findChromium();
  if (found !== undefined) return found;
  const script = fileURLToPath(new URL("../scripts/ensure_chromium.sh", import.meta.url));
  const installed = execFileSync("bash", [script], { encoding: "utf8" }).trim();
  if (installed === "") {
    throw new Error("Cannot launch Chromium: none is found, and none could be installed");
  }
  return installed;
}

/** The longest Chromium may take to start and say where DevTools listen. */
const START_TIMEOUT_MS = 60_000;

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
  /**
   * Resolves once `expression` is truthy in the page, evaluating it again
   * while the page loads; fails after `timeoutMs`.
   */
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

/**
 * Starts headless Chromium with a fresh profile. If it cannot be driven
 * (it does not start, does not say where DevTools listen within a minute, or
 * refuses the connection), its process group is killed and its profile
 * removed before the error is thrown.
 */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "spans-chromium-"));
  const child = spawn(
    chromiumPath(),
    [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"],
    // Its own process group, so that closing it ends its helper processes too.
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  // A binary that cannot be started emits "error", and maybe no "exit".
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  let cdp: Cdp;
  try {
    cdp = await Cdp.connect(await devToolsEndpoint(child));
  } catch (error) {
    killGroup(child);
    await exited;
    await removeProfile(profile);
    throw error;
  }
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
      killGroup(child);
      await exited;
      await removeProfile(profile);
    },
  };
}

/** Where Chromium's DevTools listen, as it prints on start; fails after START_TIMEOUT_MS. */
function devToolsEndpoint(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => {
      reject(new Error(`chromium printed no DevTools endpoint in ${START_TIMEOUT_MS} ms: ${text}`));
    }, START_TIMEOUT_MS);
    const settle = (error: Error | undefined, endpoint?: string) => {
      clearTimeout(timer);
      child.stderr!.resume();
      if (error === undefined) resolve(endpoint!);
      else reject(error);
    };
    child.stderr!.on("data", (chunk: Uint8Array) => {
      text += new TextDecoder().decode(chunk);
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (match) settle(undefined, match[1]);
    });
    child.once("error", (error) => settle(new Error(`chromium did not start: ${error.message}`)));
    child.once("exit", (code) => settle(new Error(`chromium exited (${code}): ${text}`)));
  });
}

/** Kills Chromium's process group, helpers included. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * Removes a profile. A helper may still be writing its last file: this is
 * best effort, retried, and never fails a test.
 */
async function removeProfile(profile: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      rmSync(profile, { recursive: true, force: true });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
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
    let failed: unknown;
    for (;;) {
      try {
        if (await this.evaluate<boolean>(`Boolean(${expression})`)) return;
        failed = undefined;
      } catch (error) {
        // A page between two documents has no context to evaluate in yet.
        failed = error;
      }
      if (Date.now() > deadline) {
        const last = failed === undefined ? "" : ` (last error: ${String(failed)})`;
        throw new Error(`timed out waiting for ${expression}${last}`);
      }
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
