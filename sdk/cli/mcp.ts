/**
 * `connector mcp <manifest>…`: serves every action of the manifests as MCP tools
 * (`<connector id>.<action id>`), over stdio (what a desktop agent spawns) or, with --http,
 * Streamable HTTP on a loopback port behind the bearer token in CONNECTOR_MCP_TOKEN. Each
 * manifest gets one connection from --credentials; tokens are obtained, cached and renewed by
 * the runtime. Over stdio, stdout carries the protocol alone: the command's own lines go to stderr.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { loadConnector, type Connector } from '../runtime/connector.js';
import type { Connection } from '../runtime/connection.js';
import { createMcpServer, type McpServerOptions } from '../mcp/server.js';
import { serveMcpOverHttp } from '../mcp/http-server.js';
import { serveMcpOverStdio } from '../mcp/stdio-server.js';
import { failure, formatOption, parseCommandLine, readFormat, usageError, UsageError } from './command-line.js';
import { connectionOptions, connectionOptionsHelp, connectLoaded, readCredentials, tokenStoreOf, type ConnectionArgs } from './connection-options.js';
import { debugTrace } from './debug-trace.js';
import { EXIT, EXIT_TABLE } from './exit-status.js';
import { Printer } from './output.js';

export const usage = `Usage: connector mcp <manifest>… --credentials <file|env:PREFIX> [options]

Serves every action of the manifests as an MCP tool named <connector id>.<action id>, over
stdio (default) or Streamable HTTP. Needs @modelcontextprotocol/sdk (an optional peer).

Options:
  --http 127.0.0.1:<port>    serve Streamable HTTP at http://127.0.0.1:<port>/mcp instead of stdio
                             (loopback only; every request must send Authorization: Bearer <token>,
                             the token in the variable CONNECTOR_MCP_TOKEN, without which it will not start)
  --max-binary-bytes <n>     largest download returned as an embedded resource (default 1048576)
  --format text|json         how a failure to start is told: a line (text, default) or one
                             {"error": {code, message, …}} object — on stdout with --http, on
                             stderr (one line) over stdio, where stdout carries MCP messages alone
${connectionOptionsHelp}

With several manifests, --credentials is a JSON file keyed by connector id
({"snov-io": {…}, "docuware": {…}}), or env:<PREFIX> reading <PREFIX><CONNECTOR_ID>_<NAME>
(SNOV_IO_CLIENT_ID for snov-io's client_id); each connection's id is <connection-id>:<connector id>.

${EXIT_TABLE}`;

export async function run(argv: string[]): Promise<number> {
  const out = new Printer();
  // Over stdio, stdout is the MCP channel from the first byte: the client parses every line
  // there as JSON-RPC (and the spec lets a server write nothing else), so an error object —
  // even one before serving — goes to stderr, which clients show as the server's log.
  if (!argv.some((arg) => arg === '--http' || arg.startsWith('--http='))) out.jsonTo = 'stderr';
  const parsed = parseCommandLine('mcp', usage, argv, { ...connectionOptions, ...formatOption, http: { type: 'string' }, 'max-binary-bytes': { type: 'string' } }, out);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const format = readFormat('mcp', usage, values, out);
  if (typeof format === 'number') return format;
  out.format = format;
  if (positionals.length === 0) return usageError('mcp', usage, 'give at least one manifest', out);
  try {
    const listen = values.http === undefined ? undefined : httpAddress(values.http);
    const token = listen ? bearerToken(out) : undefined;
    const maxBinaryBytes = byteCount(values['max-binary-bytes']);
    const { connectors, connections } = await openConnections(positionals, values, out);
    try {
      const options: McpServerOptions = { connectors, connectionFor: ({ connector }) => connections.get(connector.id)!, maxBinaryBytes };
      // Made before anything is served: a tool set MCP cannot address fails the start, not the first session.
      const server = await createMcpServer(options);
      const tools = connectors.reduce((sum, connector) => sum + connector.actions.length, 0);
      if (listen && token) {
        await server.close();
        await serveHttp(listen, token, options, `${tools} tools`, out);
      } else {
        out.err(`connector mcp: serving ${tools} tools over stdio\n`);
        await serveMcpOverStdio(server);
      }
      return EXIT.ok;
    } finally {
      await Promise.all(connectors.map((connector) => connector.close()));
    }
  } catch (error) {
    return failure('mcp', usage, error, out);
  }
}

/** Every manifest loaded and connected, one connection each, on one token store. */
async function openConnections(paths: string[], args: ConnectionArgs, out: Printer): Promise<{ connectors: Connector[]; connections: Map<string, Connection> }> {
  if (!args.credentials) throw new UsageError('--credentials <file|env:PREFIX> is required');
  const connectors = await Promise.all(paths.map((path) => loadConnector(path)));
  const duplicate = connectors.find((connector, index) => connectors.findIndex((other) => other.id === connector.id) !== index);
  if (duplicate) throw new UsageError(`two manifests have the connector id "${duplicate.id}": tool names must be unique`);
  const store = tokenStoreOf(args, out.redactor);
  const several = connectors.length > 1;
  const connections = new Map<string, Connection>();
  for (const connector of connectors) {
    const credentials = await credentialsOf(connector, args.credentials, several);
    const connectionId = several ? `${args['connection-id'] ?? 'cli'}:${connector.id}` : args['connection-id'];
    connections.set(connector.id, connectLoaded(connector, credentials, { ...args, 'connection-id': connectionId }, out, debugTrace(out), store));
  }
  return { connectors, connections };
}

/**
 * A connector's credentials: env:<PREFIX> as `run` reads them (with several manifests, under
 * <PREFIX><CONNECTOR_ID>_), or a file keyed by connector id; with one manifest, a file of its
 * credentials alone as `run` takes it.
 */
async function credentialsOf(connector: Connector, spec: string, several: boolean): Promise<Record<string, unknown>> {
  if (spec.startsWith('env:')) return readCredentials(several ? `${spec}${connector.id.toUpperCase().replace(/-/g, '_')}_` : spec);
  const file = await readCredentials(spec);
  const keyed = file[connector.id];
  if (typeof keyed === 'object' && keyed !== null && !Array.isArray(keyed)) return keyed as Record<string, unknown>;
  if (several) throw new UsageError(`the credentials file ${spec} has no object under "${connector.id}": with several manifests it is keyed by connector id`);
  return file;
}

/** `--http HOST:PORT`, loopback hosts only. */
function httpAddress(text: string): { host: string; port: number } {
  const match = /^(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new UsageError(`--http takes 127.0.0.1:<port> (or localhost or [::1]: loopback only), not "${text}"`);
  return { host: match[1] === '[::1]' ? '::1' : match[1]!, port };
}

function bearerToken(out: Printer): string {
  const token = process.env.CONNECTOR_MCP_TOKEN;
  if (!token) {
    throw new UsageError('--http needs a bearer token in the variable CONNECTOR_MCP_TOKEN (a long random value): every request must send Authorization: Bearer <it>');
  }
  out.redactor.add(token);
  return token;
}

function byteCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`--max-binary-bytes takes a number of bytes, not "${text}"`);
  return Number(text);
}

/** Serves until SIGINT or SIGTERM, then closes every session. */
async function serveHttp(listen: { host: string; port: number }, token: string, options: McpServerOptions, what: string, out: Printer): Promise<void> {
  const expected = digest(token);
  const endpoint = await serveMcpOverHttp({
    ...listen,
    // One operator, one token: every session is the same identity, on the same connections.
    verifyToken: (given) => (timingSafeEqual(digest(given), expected) ? { token: given, clientId: 'connector-mcp', scopes: [] } : undefined),
    createServer: () => createMcpServer(options),
  });
  out.err(`connector mcp: serving ${what} over Streamable HTTP at ${endpoint.url} (Authorization: Bearer $CONNECTOR_MCP_TOKEN)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await endpoint.close();
}

/** Equal-length digests, so comparing them takes the same time whatever the token given. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
