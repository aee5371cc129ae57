// Internal: whether an error is the runtime refusing an operation its
// permissions do not cover: Deno's NotCapable (PermissionDenied before
// Deno 2), itself or as a wrapper's cause. Asking again is refused again.

/** Whether `error`, or one of its first causes, is a permission refusal. */
export function isPermissionError(error: unknown): boolean {
  try {
    for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
      if (e.name === "NotCapable" || e.name === "PermissionDenied") return true;
    }
  } catch {
    // A getter that throws: no permission error to see.
  }
  return false;
}

interface DenoPermissionsLike {
  permissions?: {
    querySync?(descriptor: { name: "net"; host: string }): { state: string };
  };
}

/**
 * On Deno, the `host:port` of `url` when net access to it is not granted
 * already, so that a request would be refused or, at a terminal, would
 * stop the process to ask (a query never asks); `undefined` when it is
 * granted, elsewhere, or when it cannot be asked.
 */
export function netNotGranted(url: string): string | undefined {
  try {
    const permissions = (globalThis as { Deno?: DenoPermissionsLike }).Deno?.permissions;
    if (typeof permissions?.querySync !== "function") return undefined;
    const parsed = new URL(url);
    const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
    const host = `${parsed.hostname}:${port}`;
    const state = permissions.querySync({ name: "net", host }).state;
    return state === "granted" ? undefined : host;
  } catch {
    return undefined;
  }
}
