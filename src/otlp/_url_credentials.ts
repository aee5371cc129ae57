// Internal: an endpoint URL's user name and password, as the `Authorization`
// header they stand for. The Fetch standard's Request constructor refuses a
// URL with credentials ("If parsedURL includes credentials, then throw a
// TypeError"), and so do Node's fetch and browsers'; Deno and Bun send them
// as Basic authentication instead. The exporter sends them so everywhere.

import { toBase64 } from "./_received_span.ts";

/** A URL without its credentials, and the Basic `Authorization` value they make. */
export interface SplitCredentials {
  /** The URL with no user name or password; as given when it had none. */
  readonly url: string;
  /** `Basic` and base64 of the UTF-8 of `user:password`, or `undefined`. */
  readonly authorization: string | undefined;
}

/**
 * Takes the user name and password out of `url` (an http or https URL) as
 * RFC 7617's Basic credentials: percent-decoded, joined by `:`, UTF-8,
 * base64.
 */
export function splitCredentials(url: string): SplitCredentials {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return { url, authorization: undefined };
  const pair = `${percentDecoded(parsed.username)}:${percentDecoded(parsed.password)}`;
  parsed.username = "";
  parsed.password = "";
  return {
    url: parsed.href,
    authorization: `Basic ${toBase64(new TextEncoder().encode(pair))}`,
  };
}

// A URL keeps its user name and password percent-encoded; a `%` that starts
// no escape is taken as it is.
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
