// Internal: writes JSON text straight to UTF-8 bytes. Building a JS string
// and then encoding it costs a second pass over every byte (and a rope
// flatten); OTLP/JSON is mostly ASCII punctuation, names and digits, which
// this writes byte by byte in one pass.

import { ByteBuffer } from "./_byte_buffer.ts";
import { splitMs, wholeMs } from "./_unix_nanos.ts";

const HEX = "0123456789abcdef";

/** Writes JSON tokens as UTF-8 into one growing buffer. */
export class JsonWriter extends ByteBuffer {
  /** Writes ASCII text as is: JSON punctuation, field names, hex ids. */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
    this.pos = pos;
  }

  /** Writes one ASCII character by its code. */
  char(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Writes a trace or span id: lowercase hex, quoted. */
  id(hex: string): void {
    const n = hex.length;
    this.ensure(n + 2);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = 0x22;
    for (let i = 0; i < n; i++) buf[pos++] = hex.charCodeAt(i);
    buf[pos++] = 0x22;
    this.pos = pos;
  }

  /** Writes the unix nanoseconds of epoch milliseconds `ms` as a quoted decimal (OTLP/JSON's int64). */
  nanos(ms: number): void {
    const frac = splitMs(ms);
    const whole = wholeMs;
    this.ensure(24);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = 0x22;
    if (whole >= 1e6) {
      // Whole milliseconds since the epoch (about 1.8e12) are no small
      // integer, and printing a double is slow. Split at a million: the
      // high part changes every 17 minutes, so its digits are kept; the
      // rest is written from digit pairs.
      const high = Math.floor(whole / 1e6);
      if (high !== this.#high) {
        this.#high = high;
        this.#highDigits = String(high);
      }
      const digits = this.#highDigits;
      for (let i = 0; i < digits.length; i++) buf[pos++] = digits.charCodeAt(i);
      pos = sixDigits(buf, pos, whole - high * 1e6);
      pos = sixDigits(buf, pos, frac);
    } else if (whole > 0) {
      const digits = String(whole);
      for (let i = 0; i < digits.length; i++) buf[pos++] = digits.charCodeAt(i);
      pos = sixDigits(buf, pos, frac);
    } else {
      const s = String(frac);
      for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
    }
    buf[pos++] = 0x22;
    this.pos = pos;
  }

  #high = -1;
  #highDigits = "";

  /** Writes a non-negative integer below 2^53 in decimal. */
  uint(n: number): void {
    if (n < 10) {
      this.ensure(1);
      this.buf[this.pos++] = 0x30 + n;
    } else {
      this.ascii(String(n));
    }
  }

  /** Writes a number as JSON: finite ones as they print, others as the strings the protobuf JSON mapping uses. */
  number(v: number): void {
    if (Number.isFinite(v)) this.ascii(String(v));
    else this.ascii(v !== v ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"');
  }

  /**
   * Writes `"…"`: the string quoted, escaped as JSON.stringify escapes,
   * and UTF-8 encoded, lone surrogates as U+FFFD (as TextEncoder does).
   */
  string(s: string): void {
    const n = s.length;
    // Worst case: 6 bytes (`\uXXXX`) per UTF-16 unit, plus the quotes.
    this.ensure(n * 6 + 2);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = 0x22;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
          buf[pos++] = c;
          continue;
        }
        buf[pos++] = 0x5c;
        switch (c) {
          case 0x22:
          case 0x5c:
            buf[pos++] = c;
            break;
          case 0x0a:
            buf[pos++] = 0x6e; // n
            break;
          case 0x0d:
            buf[pos++] = 0x72; // r
            break;
          case 0x09:
            buf[pos++] = 0x74; // t
            break;
          case 0x08:
            buf[pos++] = 0x62; // b
            break;
          case 0x0c:
            buf[pos++] = 0x66; // f
            break;
          default:
            pos = unicodeEscape(buf, pos, c);
        }
      } else if (c < 0x800) {
        buf[pos++] = 0xc0 | (c >> 6);
        buf[pos++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          buf[pos++] = 0xf0 | (c >> 18);
          buf[pos++] = 0x80 | ((c >> 12) & 0x3f);
          buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
          buf[pos++] = 0x80 | (c & 0x3f);
        } else {
          // A lone surrogate is no character: U+FFFD, as TextEncoder (and
          // so the protobuf encoder) writes it. JSON.stringify's "\ud800"
          // would name none, which a proto string cannot hold: a strict
          // OTLP/JSON parser refuses the whole request.
          buf[pos++] = 0xef;
          buf[pos++] = 0xbf;
          buf[pos++] = 0xbd;
        }
      } else {
        buf[pos++] = 0xe0 | (c >> 12);
        buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
        buf[pos++] = 0x80 | (c & 0x3f);
      }
    }
    buf[pos++] = 0x22;
    this.pos = pos;
  }
}

// "00" to "99", two bytes each.
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 0x30 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 0x30 + (i % 10);
}

// Writes `n` (0 to 999999) as six digits, zero-padded; returns the new position.
function sixDigits(buf: Uint8Array, pos: number, n: number): number {
  const a = (n / 10000) | 0;
  const rest = n - a * 10000;
  const b = (rest / 100) | 0;
  const c = rest - b * 100;
  buf[pos] = DIGIT_PAIRS[2 * a];
  buf[pos + 1] = DIGIT_PAIRS[2 * a + 1];
  buf[pos + 2] = DIGIT_PAIRS[2 * b];
  buf[pos + 3] = DIGIT_PAIRS[2 * b + 1];
  buf[pos + 4] = DIGIT_PAIRS[2 * c];
  buf[pos + 5] = DIGIT_PAIRS[2 * c + 1];
  return pos + 6;
}

// Writes `uXXXX` (the backslash is already written).
function unicodeEscape(buf: Uint8Array, pos: number, c: number): number {
  buf[pos++] = 0x75;
  buf[pos++] = HEX.charCodeAt((c >> 12) & 15);
  buf[pos++] = HEX.charCodeAt((c >> 8) & 15);
  buf[pos++] = HEX.charCodeAt((c >> 4) & 15);
  buf[pos++] = HEX.charCodeAt(c & 15);
  return pos;
}
