/**
 * FormData request bodies. undici's dispatcher only encodes FormData objects of its own copy,
 * and the global FormData belongs to the undici bundled in Node, so the platform's own fetch
 * encodes it: multipart, streamed (a file is never buffered whole), with its boundary.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { withoutHeaders } from './headers.js';

/** The body as a stream, and the headers with the content type that names its boundary. */
export function encodeFormData(
  form: FormData,
  headers: Record<string, string>,
): { body: Readable; headers: Record<string, string> } {
  const encoded = new Response(form);
  return {
    // A Response built from FormData always has a body and a multipart content type.
    body: Readable.fromWeb(encoded.body as NodeReadableStream<Uint8Array>),
    headers: { ...withoutHeaders(headers, ['content-type']), 'content-type': encoded.headers.get('content-type')! },
  };
}
