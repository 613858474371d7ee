/**
 * Reading and decoding request bodies the way the imitated servers accept them: JSON,
 * form-urlencoded and multipart. Multipart and form parsing use the global `Response.formData()`
 * of Node 20 (undici's parser), so no package is needed and files arrive as `File` objects.
 */
import type { IncomingMessage } from 'node:http';

/** Uploads above this are refused with 413; large enough for any test, small enough for RAM. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Thrown for a body above the limit; the server plumbing answers with `status`. */
export class RequestBodyTooLarge extends Error {
  readonly status = 413;
  constructor() {
    super(`request body larger than ${MAX_BODY_BYTES} bytes`);
  }
}

export type FormMediaType = 'application/x-www-form-urlencoded' | 'multipart/form-data';

/** A decoded request body. */
export type RequestBody =
  | { type: 'empty' }
  | { type: 'json'; value: unknown }
  | { type: 'form'; mediaType: FormMediaType; fields: FormData }
  /** The declared type was understood but the bytes do not parse. */
  | { type: 'invalid'; reason: string }
  | { type: 'unsupported'; mediaType: string };

/**
 * Reads and decodes the body of `req` according to its Content-Type.
 *
 * @example
 * const body = await readRequestBody(req);
 * if (body.type === 'form') body.fields.get('client_id');
 */
export async function readRequestBody(req: IncomingMessage): Promise<RequestBody> {
  const bytes = await readBytes(req);
  if (bytes.length === 0) return { type: 'empty' };
  const contentType = req.headers['content-type'] ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    try {
      return { type: 'json', value: JSON.parse(bytes.toString('utf8')) as unknown };
    } catch {
      return { type: 'invalid', reason: 'malformed JSON body' };
    }
  }
  if (mediaType === 'application/x-www-form-urlencoded' || mediaType === 'multipart/form-data') {
    try {
      const fields = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
      return { type: 'form', mediaType, fields };
    } catch {
      return { type: 'invalid', reason: `malformed ${mediaType} body` };
    }
  }
  return { type: 'unsupported', mediaType };
}

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RequestBodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
