/**
 * The sample connectors' sandboxes, started the way one tries a sample: the sandbox, the manifest
 * in connectors/ it answers for, and the credentials that connect that manifest to it. One place,
 * so `npm start` (scripts/start.ts) and `connector sandbox` (sdk/cli/sandbox.ts) cannot drift apart.
 */
import { fileURLToPath } from 'node:url';
import type { SandboxServer } from './http-server.js';
import { startDocuwareSandbox, type DocuwareSandbox, type DocuwareSandboxOptions } from './docuware/server.js';
import { SEEDED } from './docuware/documents.js';
import { startSnovSandbox, type SnovSandbox, type SnovSandboxOptions } from './snov-io/server.js';

/** The samples `connector sandbox` knows. */
export const SAMPLE_NAMES = ['snov-io', 'docuware'] as const;
export type SampleName = (typeof SAMPLE_NAMES)[number];

/** An action worth trying against a running sample, as `connector run` takes it. */
export interface SampleTry {
  action: string;
  input?: Record<string, unknown>;
  /** `--output` for an action that returns a file. */
  output?: string;
}

/** A running sample sandbox and what a connection to it needs. */
export interface StartedSample<S extends SandboxServer = SandboxServer> {
  sandbox: S;
  /** Absolute path of the manifest the sandbox imitates the API of. */
  manifest: string;
  /** The credentials file's content: the sandbox's fake accounts and its address. */
  credentials: Record<string, string>;
  /** Which of `credentials` the manifest marks x-secret (masked in every output). */
  secretNames: readonly string[];
  /** The credentials file name the README's examples use. */
  credentialsFileName: string;
  try: SampleTry;
}

const connectorsDir = fileURLToPath(new URL('../connectors/', import.meta.url));

/**
 * Starts the snov.io sandbox with the credentials of connectors/snov-io.json against it.
 *
 * @example
 * const { sandbox, credentials } = await startSnovSample({ now: clock.now });
 * connector.connect({ connectionId: 'demo', credentials, allowPrivateNetwork: true });
 * await sandbox.close();
 */
export async function startSnovSample(options: SnovSandboxOptions = {}): Promise<StartedSample<SnovSandbox>> {
  const clientId = options.clientId ?? 'sandbox-client-id';
  const clientSecret = options.clientSecret ?? 'sandbox-client-secret';
  const sandbox = await startSnovSandbox({ ...options, clientId, clientSecret });
  return {
    sandbox,
    manifest: `${connectorsDir}snov-io.json`,
    credentials: { client_id: clientId, client_secret: clientSecret, api_base: sandbox.url },
    secretNames: ['client_secret'],
    credentialsFileName: 'creds.json',
    try: { action: 'get-balance' },
  };
}

/**
 * Starts the DocuWare sandbox with the credentials of connectors/docuware.json (cookie logon) against it.
 *
 * @example
 * const { sandbox, credentials } = await startDocuwareSample({ now: clock.now });
 * connector.connect({ connectionId: 'demo', credentials, allowPrivateNetwork: true });
 * await sandbox.close();
 */
export async function startDocuwareSample(options: DocuwareSandboxOptions = {}): Promise<StartedSample<DocuwareSandbox>> {
  const userName = options.userName ?? 'sandbox-user';
  const password = options.password ?? 'sandbox-password';
  const organization = options.organization ?? 'Sandbox Org';
  const sandbox = await startDocuwareSandbox({ ...options, userName, password, organization });
  return {
    sandbox,
    manifest: `${connectorsDir}docuware.json`,
    credentials: { scheme: 'http', host: sandbox.host, username: userName, password, organization },
    secretNames: ['password'],
    credentialsFileName: 'dw.json',
    // The first seeded invoice: the README's download example, with ids that exist in the sandbox.
    try: { action: 'download-document', input: { file_cabinet_id: SEEDED.invoicesCabinetId, document_id: 1 }, output: 'doc.pdf' },
  };
}

/**
 * Starts a sample by name on 127.0.0.1 (`port` 0: any free port), on the real clock.
 *
 * @example
 * const sample = await startSample('snov-io', 0);
 * console.log(sample.sandbox.url);
 * await sample.sandbox.close();
 */
export function startSample(name: SampleName, port = 0): Promise<StartedSample> {
  return name === 'snov-io' ? startSnovSample({ port }) : startDocuwareSample({ port });
}
