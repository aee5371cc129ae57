// Internal: the process environment read many variables at a time, as
// readOtlpEnv reads it: the variables Deno's env permission does not cover
// read as unset, and are said in one warning, once per process.

import { readEnv as readProcessEnv } from "../platform/_env.ts";
import { warnOnce } from "../platform/_warn.ts";

type Getter = (name: string) => string | undefined;

const NO_ENV_PERMISSION =
  "cannot read OTEL_* environment variables (run Deno with --allow-env); using the defaults";

// What Deno's env permission kept from a read of every variable, said once:
// all of them, or by name the ones it does not cover (an
// --allow-env=<names> list, or a --deny-env), which count as unset.
function warnNoEnvPermission(denied: ReadonlySet<string>, tried: ReadonlySet<string>): void {
  if (denied.size === 0) return;
  const one = denied.size === 1;
  const all = denied.size === tried.size;
  warnOnce(
    all ? "env-permission" : `env-permission:${[...denied].join(",")}`,
    all
      ? NO_ENV_PERMISSION
      : `cannot read ${[...denied].join(", ")} (Deno's env permission does not cover ${
        one ? "it" : "them"
      }), so ${one ? "it counts" : "they count"} as unset`,
  );
}

/**
 * Reads these variables from the process environment, as they are (not
 * trimmed), and which of them Deno's env permission does not cover (read
 * as unset); those are warned about in one warning, the one
 * `readOtlpEnv` gives.
 */
export function readProcessVariables(names: readonly string[]): {
  values: Record<string, string | undefined>;
  denied: ReadonlySet<string>;
} {
  const reader = processEnvReader();
  const values: Record<string, string | undefined> = {};
  for (const name of names) values[name] = reader.get(name);
  reader.done();
  return { values, denied: reader.denied };
}

/**
 * The process environment for a read of many variables: the ones Deno's
 * env permission does not cover read as unset and are warned about
 * together, by `done`.
 */
export function processEnvReader(): { get: Getter; done(): void; denied: ReadonlySet<string> } {
  const tried = new Set<string>();
  const denied = new Set<string>();
  return {
    get: (name) => {
      tried.add(name);
      return readProcessEnv(name, () => denied.add(name));
    },
    done: () => warnNoEnvPermission(denied, tried),
    denied,
  };
}
