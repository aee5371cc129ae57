/**
 * Where propagation headers are read from and written to: a `Headers`
 * object, or a plain record such as Node's `IncomingMessage.headers`.
 *
 * @module
 */

/**
 * A set of HTTP headers: a web `Headers` object or a plain record whose
 * values are strings or arrays of strings (repeated headers). Header names
 * are matched without regard to case. Another implementation of `Headers`
 * (a fetch polyfill's, the undici package's, another realm's) is read and
 * written through its `get`, `set` and `delete`, as the global one is (so
 * is a `Map` of lowercase header names).
 */
export type HeaderCarrier =
  | Headers
  | Record<string, string | readonly string[] | number | undefined>;
