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
 * @returns Its value, if readable.
 */
export function readEnv(name: string): string | undefined {
  try {
    const g = globalThis as {
      Deno?: DenoEnvLike;
      process?: { env?: Record<string, string | undefined> };
    };
    const deno = g.Deno;
    if (deno?.env !== undefined) {
      const state = deno.permissions?.querySync?.({ name: "env", variable: name }).state;
      return state === "granted" ? deno.env.get(name) : undefined;
    }
    return g.process?.env?.[name];
  } catch {
    return undefined;
  }
}
