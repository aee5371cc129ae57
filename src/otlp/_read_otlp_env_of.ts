// Internal: some of the OTEL_* variables, read and checked as readOtlpEnv
// reads them all, for a reader that uses only those: a malformed variable
// it never uses (an exporter's endpoint, for ./otel's TracerProvider or a
// detected Resource) is not its to warn about. Deno's env permission is
// asked, and its absence said, for those of them readOtlpEnv reads only.

import { isRecord } from "../platform/_arguments.ts";
import { type EnvSource, type OtlpEnvConfig, readOtlpEnv } from "./env.ts";
import { processEnvReader } from "./_process_env.ts";

/**
 * What `names` ask for, from `env` when given, else from the process
 * environment; every other variable reads as unset. An `env` that is no
 * record is refused as readOtlpEnv refuses it.
 */
export function readOtlpEnvOf(names: readonly string[], env?: EnvSource): OtlpEnvConfig {
  if (env !== undefined && !isRecord(env)) return readOtlpEnv(env);
  const some: Record<string, string | undefined> = {};
  if (env !== undefined) {
    for (const name of names) if (Object.hasOwn(env, name)) some[name] = env[name];
    return readOtlpEnv(some);
  }
  // Each read from the process when readOtlpEnv asks for it, as it reads
  // the process itself: OTEL_TRACES_SAMPLER_ARG, say, only for a ratio
  // sampler.
  const reader = processEnvReader();
  for (const name of names) {
    Object.defineProperty(some, name, { get: () => reader.get(name), enumerable: true });
  }
  const config = readOtlpEnv(some);
  reader.done(otlpVariables());
  return config;
}

let allVariables: readonly string[] | undefined;

/**
 * Every variable readOtlpEnv reads when none is set, learnt once by asking
 * it (so this list cannot fall behind it): what a reader of only some of
 * them asks Deno about before it says the env permission is missing.
 */
export function otlpVariables(): readonly string[] {
  if (allVariables !== undefined) return allVariables;
  const seen: string[] = [];
  readOtlpEnv(
    new Proxy({}, {
      getOwnPropertyDescriptor(_target, name) {
        if (typeof name === "string") seen.push(name);
        return undefined;
      },
    }),
  );
  return allVariables = seen;
}
