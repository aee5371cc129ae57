// Internal: gzip with the web-standard CompressionStream (Deno, Bun, Node 18+,
// browsers), so compression needs no `node:zlib`.

/** Gzips `bytes`. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
