// Internal: the resource used when an encoder or exporter is given none,
// detected once per process.

import { Resource } from "./resource.ts";

let detected: Resource | undefined;

/** The process's detected resource, built on first use. */
export function defaultOtlpResource(): Resource {
  return detected ??= Resource.detect();
}
