// Internal: random ids from a pool. Bytes are drawn from Web Crypto 16 KiB at
// a time and turned into hex 4 KiB at a time (natively where Uint8Array has
// toHex: Deno and Bun), of which an id is a slice: V8 and JSC slice without
// copying. One getRandomValues call costs about 4 µs on Node 20 whatever its
// size up to 16 KiB (4 KiB: 4.1 µs, 16 KiB: 5.4 µs), ~17 ns per root span
// saved against 4 KiB draws. A slice keeps its 8 KiB parent string alive, and
// a context its 16 KiB of bytes, so the pool stays small: an id kept long
// after its neighbours costs at most that.
//
// The bytes of the ids last taken stay readable (`bytes`, at the offset
// `takeAt` or `rootAt` returns), so a caller can keep them and never parse
// the hex back; each draw fills a fresh array, so bytes a caller kept are
// never overwritten. So does their hex (`hex`), so a caller can keep that
// and an offset, and slice an id only when it is read (a Tracer's span: most
// ids are never read as hex). The hex is 8192 characters long, never an
// id's 32 or 16.

import { bytesToHex } from "./_hex.ts";

const POOL_BYTES = 4096;
const DRAW_BYTES = 4 * POOL_BYTES;

// Stops at the first byte that is not zero: almost always the first.
function allZero(bytes: Uint8Array, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (bytes[at + i] !== 0) return false;
  return true;
}

/**
 * A trace id: `idOrHex` itself when it is one (32 characters), else the one
 * in an {@linkcode IdPool}'s `hex` of the root whose span id starts at byte
 * `at` (its trace id's 16 bytes are the ones before).
 */
export function traceIdIn(idOrHex: string, at: number): string {
  return idOrHex.length === 32 ? idOrHex : idOrHex.slice(2 * at - 32, 2 * at);
}

/**
 * A span id: `idOrHex` itself when it is one (16 characters), else the one
 * in an {@linkcode IdPool}'s `hex` whose bytes start at byte `at`.
 */
export function spanIdIn(idOrHex: string, at: number): string {
  return idOrHex.length === 16 ? idOrHex : idOrHex.slice(2 * at, 2 * at + 16);
}

/** A pool of random bytes handed out as hex ids. */
export class IdPool {
  /** The bytes the ids last taken came from. */
  bytes: Uint8Array = new Uint8Array(0);
  /** {@linkcode IdPool.bytes} as lowercase hex: 8192 characters, two a byte. */
  hex = "";
  #next = POOL_BYTES;
  // The last draw, handed out POOL_BYTES at a time from #drawn.
  #draw: Uint8Array = new Uint8Array(0);
  #drawn = DRAW_BYTES;

  /**
   * Takes `n` (8 or 16) random bytes, never all zeros: that is the W3C
   * "invalid" id, and though the odds are 2^-64 or less the rule is
   * absolute, so it draws again.
   *
   * @returns Them as lowercase hex.
   */
  take(n: number): string {
    const at = this.takeAt(n);
    return this.hex.slice(2 * at, 2 * (at + n));
  }

  /**
   * As {@linkcode IdPool.take}, without making the hex.
   *
   * @returns Where the bytes start in {@linkcode IdPool.bytes}; their hex
   *   starts at twice that in {@linkcode IdPool.hex}.
   */
  takeAt(n: number): number {
    for (;;) {
      const at = this.#reserve(n);
      if (!allZero(this.bytes, at, n)) return at;
    }
  }

  /**
   * Takes a trace id and a span id from 24 adjacent bytes, neither all
   * zeros: the trace id's 16, then the span id's 8. Read them from
   * {@linkcode IdPool.hex} with {@linkcode traceIdIn} and
   * {@linkcode spanIdIn}.
   *
   * @returns Where the span id's bytes start; the trace id's are the 16
   *   before.
   */
  rootAt(): number {
    for (;;) {
      const at = this.#reserve(24);
      const bytes = this.bytes;
      if (!allZero(bytes, at, 16) && !allZero(bytes, at + 16, 8)) return at + 16;
    }
  }

  // Where the next `n` bytes start, refilling when they would not fit.
  #reserve(n: number): number {
    let at = this.#next;
    if (at + n > POOL_BYTES) {
      let from = this.#drawn;
      if (from === DRAW_BYTES) {
        const draw = new Uint8Array(DRAW_BYTES);
        crypto.getRandomValues(draw);
        this.#draw = draw;
        from = 0;
      }
      this.#drawn = from + POOL_BYTES;
      const bytes = this.#draw.subarray(from, from + POOL_BYTES);
      this.bytes = bytes;
      this.hex = bytesToHex(bytes);
      at = 0;
    }
    this.#next = at + n;
    return at;
  }
}
