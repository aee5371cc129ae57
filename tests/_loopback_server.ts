// Servers on 127.0.0.1 and a free port for the tests: the runtime's own
// web-standard server (Deno.serve, Bun.serve) or node:http, which all three
// runtimes have. Not a test file itself.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A running server. */
export interface Served {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops it, dropping open connections. */
  close(): Promise<void>;
}

type Handler = (request: Request) => Response | Promise<Response>;

interface NativeServers {
  Deno?: {
    serve(
      options: { hostname: string; port: number; onListen(): void },
      handler: Handler,
    ): { addr: { port: number }; shutdown(): Promise<void> };
  };
  Bun?: {
    serve(options: { hostname: string; port: number; fetch: Handler }): {
      port: number;
      stop(closeActiveConnections?: boolean): Promise<void> | void;
    };
  };
}

/** Serves `handler` with Deno.serve or Bun.serve; Node has no such server. */
export function serveNative(handler: Handler): Served {
  const { Deno, Bun } = globalThis as NativeServers;
  if (Deno !== undefined) {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
    return served(server.addr.port, () => server.shutdown());
  }
  if (Bun !== undefined) {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
    return served(server.port, async () => await server.stop(true));
  }
  throw new Error("Cannot serve natively: neither Deno.serve nor Bun.serve is here");
}

/** Serves `listener` with node:http. */
export async function serveNode(
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
): Promise<Served> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return served((server.address() as AddressInfo).port, () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }));
}

function served(port: number, close: () => Promise<void>): Served {
  return { url: `http://127.0.0.1:${port}/`, port, close };
}
