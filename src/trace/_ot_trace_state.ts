// Internal: the OpenTelemetry entry of a trace state, `ot`, as the
// specification's tracestate-handling.md defines it: its value a list of
// `key:value` sub-keys joined by `;` (a key is a lowercase letter, then
// lowercase letters and digits; a value is letters, digits, `.`, `_` and
// `-`), each key once, at most 256 characters. A probability sampler reads
// the explicit randomness `rv` from it and writes its threshold `th` to it.
// What is malformed in it is telemetry data: left out where the entry is
// written again, and counted, never thrown.

import {
  scanTraceState,
  serializeTraceState,
  setTraceStateEntry,
  traceStateDrops,
} from "../span/_tracestate_grammar.ts";
import { isRandomnessValue } from "./_threshold.ts";

const OT = "ot";
// "The complete list length MUST NOT exceed 256 characters."
const MAX_OT_LENGTH = 256;
const SUB_KEY = /^[a-z][a-z0-9]*$/;
const SUB_VALUE = /^[A-Za-z0-9._-]*$/;

/** A trace state, its `ot` entry read. */
export interface OtTraceState {
  /** The trace state's keys, first entry first. */
  readonly keys: readonly string[];
  /** Their values. */
  readonly values: readonly string[];
  /** The `ot` entry's well-formed sub-keys other than `th`, as `key:value`, in order. */
  readonly members: readonly string[];
  /**
   * Whether something was left out of `members`: a sub-key that is not
   * `key:value`, a repeated key, an `rv` that is not 14 lowercase hex digits;
   * or the whole trace state, when it is not a valid one.
   */
  readonly malformed: boolean;
  /** The explicit randomness value, when `rv` holds a valid one. */
  readonly rv: string | undefined;
  /**
   * The value of the `th` sub-key, as it was, valid or not; `undefined` when
   * the entry has none. Left out of `members` either way.
   */
  readonly th: string | undefined;
}

/**
 * Reads `traceState` and its `ot` entry. Never throws: a trace state that is
 * not valid reads as empty (and malformed).
 */
export function readOtTraceState(traceState: string): OtTraceState {
  const keys: string[] = [];
  const values: string[] = [];
  if (scanTraceState(traceState, keys, values) === "invalid") {
    return {
      keys: [],
      values: [],
      members: [],
      malformed: true,
      rv: undefined,
      th: undefined,
    };
  }
  const at = keys.indexOf(OT);
  const members: string[] = [];
  let malformed = false;
  let rv: string | undefined;
  let th: string | undefined;
  if (at >= 0) {
    const seen: string[] = [];
    for (const member of values[at].split(";")) {
      const colon = member.indexOf(":");
      const key = colon < 0 ? "" : member.slice(0, colon);
      const value = member.slice(colon + 1);
      if (!SUB_KEY.test(key) || !SUB_VALUE.test(value) || seen.includes(key)) {
        malformed = true;
        continue;
      }
      if (key === "rv") {
        if (!isRandomnessValue(value)) {
          malformed = true;
          continue;
        }
        rv = value;
      }
      seen.push(key);
      // The threshold is replaced or erased, whatever it held.
      if (key === "th") th = value;
      else members.push(member);
    }
  }
  return { keys, values, members, malformed, rv, th };
}

/**
 * The trace state with `th:<threshold>` set in its `ot` entry, which moves
 * to the front (added there when there is none), its other well-formed
 * sub-keys and the other vendors' entries kept. A malformed part left out
 * is counted in `propagationStats().tracestate`. `undefined` when the entry
 * would be over 256 characters: the specification asks to leave the trace
 * state as it was then.
 */
export function withThreshold(state: OtTraceState, threshold: string): string | undefined {
  let ot = "th:" + threshold;
  for (const member of state.members) ot += ";" + member;
  if (ot.length > MAX_OT_LENGTH) return undefined;
  if (state.malformed) traceStateDrops.count++;
  const [keys, values] = setTraceStateEntry(state.keys, state.values, OT, ot);
  return serializeTraceState(keys, values);
}

/**
 * The trace state with no `th` in its `ot` entry, which moves to the front
 * (and is removed when it is left with no sub-key), the other vendors'
 * entries kept: for a span sampled at a threshold its entry cannot carry,
 * since a `th` kept from the parent would claim a probability the span was
 * not sampled at ("Sampling stages that yield spans with unknown sampling
 * probability ... must erase the OpenTelemetry threshold value"). A
 * malformed part left out is counted in `propagationStats().tracestate`.
 */
export function withoutThreshold(state: OtTraceState): string {
  if (state.malformed) traceStateDrops.count++;
  const keys: string[] = [];
  const values: string[] = [];
  if (state.members.length > 0) {
    keys.push(OT);
    values.push(state.members.join(";"));
  }
  for (let i = 0; i < state.keys.length; i++) {
    if (state.keys[i] === OT) continue;
    keys.push(state.keys[i]);
    values.push(state.values[i]);
  }
  return serializeTraceState(keys, values);
}
