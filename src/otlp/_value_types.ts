// Internal: the OTLP type of a received attribute value where its JavaScript
// value does not say it. The decoders hold an int64 past 2^53 as its decimal
// string, bytes as their base64 and a double with no fraction as an integral
// number, which is what the viewer's API shows; written back to OTLP/JSON
// from the value alone (the viewer's file), they would come back as a
// string, a string and an int. So the decoders note those types here, by the
// attributes object or list that holds the value and its key or index, and
// _encode_received_json.ts writes each as it came. The values stay what they
// were for everything else that reads them, and a note lives as long as its
// holder (a WeakMap).

/** The AnyValue member a value was sent as, where its JavaScript type does not say. */
export type ValueType = "intValue" | "doubleValue" | "bytesValue";

const TYPES = new WeakMap<object, Map<string | number, ValueType>>();

// What a note takes on the heap, for the viewer's size estimates: the first
// for a holder makes its Map and a WeakMap entry (226 bytes measured on
// Deno), a later one an entry of that Map.
const FIRST_NOTE_BYTES = 240;
const NOTE_BYTES = 32;

/**
 * Notes the type of the value at `key` of `holder`.
 *
 * @param holder The attributes object or list that holds the value.
 * @param key Its key, or its index in a list.
 * @param type What it was sent as.
 * @returns The bytes the note takes, estimated.
 */
export function setValueType(holder: object, key: string | number, type: ValueType): number {
  const types = TYPES.get(holder);
  if (types === undefined) {
    TYPES.set(holder, new Map([[key, type]]));
    return FIRST_NOTE_BYTES;
  }
  types.set(key, type);
  return NOTE_BYTES;
}

/** Forgets the type noted for `key` of `holder`, when its value is replaced. */
export function clearValueType(holder: object, key: string | number): void {
  TYPES.get(holder)?.delete(key);
}

/** The type noted for the value at `key` of `holder`, if any. */
export function valueTypeOf(holder: object, key: string | number): ValueType | undefined {
  return TYPES.get(holder)?.get(key);
}

/**
 * The type to note for a decoded double: one that an integral number would
 * be read back as an int (-0 included), else none.
 */
export function doubleType(value: number): ValueType | undefined {
  return Number.isSafeInteger(value) ? "doubleValue" : undefined;
}
