// Internal: the process environment read many variables at a time, as
// readOtlpEnv reads it: the variables Deno's env permission does not cover
// read as unset, and are said in one warning, each once per process.

import { readEnv as readProcessEnv } from "../platform/_env.ts";
import { warnOnce } from "../platform/_warn.ts";

type Getter = (name: string) => string | undefined;

const NO_ENV_PERMISSION =
  "cannot read OTEL_* environment variables (run Deno with --allow-env); using the defaults";

// What was said in this process about Deno's env permission: whether any
// variable could be read (then there is some permission), whether the
// message for none at all was given (it covers every variable), and the
// variables named as unreadable. Readers read different variables (./otel's
// TracerProvider only the sampler's and the limits', a Resource only its
// two): each variable is named once, whichever reader meets it first, so
// the missing permission is still said once for the program.
let someReadable = false;
let noneSaid = false;
const named = new Set<string>();

// What Deno's env permission kept from a read of these variables: all of
// them, with no variable ever readable, in the message for no permission
// at all; else by name the ones not named before (an --allow-env=<names>
// list, or a --deny-env), which count as unset.
function warnNoEnvPermission(
  denied: ReadonlySet<string>,
  tried: ReadonlySet<string>,
  others: readonly string[],
): void {
  if (denied.size < tried.size) someReadable = true;
  if (denied.size === 0 || noneSaid) return;
  // A reader of a few variables may find none of them covered where the
  // program may read others (--allow-env=OTEL_EXPORTER_OTLP_ENDPOINT, and a
  // Resource detected first): that is no missing permission. Asked only on
  // this path, which is rare.
  if (!someReadable && others.some(isReadable)) someReadable = true;
  if (!someReadable) {
    noneSaid = true;
    warnOnce("env-permission", NO_ENV_PERMISSION);
    return;
  }
  const fresh = [...denied].filter((name) => !named.has(name));
  if (fresh.length === 0) return;
  for (const name of fresh) named.add(name);
  const one = fresh.length === 1;
  warnOnce(
    `env-permission:${fresh.join(",")}`,
    `cannot read ${fresh.join(", ")} (Deno's env permission does not cover ${
      one ? "it" : "them"
    }), so ${one ? "it counts" : "they count"} as unset`,
  );
}

/**
 * Reads these variables from the process environment, as they are (not
 * trimmed), and which of them Deno's env permission does not cover (read
 * as unset); those are warned about in one warning, the one
 * `readOtlpEnv` gives. `others`, the other variables the library reads, are
 * only asked about when none of `names` is covered, so that a permission for
 * some variables is not called missing.
 */
export function readProcessVariables(
  names: readonly string[],
  others: readonly string[] = [],
): {
  values: Record<string, string | undefined>;
  denied: ReadonlySet<string>;
} {
  const reader = processEnvReader();
  const values: Record<string, string | undefined> = {};
  for (const name of names) values[name] = reader.get(name);
  reader.done(others);
  return { values, denied: reader.denied };
}

/**
 * The process environment for a read of many variables: the ones Deno's
 * env permission does not cover read as unset and are warned about
 * together, by `done`, which is given the other variables the library
 * reads (see readProcessVariables) when these are not all of them.
 */
export function processEnvReader(): {
  get: Getter;
  done(others?: readonly string[]): void;
  denied: ReadonlySet<string>;
} {
  const tried = new Set<string>();
  const denied = new Set<string>();
  return {
    get: (name) => {
      tried.add(name);
      return readProcessEnv(name, () => denied.add(name));
    },
    done: (others = []) => warnNoEnvPermission(denied, tried, others),
    denied,
  };
}

// Whether the runtime lets this program read the variable (set or not).
function isReadable(name: string): boolean {
  let denied = false;
  readProcessEnv(name, () => denied = true);
  return !denied;
}
