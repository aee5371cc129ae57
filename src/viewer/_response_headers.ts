// Internal: the headers every answer of the viewer with a body carries, the
// page, the JSON API and the OTLP receiver alike: what it serves is live,
// so nothing is cached, and a body is only ever read as the type it names.

/** `cache-control: no-store` and `x-content-type-options: nosniff`. */
export const SAFE_HEADERS: Readonly<Record<string, string>> = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};
