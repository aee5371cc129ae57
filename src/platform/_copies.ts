// Internal: another copy of this library in the same program (a dependency
// that brought its own version, or the package loaded from both JSR and npm)
// has its own current span, default tracer and processors, so spans made
// through one copy start traces of their own and never reach the other's
// processors. Each copy adds its version to one list on the global object as
// it loads, and a copy that finds another there says so, once: a broken
// trace nobody can explain is worse than a warning.

import { VERSION } from "./_version.ts";
import { warnOnce } from "./_warn.ts";

/** Where the copies list themselves: a key every copy finds (`Symbol.for`). */
export const COPIES_KEY: symbol = Symbol.for("@codomyrmex/spans.copies");

/**
 * Lists this copy on the global object; warns when another copy is there.
 *
 * @returns The versions of the copies loaded so far, this one last.
 */
export function registerCopy(): readonly string[] {
  let copies: string[];
  try {
    const global = globalThis as { [key: symbol]: unknown };
    const found = global[COPIES_KEY];
    if (Array.isArray(found)) {
      copies = found;
    } else {
      copies = [];
      // Not enumerable: nothing that lists the global object's keys sees it.
      Object.defineProperty(global, COPIES_KEY, { value: copies, configurable: true });
    }
    copies.push(VERSION);
  } catch {
    // A frozen global object, or a key another program took: no check.
    return [VERSION];
  }
  if (copies.length > 1) {
    warnOnce(
      "copies",
      `@codomyrmex/spans is loaded ${copies.length} times in this program (versions ${
        copies.join(", ")
      }): each copy has its own current span, default tracer and processors, so spans made ` +
        "through one copy do not join the other's traces or reach its processors. Load one " +
        "copy: give every dependency the same version range (then `npm dedupe`), and in Deno " +
        "import it from JSR or from npm, not both.",
    );
  }
  return copies;
}
