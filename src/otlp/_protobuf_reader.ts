// Internal: just enough protobuf decoding to read what an OTLP backend
// answers: `ExportTraceServiceResponse` (partial success) and
// `google.rpc.Status` (the error body). Malformed input yields `undefined`
// fields, never a throw.

// A leading U+FEFF is kept, as _utf8_strings.ts keeps it.
const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** One decoded field: a varint as a number, or a length-delimited body. */
type Field = number | Uint8Array;

/** Decodes the top-level fields of a message; the last value of a field wins. */
export function readFields(bytes: Uint8Array): Map<number, Field> {
  const fields = new Map<number, Field>();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new RangeError("truncated varint");
      const b = bytes[pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new RangeError("varint too long");
  };
  try {
    while (pos < bytes.length) {
      const key = varint();
      const field = Math.floor(key / 8);
      switch (key & 7) {
        case 0:
          fields.set(field, varint());
          break;
        case 1:
          pos += 8;
          break;
        case 2: {
          const length = varint();
          if (pos + length > bytes.length) return fields;
          fields.set(field, bytes.subarray(pos, pos + length));
          pos += length;
          break;
        }
        case 5:
          pos += 4;
          break;
        default:
          return fields;
      }
    }
  } catch {
    // Truncated or malformed: keep what was read.
  }
  return fields;
}

/** A field as a number, if it is a varint. */
export function numberField(fields: Map<number, Field>, field: number): number | undefined {
  const value = fields.get(field);
  return typeof value === "number" ? value : undefined;
}

/** A field as a UTF-8 string, if it is length-delimited. */
export function stringField(fields: Map<number, Field>, field: number): string | undefined {
  const value = fields.get(field);
  return value instanceof Uint8Array ? textDecoder.decode(value) : undefined;
}

/** A field as an embedded message's fields, if it is length-delimited. */
export function messageField(
  fields: Map<number, Field>,
  field: number,
): Map<number, Field> | undefined {
  const value = fields.get(field);
  return value instanceof Uint8Array ? readFields(value) : undefined;
}
