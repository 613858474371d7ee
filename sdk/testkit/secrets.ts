/**
 * Which credentials a manifest calls secret: the top-level fields marked `"x-secret": true` of
 * the environment's credentials schema (an environment's own schema replaces the top-level one).
 * Read here once for the recorder, the scenario runner and the CLI's output redactor.
 */
import type { ConnectorManifest, CredentialsSchema } from '../manifest/types.gen.js';

export function credentialsSchemaOf(manifest: Readonly<ConnectorManifest>, environment: 'live' | 'dev'): CredentialsSchema | undefined {
  return manifest.environments?.[environment]?.credentials ?? manifest.credentials;
}

/** Field name and value of every credential marked x-secret (values as given, strings or not). */
export function secretCredentials(
  manifest: Readonly<ConnectorManifest>,
  environment: 'live' | 'dev',
  credentials: Readonly<Record<string, unknown>>,
): [field: string, value: unknown][] {
  const properties = credentialsSchemaOf(manifest, environment)?.properties ?? {};
  return Object.entries(properties)
    .filter(([field, property]) => property?.['x-secret'] === true && Object.hasOwn(credentials, field))
    .map(([field]) => [field, credentials[field]]);
}
