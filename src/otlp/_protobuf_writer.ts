// Internal: a minimal protobuf wire-format writer, tuned for OTLP export.
//
// Written in a single pass. A length-delimited field
// reserves one byte for its length and, on close, shifts its body right in
// the rare case the length needs more (most KeyValues, events and links are
// under 128 bytes). The fields are public for speed: this class never leaves
// the encoder.

import { writeHexBytes } from "../platform/_hex.ts";
import { ByteBuffer } from "./_byte_buffer.ts";
import { MAX_WHOLE_MS, nanosHi, nanosLo, splitMs, wholeMs, wholeMsNanos } from "./_unix_nanos.ts";

const TWO_32 = 4294967296;

const textEncoder = new TextEncoder();

/** Bytes a varint of the unsigned 32-bit `v` takes. */
function varint32Size(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

const SLOT_BYTES = 128;

/** The last string written through it, and its encoding (length prefix included). */
export class StringSlot {
  /** The string. */
  text: string | undefined;
  /** Its encoding's size. */
  size = 0;
  /** Its encoding. */
  readonly bytes: Uint8Array = new Uint8Array(SLOT_BYTES);
  /** A view of `bytes`, to copy them four at a time. */
  readonly view: DataView = new DataView(this.bytes.buffer);
}

/** Writes protobuf fields into one growing buffer. */
export class ProtobufWriter extends ByteBuffer {
  /** Writes a tag (or any value) under 128 as one byte. */
  byte(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  /** Writes an unsigned varint of an integer below 2^64. */
  varint(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (v < TWO_32) {
      while (v > 0x7f) {
        buf[pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[pos++] = v;
    } else {
      while (v > 0x7f) {
        buf[pos++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      buf[pos++] = v;
    }
    this.pos = pos;
  }

  /** Writes a signed int64 varint from an integer in [-2^63, 2^63) (negatives take 10 bytes). */
  int64(v: number): void {
    if (v >= 0) {
      this.varint(v);
      return;
    }
    const abs = -v;
    let lo = abs >>> 0;
    let hi = Math.floor(abs / TWO_32) >>> 0;
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0 || lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /** Writes a little-endian fixed32. */
  fixed32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  // The whole millisecond of the last time written (NaN when there is none,
  // or it was the last one OTLP holds) and the halves of its unix
  // nanoseconds: the times of a batch mostly share their millisecond with
  // the time before, and then only the nanoseconds below it are added. Kept
  // in fields, not module variables, so that the hot path stores no doubles
  // (V8 boxes a double stored in a module variable).
  #msWhole = NaN;
  #msLo = 0;
  #msHi = 0;

  /**
   * Writes a one-byte tag and the unix nanoseconds of `ms` (epoch
   * milliseconds) as a little-endian fixed64: a span's or an event's time,
   * in one call.
   */
  timeField(tagByte: number, ms: number): void {
    // In the last time's millisecond, `below` is `ms`'s exact fraction of a
    // millisecond (as in splitMs), and a fraction that rounds to a whole
    // millisecond goes the long way.
    const below = ms - this.#msWhole;
    let frac = Math.round(below * 1e6);
    if (!(below >= 0 && frac < 1e6)) frac = this.#millisecond(ms);
    let lo = this.#msLo + frac;
    let hi = this.#msHi;
    if (lo >= TWO_32) {
      lo -= TWO_32;
      hi += 1;
    }
    this.ensure(9);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = tagByte;
    buf[pos++] = lo;
    buf[pos++] = lo >>> 8;
    buf[pos++] = lo >>> 16;
    buf[pos++] = lo >>> 24;
    buf[pos++] = hi;
    buf[pos++] = hi >>> 8;
    buf[pos++] = hi >>> 16;
    buf[pos++] = hi >>> 24;
    this.pos = pos;
  }

  // Splits `ms` (clamped to what OTLP holds) into its whole millisecond, kept
  // with the halves of its nanoseconds, and the nanoseconds below (returned).
  #millisecond(ms: number): number {
    const frac = splitMs(ms);
    const whole = wholeMs;
    wholeMsNanos(whole);
    this.#msLo = nanosLo;
    this.#msHi = nanosHi;
    // The last millisecond OTLP holds ends before its 999,999th ns: clamped
    // in splitMs, never by the fraction above.
    this.#msWhole = whole < MAX_WHOLE_MS ? whole : NaN;
    return frac;
  }

  /** Writes bytes kept with three zero bytes after them: `from`, less those three. */
  padded(from: DataView): void {
    this.#copyPadded(from, from.byteLength - 3);
  }

  // Writes the first `n` bytes of `from`, which has at least three zero
  // bytes after them, four bytes at a time (on Node 20 a byte loop took ~2
  // ns a byte): up to three of the zeros land past the position, where
  // nothing was written yet.
  #copyPadded(from: DataView, n: number): void {
    this.ensure(n + 3);
    const out = this.view;
    const pos = this.pos;
    for (let i = 0; i < n; i += 4) out.setUint32(pos + i, from.getUint32(i, true), true);
    this.pos = pos + n;
  }

  /** Writes two bytes: a tag and a value under 128. */
  byte2(a: number, b: number): void {
    this.ensure(2);
    const buf = this.buf;
    buf[this.pos] = a;
    buf[this.pos + 1] = b;
    this.pos += 2;
  }

  /** Writes a little-endian IEEE 754 double. */
  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Writes a length-prefixed UTF-8 string. */
  string(s: string): void {
    const n = s.length;
    // Room for the worst case: three UTF-8 bytes per UTF-16 unit.
    const max = n * 3;
    const prefix = varint32Size(max);
    this.ensure(prefix + max);
    const buf = this.buf;
    const start = this.pos;
    const body = start + prefix;
    let written = 0;
    if (n < 64) {
      let p = body;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = -1;
          break;
        }
        buf[p++] = c;
      }
      written = p < 0 ? textEncoder.encodeInto(s, buf.subarray(body)).written : n;
    } else {
      written = textEncoder.encodeInto(s, buf.subarray(body)).written;
    }
    const size = varint32Size(written);
    if (size !== prefix) buf.copyWithin(start + size, body, body + written);
    this.pos = start;
    this.#lengthAt(written);
    this.pos = start + size + written;
  }

  /**
   * Writes the one-byte tag `tagByte` and `s` as {@linkcode ProtobufWriter.string}
   * does, through `slot`: a string equal to the one the slot holds (a span
   * name, an event name, the same from span to span) is copied from the
   * slot's bytes, tag included; any other replaces it, when short enough.
   */
  cachedString(tagByte: number, slot: StringSlot, s: string): void {
    if (s === slot.text) {
      // The slot keeps zeros past `size`: see #copyPadded.
      this.#copyPadded(slot.view, slot.size);
      return;
    }
    const start = this.pos;
    this.byte(tagByte);
    this.string(s);
    const n = this.pos - start;
    if (n <= SLOT_BYTES) {
      const buf = this.buf;
      const bytes = slot.bytes;
      for (let i = 0; i < n; i++) bytes[i] = buf[start + i];
      bytes.fill(0, n, n + 3);
      slot.text = s;
      slot.size = n;
    }
  }

  // The spans of one trace share one trace id string: the last one is kept
  // decoded, as where its 16 bytes are: the bytes a root's ids were drawn
  // from (never overwritten: _id_pool.ts), or one scratch array that every
  // new trace id parsed from hex overwrites (a fresh array per trace id cost
  // ~480 ns on Deno).
  #lastHex = "";
  #lastFrom: Uint8Array = new Uint8Array(16);
  #lastAt = 0;
  readonly #scratch: Uint8Array = new Uint8Array(16);

  /** Writes a length-prefixed byte string from lowercase or uppercase hex. */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    this.ensure(n + 5);
    const buf = this.buf;
    let pos = this.pos;
    if (hex === this.#lastHex) {
      const from = this.#lastFrom;
      const at = this.#lastAt;
      buf[pos++] = 16;
      for (let i = 0; i < 16; i++) buf[pos++] = from[at + i];
      this.pos = pos;
      return;
    }
    const start = pos + 1;
    buf[pos++] = n; // ids are 8 or 16 bytes: a one-byte length
    this.pos = pos = writeHexBytes(hex, buf, pos);
    if (n === 16) {
      const bytes = this.#scratch;
      for (let i = 0; i < 16; i++) bytes[i] = buf[start + i];
      this.#lastHex = hex;
      this.#lastFrom = bytes;
      this.#lastAt = 0;
    }
  }

  /**
   * Writes a root span's ids, tags included (trace_id = 1, span_id = 2):
   * the trace id from its 16 bytes in `from` before `at`, and the span id
   * from the 8 at `at`; and keeps the trace id as the last one for
   * {@linkcode ProtobufWriter.hexBytes} when its hex `hex` is given (a span
   * that never made it gives `undefined`, and no other span read it).
   */
  rootIds(hex: string | undefined, from: Uint8Array, at: number): void {
    this.ensure(28);
    // Four bytes at a time through DataViews: on Node 20 a byte loop took
    // ~2 ns a byte, six 32-bit copies ~20 ns for all 24. The view of the id
    // pool's bytes serves the ~170 roots drawn from them.
    let ids = this.#idsView;
    if (this.#idsOf !== from) {
      ids = this.#idsView = new DataView(from.buffer, from.byteOffset, from.byteLength);
      this.#idsOf = from;
    }
    const buf = this.buf;
    const out = this.view;
    const pos = this.pos;
    const traceAt = at - 16;
    buf[pos] = 0x0a;
    buf[pos + 1] = 16;
    out.setUint32(pos + 2, ids.getUint32(traceAt, true), true);
    out.setUint32(pos + 6, ids.getUint32(traceAt + 4, true), true);
    out.setUint32(pos + 10, ids.getUint32(traceAt + 8, true), true);
    out.setUint32(pos + 14, ids.getUint32(traceAt + 12, true), true);
    buf[pos + 18] = 0x12;
    buf[pos + 19] = 8;
    out.setUint32(pos + 20, ids.getUint32(at, true), true);
    out.setUint32(pos + 24, ids.getUint32(at + 4, true), true);
    this.pos = pos + 28;
    if (hex === undefined) return;
    this.#lastHex = hex;
    this.#lastFrom = from;
    this.#lastAt = traceAt;
  }

  // The id bytes rootIds read last, and a view of them.
  #idsOf: Uint8Array | undefined;
  #idsView: DataView = new DataView(new ArrayBuffer(0));

  /** Writes a one-byte tag and the 8 bytes of `from` at `at`, length-prefixed: a span id. */
  spanIdBytes(tagByte: number, from: Uint8Array, at: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = tagByte;
    buf[pos++] = 8;
    for (let i = 0; i < 8; i++) buf[pos++] = from[at + i];
    this.pos = pos;
  }

  /** Opens a length-delimited field body; pass the result to {@linkcode ldelim}. */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  /**
   * Opens a body that is most likely 128 bytes to 16 KiB long (a span):
   * reserves two length bytes; pass the result to {@linkcode ldelim2}.
   */
  fork2(): number {
    this.ensure(2);
    const start = this.pos;
    this.pos += 2;
    return start;
  }

  /** Closes the body opened at `start` by {@linkcode fork}, writing its length in front. */
  ldelim(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.buf[start] = length;
      return;
    }
    this.#close(start, 1, length);
  }

  /** Closes the body opened at `start` by {@linkcode fork2}. */
  ldelim2(start: number): void {
    const length = this.pos - start - 2;
    if (length >= 0x80 && length < 0x4000) {
      this.buf[start] = (length & 0x7f) | 0x80;
      this.buf[start + 1] = length >>> 7;
      return;
    }
    this.#close(start, 2, length);
  }

  // Moves a body whose length prefix needs more (or fewer) bytes than were
  // reserved, then writes the length.
  #close(start: number, reserved: number, length: number): void {
    const size = varint32Size(length);
    if (size > reserved) this.ensure(size - reserved);
    this.buf.copyWithin(start + size, start + reserved, this.pos);
    const end = this.pos + size - reserved;
    this.pos = start;
    this.#lengthAt(length);
    this.pos = end;
  }

  #lengthAt(v: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }
}
