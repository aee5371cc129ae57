// Internal: another copy of this library in the same program (a dependency
// that brought its own version, or the package loaded from both JSR and npm)
// has its own current span, default tracer and processors, so spans made
// through one copy start traces of their own and never reach the other's
// processors. Each copy adds its version to one list on the global object as
// it loads, and a copy that finds another there says so, once: a broken
// trace nobody can explain is worse than a warning.
//
// The same file evaluated again is no other copy: `bun --hot` evaluates the
// whole program again on each change, in the same global object, and the
// modules of the new run all import the new evaluation. Each copy lists
// where it was loaded from too, with its version, and one of a version
// already listed from that place says nothing. The version counts: in a
// bundle (esbuild, `bun build`) every module's `import.meta.url` is the
// bundle's, so two versions bundled together share one place. (Two copies
// of one version in one bundle look like one evaluated again: not said.)

import { VERSION } from "./_version.ts";
import { warnOnce } from "./_warn.ts";

/** Where the copies list their versions: a key every copy finds (`Symbol.for`). */
const COPIES_KEY: symbol = Symbol.for("@codomyrmex/spans.copies");

/**
 * Where the copies list the URLs they were loaded from, each after its
 * version and a space (`0.1.0 file:///…/_copies.ts`), beside their versions.
 */
const COPY_SOURCES_KEY: symbol = Symbol.for("@codomyrmex/spans.copies.sources");

/**
 * Where this copy was loaded from: this module's URL, or `undefined` where a
 * bundler left `import.meta` empty.
 */
export const COPY_SOURCE: string | undefined = sourceOfThisCopy();

function sourceOfThisCopy(): string | undefined {
  try {
    const url: unknown = import.meta.url;
    return typeof url === "string" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Lists this copy on the global object; warns when another copy is there. */
export function registerCopy(): void {
  let copies: string[];
  try {
    const global = globalThis as { [key: symbol]: unknown };
    copies = globalList(global, COPIES_KEY);
    const sources = globalList(global, COPY_SOURCES_KEY);
    // This file, evaluated again (a hot reload): not another copy.
    const source = COPY_SOURCE === undefined ? undefined : `${VERSION} ${COPY_SOURCE}`;
    if (source !== undefined && sources.includes(source)) return;
    if (source !== undefined) sources.push(source);
    copies.push(VERSION);
  } catch {
    // A frozen global object, or a key another program took: no check.
    return;
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
}

// The list under `key` on the global object, made (not enumerable, so
// nothing that lists the global object's keys sees it) when missing.
function globalList(global: { [key: symbol]: unknown }, key: symbol): string[] {
  const found = global[key];
  if (Array.isArray(found)) return found;
  const list: string[] = [];
  Object.defineProperty(global, key, { value: list, configurable: true });
  return list;
}
