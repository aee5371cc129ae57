// Internal: reading what an OTLP/HTTP backend answers, with a bound on how
// much of it is read, and never a throw.

import { concatBytes } from "../platform/_concat_bytes.ts";
import { errorMessage } from "../platform/_warn.ts";
import { printable } from "../export/_terminal_text.ts";
import { messageField, numberField, readFields, stringField } from "./_protobuf_reader.ts";

/**
 * How much of a response body is read by default: 4 MiB, the limit the OTLP
 * specification recommends. A longer body fails the export, so a backend
 * cannot grow our memory.
 */
export const DEFAULT_MAX_RESPONSE_BYTES: number = 4 * 1024 * 1024;

/** What {@linkcode readCapped} read. */
export interface CappedBody {
  /** The body, at most `limit` bytes of it. */
  readonly bytes: Uint8Array;
  /** Whether the body went on past `limit` (and was cut there). */
  readonly over: boolean;
}

/** Reads at most `limit` bytes of a response body, then cancels the rest. */
export async function readCapped(response: Response, limit: number): Promise<CappedBody> {
  const body = response.body;
  if (body === null) return { bytes: new Uint8Array(0), over: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let over = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = limit - total;
      if (value.length > room) {
        // A byte past the limit: the body is over it, however it ends.
        chunks.push(value.subarray(0, room));
        total = limit;
        over = true;
        await reader.cancel().catch(() => {});
        break;
      }
      chunks.push(value);
      total += value.length;
    }
  } catch {
    // A body that breaks off is read as far as it went.
  }
  return { bytes: concatBytes(chunks), over };
}

/** What a successful response said about rejected spans. */
export interface PartialSuccess {
  /** Spans the backend rejected (int64 in the schema). */
  readonly rejected: number;
  /** Why, if it said. */
  readonly message: string | undefined;
}

const textDecoder = new TextDecoder();

function isJson(response: Response, sentJson: boolean): boolean {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) return true;
  if (type.includes("protobuf")) return false;
  return sentJson;
}

function parseJson(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(textDecoder.decode(bytes));
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the `partial_success` of an `ExportTraceServiceResponse`, in the
 * encoding the response declares (else the one that was sent), its message
 * with control characters escaped.
 */
export function readPartialSuccess(
  response: Response,
  bytes: Uint8Array,
  sentJson: boolean,
): PartialSuccess | undefined {
  if (bytes.length === 0) return undefined;
  if (isJson(response, sentJson)) {
    const partial = parseJson(bytes)?.partialSuccess as Record<string, unknown> | undefined;
    if (typeof partial !== "object" || partial === null) return undefined;
    const rejected = Number(partial.rejectedSpans ?? 0);
    const message = partial.errorMessage;
    return {
      rejected: Number.isFinite(rejected) ? rejected : 0,
      message: typeof message === "string" && message !== "" ? printable(message) : undefined,
    };
  }
  // ExportTraceServiceResponse { partial_success = 1 }
  // ExportTracePartialSuccess { rejected_spans = 1 (int64), error_message = 2 }
  const partial = messageField(readFields(bytes), 1);
  if (partial === undefined) return undefined;
  const message = stringField(partial, 2);
  return {
    rejected: numberField(partial, 1) ?? 0,
    message: message ? printable(message) : undefined,
  };
}

/**
 * The error a failed response carries, for the caller's message: the
 * `message` of a `google.rpc.Status` (protobuf or JSON), else the start of
 * a text body, with `redact` applied before any cut. A body declared
 * protobuf is never shown as text: one with no message is described. The
 * backend's text has its control characters escaped, as it goes to a
 * terminal.
 */
export function describeErrorBody(
  response: Response,
  bytes: Uint8Array,
  sentJson: boolean,
  redact: (text: string) => string,
): string | undefined {
  if (bytes.length === 0) return undefined;
  const type = response.headers.get("content-type") ?? "";
  try {
    if (isJson(response, sentJson) && !type.startsWith("text/")) {
      const body = parseJson(bytes);
      const message = body?.message ?? (body?.error as Record<string, unknown>)?.message;
      if (typeof message === "string" && message !== "") return printable(redact(message));
    } else if (!type.startsWith("text/")) {
      // google.rpc.Status { code = 1, message = 2, details = 3 }
      const fields = readFields(bytes);
      const message = stringField(fields, 2);
      if (message) return printable(redact(message));
      if (type.includes("protobuf")) {
        const code = numberField(fields, 1);
        return code === undefined
          ? `a body of ${bytes.length} bytes that is not a google.rpc.Status`
          : `a google.rpc.Status with code ${code} and no message`;
      }
    }
    // Redacted before it is cut: a cut through a secret would leave a
    // piece that no longer matches it.
    const text = redact(textDecoder.decode(bytes).trim());
    return text === "" ? undefined : printable(text.length > 500 ? `${text.slice(0, 500)}…` : text);
  } catch (error) {
    return `unreadable body (${errorMessage(error)})`;
  }
}
