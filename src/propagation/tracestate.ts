/**
 * The W3C Trace Context `tracestate` header: an immutable, validated list of
 * vendor entries.
 *
 * @module
 */

import { describe } from "../platform/_describe.ts";
import { countDrop } from "./_drop_counts.ts";

/** At most this many list members, as the specification says. */
const MAX_TRACESTATE_MEMBERS = 32;

/**
 * The longest combined `tracestate` value read. The specification asks that
 * at least 512 characters be propagated; a value past this limit is
 * discarded before it is split, so a 1 MB header costs a length check.
 */
const MAX_TRACESTATE_LENGTH = 8192;

// Key characters after the first: lcalpha / DIGIT / "_" / "-" / "*" / "/".
const KEY_CHAR = new Uint8Array(128);
for (let c = 0x61; c <= 0x7a; c++) KEY_CHAR[c] = 1;
for (let c = 0x30; c <= 0x39; c++) KEY_CHAR[c] = 1;
for (const c of "_-*/") KEY_CHAR[c.charCodeAt(0)] = 1;

function isLcAlpha(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function keyCharsOk(key: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = key.charCodeAt(i);
    if (c >= 128 || KEY_CHAR[c] === 0) return false;
  }
  return true;
}

/**
 * Whether `key` is a valid `tracestate` key: a simple key of up to 256
 * characters that starts with a lowercase letter or digit, or a
 * multi-tenant `tenant@system` key (tenant up to 241 characters, system up to
 * 14 starting with a letter).
 */
function isValidKey(key: string): boolean {
  const n = key.length;
  if (n === 0 || n > 256) return false;
  const first = key.charCodeAt(0);
  if (!isLcAlpha(first) && !isDigit(first)) return false;
  const at = key.indexOf("@");
  if (at === -1) return keyCharsOk(key, 1, n);
  const systemLength = n - at - 1;
  if (at > 241 || systemLength < 1 || systemLength > 14) return false;
  if (!isLcAlpha(key.charCodeAt(at + 1))) return false;
  return keyCharsOk(key, 1, at) && keyCharsOk(key, at + 2, n);
}

/**
 * Whether `value` is a valid `tracestate` value: 1 to 256 printable ASCII
 * characters other than `,` and `=`, not ending in a space.
 */
function isValidValue(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > 256 || value.charCodeAt(n - 1) === 0x20) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x2c || c === 0x3d) return false;
  }
  return true;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

// Set while a TraceState is built from entries that are already checked.
let trusted = false;

/**
 * An immutable W3C `tracestate`: ordered vendor entries, at most 32, each key
 * once. {@linkcode TraceState.set} returns a new state with the entry moved
 * to the front, as the specification asks of a service that updates its own
 * entry.
 *
 * @example A service records its position and forwards the rest
 * ```ts
 * import { TraceState } from "@codomyrmex/spans";
 * import assert from "node:assert/strict";
 *
 * const incoming = TraceState.parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
 * const outgoing = incoming?.set("congo", "ucfJifl5GOE");
 * assert.equal(outgoing?.serialize(), "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
 * assert.equal(incoming?.get("congo"), "t61rcWkgMzE");
 * ```
 */
export class TraceState {
  readonly #keys: readonly string[];
  readonly #values: readonly string[];

  /**
   * Creates a trace state from entries, first entry first.
   *
   * @param entries Key/value pairs; keys must be unique.
   * @throws {TypeError} When a key or value is invalid, or a key repeats.
   * @throws {RangeError} When there are more than 32 entries.
   *
   * @example
   * ```ts
   * import { TraceState } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const state = new TraceState([["congo", "t61rcWkgMzE"], ["rojo", "00f067aa0ba902b7"]]);
   * assert.equal(state.serialize(), "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
   * assert.throws(() => new TraceState([["Congo", "x"]]), TypeError);
   * ```
   */
  constructor(entries: Iterable<readonly [string, string]> = []) {
    if (trusted) {
      const [keys, values] = entries as unknown as [string[], string[]];
      this.#keys = keys;
      this.#values = values;
      return;
    }
    const keys: string[] = [];
    const values: string[] = [];
    for (const entry of entries) {
      const [key, value] = entry;
      checkEntry(key, value, "create TraceState");
      if (keys.includes(key)) {
        throw new TypeError(`Cannot create TraceState: key ${JSON.stringify(key)} repeats`);
      }
      keys.push(key);
      values.push(value);
    }
    if (keys.length > MAX_TRACESTATE_MEMBERS) {
      throw new RangeError(
        `Cannot create TraceState: at most ${MAX_TRACESTATE_MEMBERS} entries, got ${keys.length}`,
      );
    }
    this.#keys = keys;
    this.#values = values;
  }

  /**
   * Parses one or more `tracestate` header values (repeated headers are
   * combined in order). Empty and whitespace-only members are skipped. If any
   * member is invalid, a key repeats, there are more than 32 members, or the
   * combined value is longer than {@linkcode MAX_TRACESTATE_LENGTH}, the
   * whole header is discarded, as the specification allows. Never throws.
   *
   * @param header The header value, or its repeated values.
   * @returns The trace state (empty for an empty header), or `undefined` when discarded.
   *
   * @example
   * ```ts
   * import { TraceState } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const state = TraceState.parse(["foo=1 , bar=2", "baz=3"]);
   * assert.deepEqual(state?.keys(), ["foo", "bar", "baz"]);
   * assert.equal(TraceState.parse("foo=1,foo=2"), undefined);
   * assert.equal(TraceState.parse("FOO=1"), undefined);
   * ```
   */
  static parse(header: string | readonly string[] | undefined | null): TraceState | undefined {
    if (header === undefined || header === null) return EMPTY;
    let value: string;
    if (typeof header === "string") value = header;
    else if (Array.isArray(header)) {
      let length = 0;
      for (const part of header) {
        if (typeof part !== "string") return discard();
        length += part.length + 1;
      }
      if (length > MAX_TRACESTATE_LENGTH + 1) return discard();
      value = header.join(",");
    } else return discard();
    if (value.length > MAX_TRACESTATE_LENGTH) return discard();
    const keys: string[] = [];
    const values: string[] = [];
    let pos = 0;
    const n = value.length;
    while (pos <= n) {
      let comma = value.indexOf(",", pos);
      if (comma === -1) comma = n;
      let a = pos;
      let b = comma;
      while (a < b && isOws(value.charCodeAt(a))) a++;
      while (b > a && isOws(value.charCodeAt(b - 1))) b--;
      pos = comma + 1;
      if (a === b) continue;
      if (keys.length === MAX_TRACESTATE_MEMBERS) return discard();
      const eq = value.indexOf("=", a);
      if (eq === -1 || eq >= b) return discard();
      const key = value.slice(a, eq);
      const val = value.slice(eq + 1, b);
      if (!isValidKey(key) || !isValidValue(val) || keys.includes(key)) return discard();
      keys.push(key);
      values.push(val);
    }
    return keys.length === 0 ? EMPTY : make(keys, values);
  }

  /**
   * The number of entries.
   *
   * @example
   * ```ts
   * import { TraceState } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(TraceState.parse("a=1,b=2")?.size, 2);
   * ```
   */
  get size(): number {
    return this.#keys.length;
  }

  /**
   * Returns the value of `key`.
   *
   * @param key The vendor key.
   * @returns Its value, or `undefined`.
   *
   * @example
   * ```ts
   * import { TraceState } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(TraceState.parse("congo=t61rcWkgMzE")?.get("congo"), "t61rcWkgMzE");
   * ```
   */
  get(key: string): string | undefined {
    const i = this.#keys.indexOf(key);
    return i === -1 ? undefined : this.#values[i];
  }

  /**
   * Returns a new state with `key` set to `value` and moved to the front.
   * When a new key would make 33 entries, the last entry is removed, as the
   * specification's truncation rule suggests.
   *
   * @param key A valid `tracestate` key.
   * @param value A valid `tracestate` value.
   * @returns The new state.
   * @throws {TypeError} When the key or value is invalid.
   *
   * @example
   * ```ts
   * import { TraceState } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * const state = new TraceState().set("rojo", "1").set("congo", "2").set("rojo", "3");
   * assert.equal(state.serialize(), "rojo=3,congo=2");
   * ```
   */
  set(key: string, value: string): TraceState {
    checkEntry(key, value, "set tracestate entry");
    const keys = [key];
    const values = [value];
    for (let i = 0; i < this.#keys.length; i++) {
      if (this.#keys[i] === key) continue;
      if (keys.length === MAX_TRACESTATE_MEMBERS) break;
      keys.push(this.#keys[i]);
      values.push(this.#values[i]);
    }
    return make(keys, values);
  }

  /**
   * Returns a new state without `key`.
   *
   * @param key The vendor key.
   * @returns The new state (this one when `key` is absent).
   *
   * @example
   * ```ts
   * import { TraceState } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(TraceState.parse("a=1,b=2")?.delete("a").serialize(), "b=2");
   * ```
   */
  delete(key: string): TraceState {
    const i = this.#keys.indexOf(key);
    if (i === -1) return this;
    return make(this.#keys.toSpliced(i, 1), this.#values.toSpliced(i, 1));
  }

  /**
   * The keys, first entry first.
   *
   * @returns A new array of keys.
   *
   * @example
   * ```ts
   * import { TraceState } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(TraceState.parse("a=1,b=2")?.keys(), ["a", "b"]);
   * ```
   */
  keys(): string[] {
    return [...this.#keys];
  }

  /**
   * Formats the state as a `tracestate` header value, without optional
   * whitespace.
   *
   * @returns The header value; `""` when empty.
   *
   * @example
   * ```ts
   * import { TraceState } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(TraceState.parse(" a=1 ,\tb=2 ")?.serialize(), "a=1,b=2");
   * ```
   */
  serialize(): string {
    let out = "";
    for (let i = 0; i < this.#keys.length; i++) {
      if (i > 0) out += ",";
      out += this.#keys[i] + "=" + this.#values[i];
    }
    return out;
  }

  /**
   * The same as {@linkcode TraceState.serialize}.
   *
   * @returns The header value.
   *
   * @example
   * ```ts
   * import { TraceState } from "@codomyrmex/spans";
   * import assert from "node:assert/strict";
   *
   * assert.equal(`${TraceState.parse("a=1")}`, "a=1");
   * ```
   */
  toString(): string {
    return this.serialize();
  }
}

function make(keys: string[], values: string[]): TraceState {
  trusted = true;
  try {
    return new TraceState([keys, values] as unknown as Iterable<readonly [string, string]>);
  } finally {
    trusted = false;
  }
}

const EMPTY: TraceState = make([], []);

function discard(): undefined {
  countDrop("tracestate");
  return undefined;
}

function checkEntry(key: unknown, value: unknown, action: string): void {
  if (typeof key !== "string" || !isValidKey(key)) {
    throw new TypeError(`Cannot ${action}: invalid key ${describe(key)}`);
  }
  if (typeof value !== "string" || !isValidValue(value)) {
    throw new TypeError(`Cannot ${action}: invalid value ${describe(value)} for key "${key}"`);
  }
}
