// Internal: the growable byte buffer both OTLP writers (protobuf and JSON)
// write into. One buffer per writer, reused across calls; `finish` copies
// out what was written. The fields are public for speed: this class never
// leaves the encoders.

const INITIAL_SIZE = 64 * 1024;
// A buffer that grew past this for one huge batch gives the memory back.
const KEEP_AT_MOST = 1024 * 1024;

/** A growable byte buffer with a write position. */
export class ByteBuffer {
  /** The buffer; only `[0, pos)` is meaningful. */
  buf: Uint8Array = new Uint8Array(INITIAL_SIZE);
  /** The next write position. */
  pos = 0;
  /** A view of `buf`, for fixed-width numbers. */
  view: DataView = new DataView(this.buf.buffer);

  /** Starts over, keeping the buffer unless it grew very large. */
  reset(): void {
    if (this.buf.length > KEEP_AT_MOST) this.#replace(new Uint8Array(INITIAL_SIZE));
    this.pos = 0;
  }

  /** Copies out what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const needed = this.pos + n;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.#replace(next);
  }

  /** Writes raw bytes as they are. */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n > 16) {
      this.buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    // Short copies: a loop beats the call into TypedArray#set.
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = bytes[i];
    this.pos = pos;
  }

  #replace(buf: Uint8Array): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer);
  }
}
