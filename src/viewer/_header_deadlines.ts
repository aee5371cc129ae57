// Internal: the viewer's bound on how long a node:http client takes to send
// a request's headers (Deno's node:http keeps no headersTimeout of its own).

import type { Socket } from "node:net";

// Each connection has headersTimeoutMs for a request's headers, from when
// it opens and again from each answer, while no request of it is being
// handled; past that it is closed. An idle keep-alive connection counts as
// one whose next headers are late.
export class HeaderDeadlines {
  readonly #timeoutMs: number;
  readonly #timers = new Map<Socket, ReturnType<typeof setTimeout>>();
  readonly #handling = new Map<Socket, number>();

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  connected(socket: Socket): void {
    this.#arm(socket);
    socket.once("close", () => {
      this.#disarm(socket);
      this.#handling.delete(socket);
    });
  }

  requestStarted(socket: Socket): void {
    this.#disarm(socket);
    this.#handling.set(socket, (this.#handling.get(socket) ?? 0) + 1);
  }

  requestEnded(socket: Socket): void {
    if (socket.destroyed) {
      this.#handling.delete(socket);
      return;
    }
    const left = (this.#handling.get(socket) ?? 1) - 1;
    this.#handling.set(socket, left);
    if (left === 0) this.#arm(socket);
  }

  #arm(socket: Socket): void {
    this.#disarm(socket);
    this.#timers.set(socket, setTimeout(() => socket.destroy(), this.#timeoutMs));
  }

  #disarm(socket: Socket): void {
    clearTimeout(this.#timers.get(socket));
    this.#timers.delete(socket);
  }
}
