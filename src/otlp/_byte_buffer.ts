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
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  #replace(buf: Uint8Array): void {
    this.buf = buf;
    this.view = new DataView(buf.buffer);
  }
}
