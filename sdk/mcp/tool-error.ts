/**
 * A failed call as an MCP tool result (`isError: true`), so the model sees what went wrong and
 * may act on it, instead of a protocol error. It says a ConnectorError's `code` and its message,
 * which the connection has already redacted; never a stack, a cause or a field. When the user
 * must act (ReauthorizationRequired) it names the connection and, for the authorization code
 * grant, the URL to authorize at. Anything else is CONNECTOR_INTERNAL without its detail: a
 * foreign error's message may hold what was sent.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ConnectorError, ERROR_CODES, ReauthorizationRequired, type ErrorCode } from '../errors.js';
import type { Connection } from '../runtime/connection.js';
import { authorizationUrlOf } from './authorization-prompt.js';
import type { McpConnector } from './server.js';

/** Where the error's code (and the authorization URL) is in the result's `_meta`, for hosts that read it. */
export const ERROR_META_KEY = 'connector-sdk/error';

/** The tool result of a failed call; `connection` is undefined when connectionFor itself failed. *
 * @example
 * catch (error) { return toolError(error, binding.connector, connection); }
 */
export async function toolError(error: unknown, connector: McpConnector, connection: Connection | undefined): Promise<CallToolResult> {
  if (!ConnectorError.isConnectorError(error) || error.code === ERROR_CODES.internal) {
    return errorResult(ERROR_CODES.internal, `the call failed inside the connector server (connector "${connector.id}")`);
  }
  if (!(error instanceof ReauthorizationRequired) || !connection) return errorResult(error.code, error.message);
  const url = connector.manifest.auth.type === 'oauth2_authorization_code' ? await authorizationUrlOf(connection) : undefined;
  const who = `The user must authorize connection "${connection.connectionId}" of ${connector.manifest.name} (connector "${connector.id}") again`;
  const how = url === undefined ? '.' : `: open ${url}`;
  const meta = { connectionId: connection.connectionId, ...(url === undefined ? {} : { authorizationUrl: url }) };
  return errorResult(error.code, `${error.message}\n${who}${how}`, meta);
}

function errorResult(code: ErrorCode, message: string, extra: Record<string, string> = {}): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `${code}: ${message}` }], _meta: { [ERROR_META_KEY]: { code, ...extra } } };
}
