// Internal: credentials in query strings. The OpenTelemetry HTTP semantic
// conventions ask instrumentations to replace the values of a few query
// parameters with REDACTED in `url.full` and `url.query`, keeping the names.

import { describe } from "../platform/_describe.ts";

/** The parameters the semantic conventions name (exact, case-sensitive names). */
const SENSITIVE: readonly string[] = [
  "X-Amz-Signature",
  "X-Amz-Credential",
  "X-Amz-Security-Token",
  "AWSAccessKeyId",
  "Signature",
  "sig",
  "X-Goog-Signature",
];
const DEFAULT: ReadonlySet<string> = new Set(SENSITIVE);

/** The parameter names whose values are redacted; `undefined` when redaction is off. */
export type QueryRedaction = ReadonlySet<string> | undefined;

/**
 * Checks the `redactQuery` option: `true` or absent for the default names, an
 * array to add names to them, `false` for none.
 *
 * @param option The option as given.
 * @param action What is being set up, for the error message.
 * @returns The names to redact, or `undefined`.
 * @throws {TypeError} When the option is anything else.
 */
export function queryRedaction(option: unknown, action: string): QueryRedaction {
  if (option === undefined || option === true) return DEFAULT;
  if (option === false) return undefined;
  if (Array.isArray(option) && option.every((name) => typeof name === "string" && name !== "")) {
    return new Set([...SENSITIVE, ...option]);
  }
  throw new TypeError(
    `Cannot ${action}: redactQuery must be a boolean or an array of parameter names, got ${
      describe(option)
    }`,
  );
}

/**
 * Returns `url` with the value of every parameter in `names` replaced by
 * `REDACTED`; the same object when there is nothing to replace. The rest of
 * the query is kept byte for byte (nothing is decoded and encoded again).
 *
 * @param url The request's URL.
 * @param names The parameters to redact.
 * @returns The URL to record.
 */
export function redactUrl(url: URL, names: QueryRedaction): URL {
  if (names === undefined || url.search.length < 2) return url;
  const parts = url.search.slice(1).split("&");
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const eq = part.indexOf("=");
    // A parameter without a value has nothing to hide.
    if (eq < 0 || eq === part.length - 1) continue;
    if (names.has(decodeName(part.slice(0, eq))) && part.slice(eq + 1) !== "REDACTED") {
      parts[i] = `${part.slice(0, eq)}=REDACTED`;
      changed = true;
    }
  }
  if (!changed) return url;
  const copy = new URL(url.href);
  copy.search = parts.join("&");
  return copy;
}

/**
 * What an error may quote of `url` that its span must not show: the user
 * name and password, and each parameter `recorded` (what `redactUrl` made of
 * `url`) redacts. Fetch errors quote the URL (Node's refuses one with
 * credentials, naming it whole, as the caller wrote it: each part is hidden
 * percent-encoded and decoded). Returns a function that writes those parts
 * as `url.full` shows them, or `undefined` when there is nothing to hide.
 *
 * @param url The request's URL.
 * @param recorded `redactUrl(url, …)`.
 * @returns The scrubber, or `undefined`.
 */
export function urlScrubber(url: URL, recorded: URL): ((text: string) => string) | undefined {
  const replacements: [string, string][] = [];
  if (url.username !== "" || url.password !== "") {
    replacements.push(
      url.password === ""
        ? [`${url.username}@`, "REDACTED:REDACTED@"]
        : [`${url.username}:${url.password}@`, "REDACTED:REDACTED@"],
    );
  }
  if (recorded !== url) {
    const before = url.search.slice(1).split("&");
    const after = recorded.search.slice(1).split("&");
    for (let i = 0; i < before.length; i++) {
      if (before[i] !== after[i]) replacements.push([before[i], after[i]]);
    }
  }
  if (replacements.length === 0) return undefined;
  // An error may quote the URL as the caller wrote it (Node's fetch quotes
  // its input string), where the parser percent-encoded a space, a quote, a
  // "|" or a letter beyond ASCII: each part is hidden in that form too.
  for (const [from, to] of [...replacements]) {
    const plain = decodedComponent(from);
    if (plain !== from) replacements.push([plain, to]);
  }
  // Longest first, so that no replacement cuts into a longer one.
  replacements.sort((a, b) => b[0].length - a[0].length);
  return (text) => {
    let out = text;
    for (const [from, to] of replacements) {
      if (out.includes(from)) out = out.split(from).join(to);
    }
    return out;
  };
}

// A URL part with its percent-escapes decoded (`+` stays: in a query the
// caller may have written it as it is), or as it is when malformed.
function decodedComponent(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// A name as the form encoding has it: `+` is a space, `%XX` a byte.
function decodeName(raw: string): string {
  if (!raw.includes("%") && !raw.includes("+")) return raw;
  try {
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    return raw;
  }
}
