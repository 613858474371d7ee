/**
 * A token record is secret wherever it came from. Tokens are registered with the redactor when
 * a token response arrives, but a record read from a shared store (another worker's renewal, or
 * this process before a restart) has never passed through a response here: everything secret in
 * it is registered before it is used.
 */
import type { Redactor } from '../redact.js';
import type { TokenRecord } from '../store/token-store.js';

/** Extra values whose names say they are credentials (`id_token`, `session_key`, `api_secret`…). */
const SECRET_EXTRA = /token|secret|password|passwd|key|session|sid|cookie|signature|assertion|code/i;

export function registerRecordSecrets(redactor: Redactor, record: TokenRecord): void {
  redactor.add(record.accessToken);
  redactor.add(record.refreshToken);
  for (const cookie of record.cookies) redactor.add(cookie.value);
  for (const [name, value] of Object.entries(record.extras)) {
    if (SECRET_EXTRA.test(name)) redactor.add(typeof value === 'string' ? value : undefined);
  }
  redactor.add(record.pendingAuthorization?.state);
  redactor.add(record.pendingAuthorization?.codeVerifier);
}
