// Internal: what an exception event records, read from anything thrown.

/** What an exception event records, each field when it could be read. */
export interface ExceptionFields {
  type?: string;
  message?: string;
  stacktrace?: string;
}

/**
 * Reads what an exception event records from whatever was thrown, without
 * ever throwing: a getter or Proxy trap that throws leaves its field out.
 * With `preferCode`, an error's `code` is its type when it has one, as the
 * OpenTelemetry SDK records exceptions given through its API.
 */
export function describeException(error: unknown, preferCode = false): ExceptionFields {
  if (typeof error === "string") return { message: error };
  if (typeof error !== "object" && typeof error !== "function" || error === null) {
    return { type: error === null ? "null" : typeof error, message: safeString(error) };
  }
  const e = error as Record<string, unknown>;
  const code = preferCode ? safeGet(e, "code") : undefined;
  const name = safeGet(e, "name");
  const ctor = safeGet(e, "constructor") as { name?: unknown } | undefined;
  const ctorName = typeof ctor === "function" ? safeGet(ctor, "name") : undefined;
  const type = code !== undefined && code !== null
    ? safeString(code)
    : typeof name === "string" && name !== "" && !nameFromBaseClass(e, name, ctorName)
    ? name
    : typeof ctorName === "string" && ctorName !== ""
    ? ctorName
    : "Object";
  const message = safeGet(e, "message");
  const stack = safeGet(e, "stack");
  return {
    type,
    message: typeof message === "string" ? message : undefined,
    stacktrace: typeof stack === "string" ? stack : undefined,
  };
}

// `class DbError extends Error {}` inherits `name` ("Error") from the class
// it extends: the type is its own class's name, as the semantic conventions
// ask ("the exception type's fully-qualified class name") and as the seed's
// Python records `type(e).__name__`. A name set on the error itself or on
// its own class's prototype (`this.name = ...`, a `name` field or getter, a
// DOMException's) is the type the error gives itself, and is kept.
function nameFromBaseClass(error: object, name: string, ctorName: unknown): boolean {
  if (typeof ctorName !== "string" || ctorName === "" || ctorName === name) return false;
  try {
    return !Object.hasOwn(error, "name") && !Object.hasOwn(Object.getPrototypeOf(error), "name");
  } catch {
    // A Proxy trap threw: the name it gave is kept.
    return false;
  }
}

function safeGet(target: object, key: string): unknown {
  try {
    return (target as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}
