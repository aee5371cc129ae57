// Where the npm package's files come from and where they go. Everything is
// read from deno.json, so a new entry point needs no change in the scripts.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export { ts };

/** The repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The built package: what `npm pack` publishes. */
export const npmDir = join(root, "npm");
/** The test suite compiled for Node, importing the built package. Not published. */
export const npmTestDir = join(root, ".tmp", "npm-test");

/** @returns {any} the parsed JSON file at `path` (relative to the root). */
export function readJson(path) {
  return JSON.parse(readFileSync(join(root, path), "utf8"));
}

/**
 * The entry points in deno.json "exports", with the built files each maps to.
 *
 * @returns {{ subpath: string, source: string, js: string, dts: string }[]}
 */
export function entryPoints() {
  const exports = readJson("deno.json").exports;
  const map = typeof exports === "string" ? { ".": exports } : exports;
  return Object.entries(map).map(([subpath, source]) => {
    if (typeof source !== "string" || !/^\.\/.+\.ts$/.test(source)) {
      throw new TypeError(
        `Cannot map deno.json export "${subpath}": ${source} is not a ./*.ts file`,
      );
    }
    if (!existsSync(join(root, source))) {
      throw new TypeError(`Cannot map deno.json export "${subpath}": ${source} does not exist`);
    }
    const base = source.slice(0, -".ts".length);
    return { subpath, source, js: `${base}.js`, dts: `${base}.d.ts` };
  });
}

/**
 * Every module specifier in a JavaScript or TypeScript file: static imports
 * and re-exports, and dynamic `import()` calls with a string literal.
 *
 * @param {string} fileName Used for the script kind and in messages.
 * @param {string} text The file's contents.
 * @returns {{ specifier: string, start: number, end: number, dynamic: boolean, typeOnly: boolean }[]}
 *   `start`/`end` span the specifier's text without its quotes.
 */
export function moduleSpecifiers(fileName, text) {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const add = (literal, dynamic, typeOnly) => {
    found.push({
      specifier: literal.text,
      start: literal.getStart(file) + 1,
      end: literal.getEnd() - 1,
      dynamic,
      typeOnly,
    });
  };
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = ts.isImportDeclaration(node)
        ? node.importClause?.isTypeOnly === true
        : node.isTypeOnly;
      add(node.moduleSpecifier, false, typeOnly);
    } else if (
      ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0], true, false);
    } else if (
      ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal, false, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/**
 * Every file under `dir` whose name passes `keep`, as paths relative to the
 * root with forward slashes, sorted.
 *
 * @param {string} dir Relative to the root.
 * @param {(name: string) => boolean} keep
 * @returns {string[]}
 */
export function listFiles(dir, keep) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => relative(root, join(e.parentPath ?? e.path, e.name)).split("\\").join("/"))
    .sort();
}

/**
 * Fails the script with `message`, printed so it stands out in CI logs.
 *
 * @param {string} message
 * @returns {never}
 */
export function fail(message) {
  console.error(`\nerror: ${message}`);
  process.exit(1);
}

/**
 * `text` with each relative module specifier replaced by `rewrite(specifier)`.
 *
 * @param {string} fileName
 * @param {string} text
 * @param {(specifier: string) => string} rewrite Gets only "./" and "../" specifiers.
 * @returns {string}
 */
export function replaceSpecifiers(fileName, text, rewrite) {
  let out = text;
  for (const { specifier, start, end } of moduleSpecifiers(fileName, text).reverse()) {
    if (!specifier.startsWith("./") && !specifier.startsWith("../")) continue;
    out = out.slice(0, start) + rewrite(specifier) + out.slice(end);
  }
  return out;
}
