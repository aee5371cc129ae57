// Internal: `POST /v1/traces`, the OTLP/HTTP receiver. Protobuf or JSON by
// Content-Type, gzip or deflate by Content-Encoding, answered in the
// request's own format as the OTLP specification asks: 200 with an
// ExportTraceServiceResponse (a partial success names the rejected spans),
// 400 for a body that is not OTLP, 408 for one too slow to arrive, 413 past
// the size limit and 415 for a type or encoding it does not speak, each
// with a google.rpc.Status message.
// Nothing is stored from a request that fails; what is held stays.

import { decodeOtlpJson } from "../otlp/_decode_json.ts";
import { decodeOtlpProtobuf } from "../otlp/_decode_protobuf.ts";
import { type DecodedRequest, OtlpDecodeError } from "../otlp/_received_span.ts";
import { concatBytes } from "../platform/_concat_bytes.ts";
import { BODY_TIMEOUT_MS, type BodyProblem, MAX_BODY_BYTES, readBody } from "./_read_body.ts";
import { SAFE_HEADERS } from "./_response_headers.ts";

/** What the receiver hands on: the decoded spans of an accepted request. */
export type Accept = (decoded: DecodedRequest) => void;

/** Response headers that let a browser app on any origin send spans. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  "access-control-allow-origin": "*",
};

/** The answer to a CORS preflight for `/v1/traces`. */
export function preflight(request: Request): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...CORS_HEADERS,
      "access-control-allow-methods": "POST, OPTIONS",
      "access-control-allow-headers": request.headers.get("access-control-request-headers") ??
        "content-type, content-encoding",
      "access-control-max-age": "86400",
    },
  });
}

type Format = "protobuf" | "json";

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/**
 * Receives one OTLP/HTTP export request.
 *
 * @param request `POST /v1/traces`.
 * @param accept Takes the decoded spans of a request that is accepted.
 * @param bodyTimeoutMs The longest its body may take to arrive (then 408).
 * @returns The OTLP response.
 */
export async function receiveTraces(
  request: Request,
  accept: Accept,
  bodyTimeoutMs: number = BODY_TIMEOUT_MS,
): Promise<Response> {
  const contentType = request.headers.get("content-type");
  const format = formatOf(contentType);
  if (format === undefined) {
    return failure("json", contentType, {
      status: 415,
      message: `Cannot receive traces: Content-Type "${
        request.headers.get("content-type") ?? ""
      }" is not OTLP (send application/x-protobuf or application/json)`,
      unread: true,
    });
  }
  const body = await readBody(request, MAX_BODY_BYTES, bodyTimeoutMs);
  if (!(body instanceof Uint8Array)) return failure(format, contentType, body);
  let decoded: DecodedRequest;
  try {
    decoded = format === "json"
      ? decodeOtlpJson(textDecoder.decode(body))
      : decodeOtlpProtobuf(body);
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    return failure(format, contentType, { status: 400, message: error.message, unread: false });
  }
  accept(decoded);
  return success(format, decoded, contentType);
}

function formatOf(contentType: string | null): Format | undefined {
  const type = mediaType(contentType);
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  return undefined;
}

function mediaType(contentType: string | null): string | undefined {
  return contentType?.split(";")[0].trim().toLowerCase();
}

// "The server MUST use the same "Content-Type" in the response as it
// received in the request" (OTLP/HTTP Response): a protobuf request sent as
// application/protobuf is answered as application/protobuf.
function responseType(format: Format, contentType: string | null): string {
  if (format === "json") return "application/json";
  return mediaType(contentType) === "application/protobuf"
    ? "application/protobuf"
    : "application/x-protobuf";
}

function success(format: Format, decoded: DecodedRequest, contentType: string | null): Response {
  const headers = {
    ...CORS_HEADERS,
    ...SAFE_HEADERS,
    "content-type": responseType(format, contentType),
  };
  if (decoded.rejected === 0) {
    return new Response(format === "json" ? "{}" : new Uint8Array(0), { status: 200, headers });
  }
  const message = `${decoded.rejected} span(s) rejected: ${decoded.reason}`;
  if (format === "json") {
    return new Response(
      JSON.stringify({
        partialSuccess: { rejectedSpans: String(decoded.rejected), errorMessage: message },
      }),
      { status: 200, headers },
    );
  }
  // ExportTraceServiceResponse { partial_success = 1: { rejected_spans = 1, error_message = 2 } }
  const partial = concatBytes([
    field(1, varint(decoded.rejected), 0),
    field(2, bytesOf(textEncoder.encode(message))),
  ]);
  return new Response(field(1, bytesOf(partial)), {
    status: 200,
    headers,
  });
}

/** An OTLP failure: what {@linkcode BodyProblem} covers, a signal not taken here, or a fault. */
type Problem = BodyProblem | {
  readonly status: 404 | 500;
  readonly message: string;
  readonly unread: boolean;
};

// google.rpc.Code numbers for the statuses this receiver answers.
const RPC_CODES: Record<Problem["status"], number> = {
  400: 3, // INVALID_ARGUMENT
  404: 5, // NOT_FOUND
  408: 4, // DEADLINE_EXCEEDED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3,
  500: 13, // INTERNAL
};

/**
 * An OTLP/HTTP failure answer to `request`: `status` with a google.rpc.Status
 * holding `message`, in the request's format (JSON when its Content-Type is
 * neither), with the CORS header, as OTLP asks of every 4xx and 5xx answer.
 */
export function otlpFailure(request: Request, status: 404 | 500, message: string): Response {
  const contentType = request.headers.get("content-type");
  // A signal not taken here is refused before its body is read.
  const unread = request.body !== null && !request.bodyUsed;
  return failure(formatOf(contentType) ?? "json", contentType, { status, message, unread });
}

function failure(format: Format, contentType: string | null, problem: Problem): Response {
  const headers: Record<string, string> = {
    ...CORS_HEADERS,
    ...SAFE_HEADERS,
    "content-type": responseType(format, contentType),
  };
  // The rest of a body refused before its end (too slow, too large, in a
  // type or encoding not taken, not decodable) is not read, so the
  // connection cannot carry another request: Bun.serve closes it after an
  // answer that says so, where it otherwise kept it for a client that might
  // go on sending. (On node:http the server says so itself, for any body the
  // handler left unread.)
  if (problem.unread === true) headers.connection = "close";
  const code = RPC_CODES[problem.status];
  if (format === "json") {
    return new Response(JSON.stringify({ code, message: problem.message }), {
      status: problem.status,
      headers,
    });
  }
  // google.rpc.Status { code = 1, message = 2 }
  const body = concatBytes([
    field(1, varint(code), 0),
    field(2, bytesOf(textEncoder.encode(problem.message))),
  ]);
  return new Response(body, { status: problem.status, headers });
}

// ---- the few protobuf bytes the responses need ----

function varint(value: number): Uint8Array {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Uint8Array.from(out);
}

// A length-delimited value: its length, then its bytes.
function bytesOf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes([varint(bytes.length), bytes]);
}

// A field's tag, then its encoded value (`wire` 2 unless given).
function field(number: number, encoded: Uint8Array, wire = 2): Uint8Array<ArrayBuffer> {
  return concatBytes([varint(number * 8 + wire), encoded]);
}
