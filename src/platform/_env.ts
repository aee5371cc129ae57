// Internal: reads an environment variable where the runtime lets code read
// it without asking: Deno only when the permission is already granted (a
// query never prompts), Bun and Node always, browsers never.

interface DenoEnvLike {
  env?: { get(name: string): string | undefined };
  permissions?: {
    querySync?(descriptor: { name: "env"; variable: string }): { state: string };
  };
}

/**
 * Returns the variable's value, or `undefined` when it is unset or cannot be
 * read without a permission prompt.
 *
 * @param name The variable's name.
 * @param onDenied Called when the variable is there to read but the runtime
 *   does not let this code read it (Deno without `--allow-env` for it).
 * @returns Its value, if readable.
 */
export function readEnv(name: string, onDenied?: () => void): string | undefined {
  try {
    const g = globalThis as {
      Deno?: DenoEnvLike;
      process?: { env?: Record<string, string | undefined> };
    };
    const deno = g.Deno;
    if (deno?.env !== undefined) {
      const state = deno.permissions?.querySync?.({ name: "env", variable: name }).state;
      if (state === "granted") return deno.env.get(name);
      onDenied?.();
      return undefined;
    }
    return g.process?.env?.[name];
  } catch {
    onDenied?.();
    return undefined;
  }
}
