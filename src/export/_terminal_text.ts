// Internal: untrusted text (span names from any process) drawn on a terminal.
// `printable` escapes what could act on the terminal instead of showing:
// C0 and C1 controls (ESC starts the sequences that clear, move the cursor or
// recolour; CR and LF forge lines), DEL, the line and paragraph separators,
// bidirectional controls (which reorder what follows on the line) and lone
// surrogates. `columns` and `fitColumns` measure in terminal columns, not in
// code points: CJK and emoji take two, combining marks and the parts of a
// joined emoji none, so names of any script keep the waterfall aligned.

const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]/gu;
const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;
// Marks, format characters (zero-width joiner and space, variation
// selectors are marks) and Hangul medial and final jamo take no column.
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff]$/u;
// East Asian Wide and Fullwidth, and emoji drawn as emoji by default.
const WIDE =
  /^(?:[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{16fe0}-\u{18aff}\u{1b000}-\u{1b2ff}\u{20000}-\u{3fffd}]|\p{Emoji_Presentation})$/u;
const REGIONAL = /^[\u{1f1e6}-\u{1f1ff}]$/u;
const SKIN_TONE = /^[\u{1f3fb}-\u{1f3ff}]$/u;

/**
 * `text` with every character that could act on a terminal written as an
 * escape (`\n`, `\r`, `\t`, `\xHH`, `\uHHHH`); anything else as it is.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

function escape(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

// Columns of one code point given the one before it: a code point joined to
// the previous by a zero-width joiner, a skin tone, and the second regional
// indicator of a flag add nothing to the glyph before them.
class ColumnCounter {
  #previous = "";
  #openFlag = false;

  next(char: string): number {
    const previous = this.#previous;
    this.#previous = char;
    if (REGIONAL.test(char)) {
      this.#openFlag = !this.#openFlag;
      return this.#openFlag ? 2 : 0;
    }
    this.#openFlag = false;
    if (previous === "\u200d" || ZERO_WIDTH.test(char) && char !== "\u00ad") return 0;
    if (SKIN_TONE.test(char) && previous.length > 1) return 0;
    return WIDE.test(char) ? 2 : 1;
  }
}

/** The columns `text` (already {@linkcode printable}) takes on a terminal. */
export function columns(text: string): number {
  if (ASCII_PRINTABLE.test(text)) return text.length;
  const counter = new ColumnCounter();
  let width = 0;
  for (const char of text) width += counter.next(char);
  return width;
}

/**
 * `text` padded with spaces to `width` columns, or cut to `width - 1`
 * columns and ended with "…". A cut never separates a letter from its
 * combining marks or a joined emoji from its parts.
 */
export function fitColumns(text: string, width: number): string {
  const total = columns(text);
  if (total <= width) return text + " ".repeat(width - total);
  const counter = new ColumnCounter();
  let used = 0;
  let end = 0;
  for (const char of text) {
    const w = counter.next(char);
    if (used + w > width - 1) break;
    used += w;
    end += char.length;
  }
  return text.slice(0, end) + "…" + " ".repeat(width - 1 - used);
}
