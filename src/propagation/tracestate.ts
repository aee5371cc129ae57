/**
 * The W3C Trace Context `tracestate` header: an immutable, validated list of
 * vendor entries.
 *
 * @module
 */

import { iterableArgument, pairArgument } from "../platform/_arguments.ts";
import { describe } from "../platform/_describe.ts";
import {
  isValidTraceStateKey,
  isValidTraceStateValue,
  MAX_TRACESTATE_INPUT_LENGTH,
  MAX_TRACESTATE_LENGTH,
  MAX_TRACESTATE_MEMBERS,
  scanTraceState,
  serializeTraceState,
  setTraceStateEntry,
  truncateTraceState,
} from "../span/_tracestate_grammar.ts";
import { countDrop } from "./_drop_counts.ts";

// Set while a TraceState is built from entries that are already checked.
let trusted = false;

/**
 * An immutable W3C `tracestate`: ordered vendor entries, at most 32 and at
 * most 8,192 characters, each key once. {@linkcode TraceState.set} returns a new state with the entry moved
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
   * @throws {TypeError} When `entries` is not an iterable of `[key, value]`
   *   arrays, a key or value is invalid, or a key repeats.
   * @throws {RangeError} When there are more than 32 entries, or they serialize
   *   to more than 8,192 characters.
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
    const action = "create TraceState";
    for (const entry of iterableArgument(entries, action, "entries")) {
      const [key, value] = pairArgument(entry, action) as readonly [string, string];
      checkEntry(key, value, action);
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
    const length = keys.reduce((n, key, i) => n + key.length + 1 + values[i].length, 0) +
      Math.max(0, keys.length - 1);
    if (length > MAX_TRACESTATE_LENGTH) {
      throw new RangeError(
        `Cannot create TraceState: at most ${MAX_TRACESTATE_LENGTH} characters, got ${length}`,
      );
    }
    this.#keys = keys;
    this.#values = values;
  }

  /**
   * Parses one or more `tracestate` header values (repeated headers are
   * combined in order), as W3C Trace Context Level 2 asks of a receiver.
   * Empty and whitespace-only members are skipped. A repeated key keeps its
   * first entry (uniqueness is the sender's duty, so the header is kept). If
   * any member is invalid or there are more than 32 members, the whole
   * header is discarded and counted in `propagationStats()`; so is a
   * combined value over 32,768 characters, before it is split. A valid list
   * longer than 8,192 characters is truncated by whole entries, as the
   * specification says: entries over 128 characters first, then from the
   * end (and counted). Never throws.
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
   * assert.equal(TraceState.parse("foo@=1,foo=2,foo=3")?.serialize(), "foo@=1,foo=2");
   * assert.equal(TraceState.parse("FOO=1"), undefined);
   * assert.equal(TraceState.parse("@foo=1"), undefined);
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
      if (length > MAX_TRACESTATE_INPUT_LENGTH + 1) return discard();
      value = header.join(",");
    } else return discard();
    const keys: string[] = [];
    const values: string[] = [];
    if (scanTraceState(value, keys, values) === "invalid") return discard();
    if (truncateTraceState(keys, values)) countDrop("tracestate");
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
   * specification says; when the state would be longer than 8,192
   * characters, whole entries are removed by its truncation rule (entries
   * over 128 characters first, then from the end), never the one set.
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
    const [keys, values] = setTraceStateEntry(this.#keys, this.#values, key, value);
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
    return serializeTraceState(this.#keys, this.#values);
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
  if (typeof key !== "string" || !isValidTraceStateKey(key)) {
    throw new TypeError(`Cannot ${action}: invalid key ${describe(key)}`);
  }
  if (typeof value !== "string" || !isValidTraceStateValue(value)) {
    throw new TypeError(`Cannot ${action}: invalid value ${describe(value)} for key "${key}"`);
  }
}
