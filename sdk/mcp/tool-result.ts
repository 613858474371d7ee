/**
 * An action's result as an MCP tool result. JSON becomes `structuredContent`, which MCP requires
 * to be an object: an object as it is, an array as `{ items }`, anything else as `{ value }` (the
 * shape tools.ts declares as the output schema), plus the same JSON as text for clients that read
 * only text. A download (a stream) becomes an embedded blob resource, read up to a cap: beyond it
 * the call fails with CONNECTOR_RESPONSE_TOO_LARGE rather than hold an unbounded file in memory.
 */
import type { Readable } from 'node:stream';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_CODES, ResponseError } from '../errors.js';
import type { ActionResult } from '../runtime/action-response.js';
import type { ToolBinding } from './tools.js';

/** The default cap of a binary result returned as an embedded resource: 1 MiB. */
export const DEFAULT_MAX_BINARY_BYTES = 1024 * 1024;

/** The tool result of a successful call. *
 * @example
 * return toolResult(binding, await connection.execute(binding.actionId, input), DEFAULT_MAX_BINARY_BYTES);
 */
export async function toolResult(binding: ToolBinding, result: ActionResult, maxBinaryBytes: number): Promise<CallToolResult> {
  const data = result.data;
  if (isStream(data)) return blobResult(binding, data, result.headers, maxBinaryBytes);
  const structuredContent = structured(data);
  const text = typeof data === 'string' ? data : JSON.stringify(data ?? null);
  return { content: [{ type: 'text', text }], structuredContent };
}

/** The object `structuredContent` holds for `data` (see the file comment). *
 * @example
 * structured([1, 2]); // { items: [1, 2] }
 */
export function structured(data: unknown): Record<string, unknown> {
  if (Array.isArray(data)) return { items: data };
  if (typeof data === 'object' && data !== null) return data as Record<string, unknown>;
  return { value: data ?? null };
}

async function blobResult(binding: ToolBinding, stream: Readable, headers: ActionResult['headers'], cap: number): Promise<CallToolResult> {
  const bytes = await readCapped(stream, cap, Number(header(headers, 'content-length') ?? Number.NaN));
  if (!bytes) {
    throw new ResponseError(
      `action "${binding.actionId}" returned more than ${cap} bytes, the MCP server's cap for binary results (maxBinaryBytes): ` +
        'download it with connection.execute() instead',
      ERROR_CODES.responseTooLarge,
    );
  }
  const mimeType = header(headers, 'content-type') ?? 'application/octet-stream';
  return {
    content: [{ type: 'resource', resource: { uri: `connector://${binding.connector.id}/${binding.actionId}`, mimeType, blob: bytes.toString('base64') } }],
  };
}

/** The whole stream, or undefined (the stream destroyed) as soon as it is known to exceed `cap`. */
async function readCapped(stream: Readable, cap: number, declaredLength: number): Promise<Buffer | undefined> {
  if (declaredLength > cap) {
    stream.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the stream, which releases its socket.
  for await (const chunk of stream) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += bytes.length;
    if (size > cap) return undefined;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size);
}

function header(headers: ActionResult['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isStream(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function' && !Buffer.isBuffer(value);
}
