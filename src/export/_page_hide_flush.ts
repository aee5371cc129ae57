// Internal: run a flush when a browser page is hidden or goes away, and say
// whether it is going, so an exporter can send what may be its last request
// with `fetch(..., { keepalive: true })`. Found at run time: only a page (a
// `document` and a global `addEventListener`) has these events.
//
// "pagehide" fires when the page is left (navigation, closing, bfcache),
// before the document's visibility turns "hidden"; "visibilitychange" to
// hidden fires when a tab is switched away from or a phone's app is put
// away, which on mobile is often the last event a page gets. Both flush; a
// "pageshow" or a change back to visible ends the hiding state.

import { WeakHooks } from "./_weak_hooks.ts";

/** Something that starts a flush when the page is hidden. */
export interface PageHideHook {
  /** Starts the flush; must not throw and must not wait. */
  onPageHide(): void;
}

interface PageGlobals {
  document?: {
    visibilityState?: string;
    addEventListener?(type: string, listener: () => void): void;
  };
  addEventListener?(type: string, listener: () => void): void;
}

// Weak, as in _exit_flush.ts: a processor nobody holds is not kept alive by
// this registry.
const hooks = new WeakHooks<PageHideHook>();
let installed = false;
let hiding = false;

/** Whether this is a browser page, whose hide events can be listened to. */
export function isBrowserPage(): boolean {
  const g = globalThis as PageGlobals;
  return typeof g.document?.addEventListener === "function" &&
    typeof g.addEventListener === "function";
}

/**
 * Registers `hook` to run when the page is hidden or left. Does nothing
 * outside a browser page.
 *
 * @param hook The hook; held weakly.
 * @returns A function that unregisters it.
 */
export function onPageHide(hook: PageHideHook): () => void {
  if (!watchPageLifecycle()) return () => {};
  return hooks.add(hook);
}

/**
 * Starts following the page's lifecycle, once, so {@linkcode pageIsHiding}
 * is right when the page goes. Returns whether this is a browser page.
 */
export function watchPageLifecycle(): boolean {
  if (installed) return true;
  if (!isBrowserPage()) return false;
  installed = true;
  const g = globalThis as PageGlobals & Required<Pick<PageGlobals, "addEventListener">>;
  const document = g.document!;
  g.addEventListener("pagehide", () => hide());
  g.addEventListener("pageshow", () => void (hiding = false));
  document.addEventListener!("visibilitychange", () => {
    if (document.visibilityState === "hidden") hide();
    else hiding = false;
  });
  return true;
}

/**
 * Whether the page is hidden or being left: an export now may be the last,
 * and must use `keepalive` to outlive the page. Always `false` outside a
 * browser page.
 */
export function pageIsHiding(): boolean {
  if (hiding) return true;
  return (globalThis as PageGlobals).document?.visibilityState === "hidden";
}

function hide(): void {
  hiding = true;
  for (const hook of hooks.alive()) {
    try {
      hook.onPageHide();
    } catch {
      // The page goes on hiding whatever a hook does.
    }
  }
}
