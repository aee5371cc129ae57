// Reads the library's own source files for the structure tests: which files
// there are, what each imports and what each exports. Not a test file itself.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root: string = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Every `.ts` file under `src/`, as paths relative to the root with `/`. */
export function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) out.push(path);
    }
  };
  walk("src");
  return out.sort();
}

/** The entry files that deno.json's `exports` names, such as `mod.ts`. */
export function entryFiles(): string[] {
  const exports = JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).exports as Record<
    string,
    string
  >;
  return Object.values(exports).map((path) => path.replace(/^\.\//, "")).sort();
}

/** The text of a file relative to the root, with comments removed. */
export function code(path: string): string {
  // Doc comments hold example imports of the package itself: not code.
  return readFileSync(join(root, path), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
}

const STATIC = /^\s*(?:import|export)\s(?:[^;]*?\sfrom\s*)?["']([^"']+)["']/gm;

/**
 * The files a module imports or re-exports from, statically, as paths
 * relative to the root; bare and `node:` specifiers are given as written.
 */
export function importsOf(path: string, text: string = code(path)): string[] {
  return [...text.matchAll(STATIC)].map((m) => {
    const specifier = m[1];
    if (!specifier.startsWith(".")) return specifier;
    return relative(root, join(root, dirname(path), specifier)).split("\\").join("/");
  });
}

const DECLARED =
  /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\s*\*?|class|interface|type|enum|namespace|module)\s*([A-Za-z0-9_$]+)/gm;
const LOCAL_LIST = /^export\s+(?:type\s+)?\{([^}]*)\}\s*;/gm;
const FROM_LIST = /^export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/gm;

function names(list: string): string[] {
  return list.split(",").map((n) => n.trim().replace(/^type\s+/, "").split(/\s+as\s+/).pop()!)
    .filter((n) => n !== "");
}

// The names declared by the declarators of one `export const|let|var`
// statement: a name at depth 0, first or after a top-level comma.
function declaredVariables(text: string, from: number): string[] {
  const out: string[] = [];
  let depth = 0;
  // Open type-argument brackets: `<` right after a name and right before
  // one, as in `Map<string, number>`. A comparison (`a < b`, `ms > 9`, as
  // formatted, with spaces) is no bracket.
  let angles = 0;
  let expectName = true;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "<") {
      if (/[A-Za-z0-9_$]/.test(text[i - 1] ?? "") && /[A-Za-z_${[(]/.test(text[i + 1] ?? "")) {
        angles++;
        depth++;
      }
    } else if (c === ">") {
      // An arrow, or a comparison, is not a bracket.
      if (text[i - 1] !== "=" && angles > 0) {
        angles--;
        depth--;
      }
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === '"' || c === "'" || c === "`") {
      const end = text.indexOf(c, i + 1);
      i = end < 0 ? text.length : end;
    } else if (depth === 0 && c === ";") break;
    else if (
      depth === 0 && c === "\n" &&
      /^\n(?:export|import|function|class|const|let|var)\b/.test(text.slice(i, i + 10))
    ) break;
    else if (depth === 0 && c === ",") expectName = true;
    else if (expectName && /[A-Za-z_$]/.test(c)) {
      const name = /^[A-Za-z0-9_$]+/.exec(text.slice(i))![0];
      out.push(name);
      i += name.length - 1;
      expectName = false;
    }
  }
  return out;
}

const VARIABLE_START = /^export\s+(?:declare\s+)?(?:const|let|var)\s+/gm;

/** The names a module exports: declared, listed, or passed on from another module. */
export function exportedNames(text: string): string[] {
  return [
    ...[...text.matchAll(DECLARED)].map((m) => m[1]),
    ...[...text.matchAll(VARIABLE_START)].flatMap((m) =>
      declaredVariables(text, m.index! + m[0].length)
    ),
    ...[...text.matchAll(LOCAL_LIST)].flatMap((m) => names(m[1])),
    ...[...text.matchAll(FROM_LIST)].flatMap((m) => names(m[1])),
  ];
}

/**
 * What an entry re-exports: for each source file (relative to the root),
 * the names taken from it, by their original name.
 */
export function reexports(path: string, text: string = code(path)): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of text.matchAll(FROM_LIST)) {
    const from = relative(root, join(root, dirname(path), m[2])).split("\\").join("/");
    const set = out.get(from) ?? new Set<string>();
    for (const n of m[1].split(",")) {
      const original = n.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0];
      if (original !== "") set.add(original);
    }
    out.set(from, set);
  }
  return out;
}
