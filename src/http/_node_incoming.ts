// Internal: the node:http request that @hono/node-server hands an app with
// each Request, as the extra argument `{ incoming, outgoing }` (Hono's
// `c.env`). Its socket and HTTP version describe the connection, and it is
// the `req` a traceRequestListener around the server saw.

/** The parts of node:http's request read here; each may be missing. */
export interface NodeIncoming {
  readonly socket?: unknown;
  readonly httpVersion?: unknown;
  readonly url?: unknown;
}

/**
 * The node:http request in a server's extra argument, when there is one;
 * `undefined` for anything else, and for an argument whose getter throws.
 *
 * @param env The server's extra argument (Hono's `c.env`).
 */
export function nodeIncomingOf(env: unknown): NodeIncoming | undefined {
  try {
    const incoming = (env as { incoming?: unknown } | null | undefined)?.incoming;
    return typeof incoming === "object" && incoming !== null ? incoming : undefined;
  } catch {
    return undefined;
  }
}
