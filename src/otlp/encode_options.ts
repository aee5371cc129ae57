/**
 * What the OTLP encoders take besides the spans.
 *
 * @module
 */

import type { Resource } from "./resource.ts";

/** What an OTLP encoder needs besides the spans. */
export interface OtlpEncodeOptions {
  /** The resource sent with the spans. Default: {@linkcode Resource.detect}`()`. */
  resource?: Resource;
}
