/**
 * The options `run`, `auth` and `login` share: which manifest, whose credentials, which
 * environment and token store. Parsed once here so every command reads them the same way.
 */
import { readFile } from 'node:fs/promises';
import { registerRecordSecrets } from '../auth/record-secrets.js';
import type { Redactor } from '../redact.js';
import type { EventListener } from '../events.js';
import { FileTokenStore } from '../store/file-token-store.js';
import { MemoryTokenStore } from '../store/memory-token-store.js';
import type { TokenRecord, TokenStore } from '../store/token-store.js';
import { loadConnector, type ConnectOptions, type Connector, type Environment } from '../runtime/connector.js';
import type { Connection } from '../runtime/connection.js';
import { RecordingTokenStore } from '../testkit/recording-store.js';
import { secretCredentials } from '../testkit/secrets.js';
import { UsageError } from './command-line.js';
import type { Printer } from './output.js';

export const connectionOptions = {
  credentials: { type: 'string' },
  env: { type: 'string', default: 'live' },
  store: { type: 'string', default: 'memory' },
  'connection-id': { type: 'string', default: 'cli' },
  'allow-private-network': { type: 'boolean', default: false },
  'allow-insecure-http': { type: 'boolean', default: false },
  debug: { type: 'boolean', default: false },
  'encryption-key-env': { type: 'string' },
} as const;

export const connectionOptionsHelp = `  --credentials <file>       JSON file with the credentials the manifest declares (required);
                             env:<PREFIX> reads <PREFIX><NAME> variables instead (SNOV_CLIENT_ID → client_id)
  --env live|dev             environment (default: live)
  --store memory|file:<path> token store (default: memory; file: keeps tokens between runs)
  --connection-id <id>       key of the tokens in the store (default: cli)
  --allow-private-network    allow loopback and private addresses (local sandboxes)
  --allow-insecure-http      allow plain-http token endpoints for the OAuth grants (local test servers only)
  --encryption-key-env NAME  encrypt the file store with the 32-byte base64 key in variable NAME
  --debug                    a redacted line on stderr per request, response, retry and token event
  -h, --help                 show this help`;

export interface ConnectionArgs {
  credentials?: string;
  env?: string;
  store?: string;
  'connection-id'?: string;
  'allow-private-network'?: boolean;
  'allow-insecure-http'?: boolean;
  debug?: boolean;
  'encryption-key-env'?: string;
}

/**
 * Loads the manifest and connects. `out.redactor` (the one the command prints through) learns the
 * connection's secrets: the x-secret credentials now, every token and cookie as the store sees it.
 */
export async function openConnection(manifestPath: string, args: ConnectionArgs, out: Printer, onEvent?: EventListener): Promise<{ connector: Connector; connection: Connection }> {
  if (!args.credentials) throw new UsageError('--credentials <file> is required');
  environmentOf(args.env);
  const credentials = await readCredentials(args.credentials);
  const connector = await loadConnector(manifestPath);
  return { connector, connection: connectLoaded(connector, credentials, args, out, onEvent) };
}

/**
 * Connects a loaded connector with the command line's options (`mcp` connects several, on one
 * store). `out.redactor` learns the connection's secrets, as openConnection says; `out` warns when
 * --env dev names an environment the manifest lacks. `transport`: a
 * dispatcher of the command's own (`import --check` sends every request to the URL it is given).
 */
export function connectLoaded(
  connector: Connector,
  credentials: Record<string, unknown>,
  args: ConnectionArgs,
  out: Printer,
  onEvent?: EventListener,
  store: TokenStore = tokenStoreOf(args, out.redactor),
  transport: Pick<ConnectOptions, 'dispatcher'> = {},
): Connection {
  const environment = environmentOf(args.env);
  // Not an error (dev then means live, as connect() does), but rarely what was meant.
  if (environment === 'dev' && connector.manifest.environments?.dev === undefined) {
    out.err(`connector: warning: ${connector.id} declares no environments.dev: --env dev uses the live base URL and credentials\n`);
  }
  for (const [, value] of secretCredentials(connector.manifest, environment, credentials)) out.redactor.add(value);
  return connector.connect({
    connectionId: args['connection-id'] ?? 'cli',
    credentials,
    environment,
    store,
    allowPrivateNetwork: args['allow-private-network'] ?? false,
    allowInsecureHttp: args['allow-insecure-http'] ?? false,
    ...(args.debug && onEvent ? { onEvent } : {}),
    ...transport,
  });
}

/** The --store the command line names, its records' secrets registered with `redactor` as they are read. */
export function tokenStoreOf(args: ConnectionArgs, redactor: Redactor): TokenStore {
  return new RecordingTokenStore(storeFrom(args.store ?? 'memory', args['encryption-key-env']), (record) => registerPrintedSecrets(redactor, record));
}

/**
 * `--credentials env:SNOV_`: every environment variable named SNOV_<NAME> gives the credential
 * <name> (lower-cased), so a CI job need not write secrets to a file.
 */
function credentialsFromEnv(prefix: string): Record<string, unknown> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)) throw new UsageError(`--credentials env:<PREFIX> needs a variable name prefix such as SNOV_, not "${prefix}"`);
  const credentials: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith(prefix) && name.length > prefix.length && value !== undefined) credentials[name.slice(prefix.length).toLowerCase()] = value;
  }
  if (Object.keys(credentials).length === 0) throw new UsageError(`no environment variable starts with ${prefix}: set ${prefix}<NAME> for each credential`);
  return credentials;
}

/**
 * A record's secrets, but for the authorization state: `login` prints the URL that carries it
 * (a one-time nonce the operator must open, not a credential); the PKCE verifier stays masked.
 */
function registerPrintedSecrets(redactor: Redactor, record: TokenRecord): void {
  const pending = record.pendingAuthorization;
  registerRecordSecrets(redactor, pending ? { ...record, pendingAuthorization: { ...pending, state: '' } } : record);
}

export function environmentOf(env: string | undefined): Environment {
  if (env !== 'live' && env !== 'dev') throw new UsageError(`--env must be live or dev, not "${String(env)}"`);
  return env;
}

function storeFrom(spec: string, keyVariable: string | undefined): TokenStore {
  const encryptionKey = keyVariable === undefined ? undefined : process.env[keyVariable];
  if (keyVariable !== undefined && !encryptionKey) throw new UsageError(`--encryption-key-env ${keyVariable}: the variable is not set`);
  if (encryptionKey && !spec.startsWith('file:')) throw new UsageError('--encryption-key-env needs --store file:<path>: the memory store writes nothing');
  if (spec === 'memory') return new MemoryTokenStore();
  if (spec.startsWith('file:') && spec.length > 5) return new FileTokenStore(spec.slice(5), encryptionKey ? { encryptionKey } : {});
  throw new UsageError(`--store must be memory or file:<path>, not "${spec}"`);
}

export async function readCredentials(file: string): Promise<Record<string, unknown>> {
  if (file.startsWith('env:')) return credentialsFromEnv(file.slice('env:'.length));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the credentials file ${file}`);
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('not an object');
    return value as Record<string, unknown>;
  } catch {
    // Never quote the file: it holds secrets.
    throw new UsageError(`the credentials file ${file} is not a JSON object`);
  }
}
