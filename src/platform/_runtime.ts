// Internal: which JavaScript runtime this is, found at run time (no `node:`
// import), for the resource, for `unknown_service:<runtime>`, and for where
// traced fetch writes its headers by default (CORS applies in a browser).

interface RuntimeGlobals {
  Deno?: { version?: { deno?: string } };
  process?: { versions?: { node?: string; bun?: string } };
}

/** A runtime's semantic-convention name and language, executable name and version. */
export interface RuntimeInfo {
  /** `process.runtime.name`: "deno", "bun", "nodejs" or "browser". */
  readonly name: string;
  /**
   * `telemetry.sdk.language`: "nodejs" where there is a process (Node, and
   * Deno and Bun, which load the OpenTelemetry JS SDK's Node build), else
   * "webjs" (a browser, a web worker), as that SDK reports them.
   */
  readonly language: "nodejs" | "webjs";
  /** The executable's name, for `unknown_service:<executable>`. */
  readonly executable: string;
  /** `process.runtime.version`, when known. */
  readonly version: string | undefined;
}

/** Finds out which runtime runs this code. */
export function detectRuntime(): RuntimeInfo {
  const g = globalThis as RuntimeGlobals;
  const deno = g.Deno?.version?.deno;
  if (typeof deno === "string") {
    return { name: "deno", language: "nodejs", executable: "deno", version: deno };
  }
  const versions = g.process?.versions;
  if (typeof versions?.bun === "string") {
    return { name: "bun", language: "nodejs", executable: "bun", version: versions.bun };
  }
  if (typeof versions?.node === "string") {
    return { name: "nodejs", language: "nodejs", executable: "node", version: versions.node };
  }
  return { name: "browser", language: "webjs", executable: "browser", version: undefined };
}
