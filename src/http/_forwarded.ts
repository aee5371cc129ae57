// Internal: what reverse proxies say about the original request, and the
// peer the server saw. The HTTP semantic conventions take `server.address`
// and `server.port` from "Forwarded#host, X-Forwarded-Host, or a similar
// header" before `:authority` and `Host`, `url.scheme` from Forwarded#proto
// or X-Forwarded-Proto, and `client.address` from Forwarded#for or
// X-Forwarded-For, "otherwise, the immediate client peer address"; the peer
// itself is `network.peer.address` and `network.peer.port`. Anything
// malformed is passed over for the next source, never thrown.

import type { HeaderCarrier } from "../propagation/carrier.ts";
import { readHeader } from "../propagation/_header_access.ts";

// Characters read of each forwarding header: the values wanted come first,
// and a longer header costs no more than this.
const MAX_READ = 4096;

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
// uri-host [":" port], the host a bracketed IPv6 address or a reg-name / IPv4.
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/?#@\\]+)(?::(\d{1,5}))?$/;
const ADDRESS = /^[0-9A-Za-z.:%-]+$/;

/** The original request as the proxies describe it, each part only when given and well-formed. */
export interface Forwarding {
  /** The host the client asked for, without brackets. */
  readonly address?: string;
  /** Its port, when the host value or the forwarded scheme gives one. */
  readonly port?: number;
  /** The scheme the client used, lowercase. */
  readonly scheme?: string;
  /** The original client's address. */
  readonly client?: string;
  /**
   * The port the request's own `Host` (or `:authority`) names, when it
   * names one: a URL drops a port that is its scheme's default, which is
   * not the forwarded scheme's (`Host: backend:80` behind an https proxy).
   */
  readonly hostPort?: number;
  /** Whether a value came from a header longer than `maxLength` (its strings may be slices of it). */
  readonly fromLongSource: boolean;
}

/**
 * Reads `Forwarded` (RFC 7239: its first `host`, `proto` and `for`), then
 * `X-Forwarded-Host`, `X-Forwarded-Proto` and `X-Forwarded-For` (their
 * first values) for what `Forwarded` did not give.
 */
export function readForwarding(headers: HeaderCarrier, maxLength: number): Forwarding {
  let long = false;
  const read = (name: string): string | undefined => {
    const values = readHeader(headers, name);
    if (values.length === 0) return undefined;
    const value = values.join(",");
    if (value.length > maxLength) long = true;
    return value.length > MAX_READ ? value.slice(0, MAX_READ) : value;
  };
  let host: { address: string; port?: number } | undefined;
  let scheme: string | undefined;
  let client: string | undefined;
  const forwarded = read("forwarded");
  if (forwarded !== undefined) {
    for (const element of forwarded.split(",")) {
      for (const pair of element.split(";")) {
        const eq = pair.indexOf("=");
        if (eq < 0) continue;
        const name = pair.slice(0, eq).trim().toLowerCase();
        const value = unquote(pair.slice(eq + 1).trim());
        if (name === "host") host ??= parseHost(value);
        else if (name === "proto") scheme ??= parseScheme(value);
        else if (name === "for") client ??= parseAddress(value);
      }
    }
  }
  if (host === undefined) host = parseHost(firstOf(read("x-forwarded-host")));
  if (scheme === undefined) scheme = parseScheme(firstOf(read("x-forwarded-proto")));
  if (client === undefined) client = parseAddress(firstOf(read("x-forwarded-for")));
  let port = host?.port;
  if (host !== undefined && port === undefined && scheme !== undefined) {
    port = defaultPort(`${scheme}:`);
  }
  // The request's own host matters only under a forwarded scheme without a
  // forwarded host; `:authority` is read from a record only (a Headers
  // object refuses the name).
  let hostPort: number | undefined;
  if (host === undefined && scheme !== undefined) {
    const own = read("host") ?? (headers instanceof Headers ? undefined : read(":authority"));
    hostPort = parseHost(firstOf(own))?.port;
  }
  return { address: host?.address, port, scheme, client, hostPort, fromLongSource: long };
}

/** The default port of a URL protocol (`"https:"`), if it has one. */
export function defaultPort(protocol: string): number | undefined {
  return protocol === "https:" || protocol === "wss:"
    ? 443
    : protocol === "http:" || protocol === "ws:"
    ? 80
    : undefined;
}

/** The connection's peer: its address, and its port when that is known too. */
export interface Peer {
  /** The peer's IP address. */
  readonly address?: string;
  /** Its port, an integer 0..65535, only with an address. */
  readonly port?: number;
}

const NO_PEER: Peer = {};

/**
 * Whether `server`, a handler's second argument, is Bun's server: the one
 * with `requestIP` (Deno's `info` has `remoteAddr`).
 */
export function isBunServer(server: unknown): boolean {
  try {
    return typeof (server as { requestIP?: unknown } | null | undefined)?.requestIP === "function";
  } catch {
    return false;
  }
}

/**
 * The connection's peer as the server gives it: Deno.serve's
 * `info.remoteAddr` (TCP: `hostname`, `port`), Bun.serve's
 * `server.requestIP(request)` (`address`, `port`), or node:http's socket
 * (`remoteAddress`, `remotePort`). No address when there is none or it
 * cannot be read; no port without an address, nor when it cannot be read or
 * is not an integer 0..65535.
 */
export function peerOf(source: unknown, request?: Request): Peer {
  let address: unknown;
  // The object that holds the port, and the port's name on it.
  let holder: Record<string, unknown> | undefined;
  let portKey = "port";
  try {
    const s = source as
      | {
        remoteAddr?: { transport?: unknown; hostname?: unknown } | null;
        requestIP?: (request: Request) => { address?: unknown } | null;
        remoteAddress?: unknown;
      }
      | null
      | undefined;
    if (typeof s !== "object" || s === null) return NO_PEER;
    if (typeof s.remoteAddress === "string") {
      address = s.remoteAddress;
      holder = s as Record<string, unknown>;
      portKey = "remotePort";
    } else if (s.remoteAddr !== undefined && s.remoteAddr !== null) {
      if (s.remoteAddr.transport === "tcp") {
        address = s.remoteAddr.hostname;
        holder = s.remoteAddr as Record<string, unknown>;
      }
    } else if (request !== undefined && typeof s.requestIP === "function") {
      const ip = s.requestIP(request);
      if (typeof ip === "object" && ip !== null) {
        address = ip.address;
        holder = ip as Record<string, unknown>;
      }
    }
  } catch {
    // A server object that throws on access gives no peer.
    return NO_PEER;
  }
  if (typeof address !== "string" || !ADDRESS.test(address)) return NO_PEER;
  let port: unknown;
  try {
    port = holder?.[portKey];
  } catch {
    // A port that cannot be read is left out; the address stands.
  }
  return Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535
    ? { address, port: port as number }
    : { address };
}

function firstOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(",");
  return (comma < 0 ? value : value.slice(0, comma)).trim();
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value;
}

function parseHost(value: string | undefined): { address: string; port?: number } | undefined {
  if (value === undefined) return undefined;
  const match = HOST.exec(value);
  if (match === null) return undefined;
  let address: string;
  try {
    address = new URL(`http://${match[1]}`).hostname;
  } catch {
    return undefined;
  }
  if (address === "") return undefined;
  if (address.startsWith("[")) address = address.slice(1, -1);
  if (match[2] === undefined) return { address };
  const port = Number(match[2]);
  return port <= 65535 ? { address, port } : undefined;
}

function parseScheme(value: string | undefined): string | undefined {
  return value !== undefined && SCHEME.test(value) ? value.toLowerCase() : undefined;
}

// A Forwarded `for` node or an X-Forwarded-For entry: an IPv4 address or a
// bracketed IPv6 one, either with a port, or a bare IPv6 address. `unknown`
// and obfuscated identifiers (`_hidden`) say the address is not known.
function parseAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let address = value;
  if (address.startsWith("[")) {
    const end = address.indexOf("]");
    if (end < 0) return undefined;
    address = address.slice(1, end);
  } else if (address.indexOf(":") === address.lastIndexOf(":")) {
    const colon = address.indexOf(":");
    if (colon >= 0) address = address.slice(0, colon);
  }
  if (address === "" || address.toLowerCase() === "unknown" || !ADDRESS.test(address)) {
    return undefined;
  }
  return address;
}
