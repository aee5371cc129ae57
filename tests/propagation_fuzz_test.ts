// Feeds 100,000 random and mutated header values to the propagation parsers.
// None may throw, and every result must be valid or undefined. The PRNG is
// seeded, so a failure reproduces: the message names the seed and the input.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Baggage,
  extractContext,
  formatTraceparent,
  parseTraceparent,
  TraceState,
} from "../mod.ts";
import { prng } from "./_helpers.ts";

const SEED = 0x5eed_2026;
const RUNS = 100_000;

const SEEDS = [
  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-future-fields",
  "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
  "tenant@system=value, foo=1 \t, bar=  2",
  "userId=alice,serverNode=DF%2028;ttl=60;private,isProduction=false",
  "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
];
const ALPHABET = '0123456789abcdefABCDEF-=,;@% \t_*/"\\:.\u00e9\u{1f600}\ud800\u0000\u007f';

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

function randomValue(r: () => number): string {
  const long = r() < 0.001;
  const length = long ? 9000 + Math.floor(r() * 20_000) : Math.floor(r() * 80);
  let s = "";
  for (let i = 0; i < length; i++) s += pick(r, [...ALPHABET]);
  return s;
}

function mutate(r: () => number, value: string): string {
  let s = value;
  const steps = 1 + Math.floor(r() * 4);
  for (let k = 0; k < steps; k++) {
    const i = Math.floor(r() * (s.length + 1));
    switch (Math.floor(r() * 7)) {
      case 0:
        s = s.slice(0, i) + pick(r, [...ALPHABET]) + s.slice(i + 1);
        break;
      case 1:
        s = s.slice(0, i) + pick(r, [...ALPHABET]) + s.slice(i);
        break;
      case 2:
        s = s.slice(0, i) + s.slice(i + 1);
        break;
      case 3:
        s = s.slice(0, i);
        break;
      case 4:
        s = s + "," + s;
        break;
      case 5:
        s = s.toUpperCase();
        break;
      default:
        s = s.slice(0, i) + pick(r, SEEDS) + s.slice(i);
    }
  }
  return s;
}

// W3C Trace Context Level 2 (editor's draft): key = ( lcalpha / DIGIT ) 0*255 ( keychar ).
const TRACESTATE_KEY = /^[a-z0-9][_0-9a-z\-*/@]{0,255}$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;
const BAGGAGE_KEY = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const accepted = { traceparent: 0, tracestate: 0, baggage: 0 };

function checkTraceparent(value: string): void {
  const ctx = parseTraceparent(value);
  if (ctx === undefined) return;
  accepted.traceparent++;
  assert.match(ctx.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(ctx.traceId, "0".repeat(32));
  assert.match(ctx.spanId, /^[0-9a-f]{16}$/);
  assert.notEqual(ctx.spanId, "0".repeat(16));
  assert.ok(ctx.traceFlags >= 0 && ctx.traceFlags <= 3);
  assert.equal(ctx.isRemote, true);
  const again = parseTraceparent(formatTraceparent(ctx));
  assert.equal(again?.traceId, ctx.traceId);
  assert.equal(again?.spanId, ctx.spanId);
  assert.equal(again?.traceFlags, ctx.traceFlags);
}

function checkTraceState(value: string | string[]): void {
  const state = TraceState.parse(value);
  if (state === undefined) return;
  if (state.size > 0) accepted.tracestate++;
  assert.ok(state.size <= 32);
  assert.equal(new Set(state.keys()).size, state.size, "each key once");
  assert.ok(state.serialize().length <= 8192);
  for (const key of state.keys()) {
    assert.match(key, TRACESTATE_KEY);
    assert.match(state.get(key)!, TRACESTATE_VALUE);
  }
  const wire = state.serialize();
  assert.equal(TraceState.parse(wire)?.serialize(), wire);
}

function checkBaggage(value: string | string[]): void {
  const baggage = Baggage.parse(value);
  assert.ok(baggage.size <= 64);
  if (baggage.size > 0) accepted.baggage++;
  for (const [key, entry] of baggage.entries()) {
    assert.match(key, BAGGAGE_KEY);
    assert.equal(typeof entry.value, "string");
  }
  const wire = baggage.serialize();
  assert.ok(wire.length <= 8192);
  assert.equal(Baggage.parse(wire).serialize(), wire);
}

test(
  "100,000 random and mutated header values: no parser throws, every result is valid or undefined",
  { timeout: 120_000 },
  () => {
    const r = prng(SEED);
    for (let run = 0; run < RUNS; run++) {
      const value = r() < 0.3 ? randomValue(r) : mutate(r, pick(r, SEEDS));
      const second = r() < 0.5 ? mutate(r, pick(r, SEEDS)) : randomValue(r);
      try {
        checkTraceparent(value);
        checkTraceState(value);
        checkTraceState([value, second]);
        checkBaggage(value);
        checkBaggage([second, value]);
        const ctx = extractContext({ traceparent: value, TraceState: second, baggage: value });
        if (ctx !== undefined) {
          checkTraceparent(formatTraceparent(ctx));
          if (ctx.traceState !== undefined) checkTraceState(ctx.traceState);
        }
      } catch (error) {
        assert.fail(
          `seed ${SEED}, run ${run}: ${JSON.stringify(value.slice(0, 200))} / ${
            JSON.stringify(second.slice(0, 200))
          }: ${error}`,
        );
      }
    }
    // The inputs must reach the accepting paths too, not only the refusals.
    for (const [parser, n] of Object.entries(accepted)) {
      assert.ok(n > 1000, `${parser} accepted only ${n} values`);
    }
  },
);
