/**
 * The SDK's error hierarchy. Every error has a stable `code`; messages name the culprit and
 * never carry a secret. A `cause` is only ever another ConnectorError, never a raw library
 * error, which may echo a request.
 */

/**
 * Every `code` an SDK error carries, by name. Codes are stable across releases: tell errors apart
 * by `code` (or class), never by message.
 *
 * @example
 * if (error instanceof ConnectorError && error.code === ERROR_CODES.reauthorizationRequired) await markDisconnected(connectionId);
 */
export const ERROR_CODES = {
  manifest: 'CONNECTOR_MANIFEST_INVALID',
  manifestUnreadable: 'CONNECTOR_MANIFEST_UNREADABLE',
  credentials: 'CONNECTOR_CREDENTIALS_INVALID',
  input: 'CONNECTOR_INPUT_INVALID',
  template: 'CONNECTOR_TEMPLATE_FAILED',
  auth: 'CONNECTOR_AUTH_FAILED',
  credentialsRefused: 'CONNECTOR_CREDENTIALS_REFUSED',
  configuration: 'CONNECTOR_CONFIGURATION_INVALID',
  tokenResponse: 'CONNECTOR_TOKEN_RESPONSE_INVALID',
  reauthorizationRequired: 'CONNECTOR_REAUTHORIZATION_REQUIRED',
  http: 'CONNECTOR_HTTP_STATUS',
  network: 'CONNECTOR_NETWORK_FAILED',
  timeout: 'CONNECTOR_TIMEOUT',
  response: 'CONNECTOR_RESPONSE_INVALID',
  responseTooLarge: 'CONNECTOR_RESPONSE_TOO_LARGE',
  store: 'CONNECTOR_STORE_FAILED',
  policy: 'CONNECTOR_REQUEST_REFUSED',
  unknownAction: 'CONNECTOR_UNKNOWN_ACTION',
  internal: 'CONNECTOR_INTERNAL',
} as const;

/**
 * One of the values of ERROR_CODES: the type of every ConnectorError's `code`.
 *
 * @example
 * const retryLater: ReadonlySet<ErrorCode> = new Set(['CONNECTOR_NETWORK_FAILED', 'CONNECTOR_TIMEOUT', 'CONNECTOR_STORE_FAILED']);
 * if (error instanceof ConnectorError && retryLater.has(error.code)) await queue.retry(job);
 */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

const BRAND = Symbol.for('connector-sdk.error');

/** errno-style codes (ECONNREFUSED, UND_ERR_SOCKET …): safe to put in a message. */
const SAFE_CODE = /^[A-Z0-9_]{1,40}$/;

/**
 * The `code` of a library or system error when it is a plain errno-style code, else undefined:
 * the one way a foreign error's detail may enter an SDK message (its own message may echo a
 * request, a path with a secret, or a header).
 *
 * @example
 * safeErrorCode(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })); // 'ECONNREFUSED'
 * safeErrorCode(new Error('boom')); // undefined
 */
export function safeErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && SAFE_CODE.test(code) ? code : undefined;
}

/**
 * The base of every SDK error: a stable `code` (ERROR_CODES) and a message that names the
 * culprit, never a secret. A connection turns any other error into a ConnectorError with code
 * CONNECTOR_INTERNAL; only the host's own AbortError passes through as it is.
 *
 * @example
 * try {
 *   await connection.execute('get-balance');
 * } catch (error) {
 *   if (!(error instanceof ConnectorError)) throw error; // the host's AbortError
 *   logger.warn({ code: error.code, message: error.message }); // safe to log: no secret in either
 * }
 */
export class ConnectorError extends Error {
  /**
   * Each subclass narrows it to its own codes (an HttpError's is always CONNECTOR_HTTP_STATUS).
   * Not a type parameter: `instanceof` would narrow a generic class to `code: any`.
   */
  readonly code: ErrorCode;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }

  /** Works across two loaded copies of the SDK, unlike a plain instanceof. */
  static isConnectorError(value: unknown): value is ConnectorError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /**
   * `instanceof` across two copies of the SDK in one process (a host and a plugin that each
   * installed it): an SDK error of the other copy is an instance of the class of the same name
   * here, as it is of its own.
   *
   * @example
   * if (error instanceof ReauthorizationRequired) askTheUserToReconnect();
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!ConnectorError.isConnectorError(value)) return false;
    for (let proto = Object.getPrototypeOf(value) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
      if (Object.hasOwn(proto, 'constructor') && (proto as { constructor: { name?: unknown } }).constructor.name === this.name) return true;
    }
    return false;
  }
}

/**
 * One problem found in a manifest (by validateManifest, loadConnector, runManifestTests) or in an
 * imported source (importLocoia): where it is (file, line and column, JSON pointer) and what.
 *
 * @example
 * const diagnostic: Diagnostic = {
 *   file: 'connectors/snov-io.json',
 *   line: 64,
 *   column: 17,
 *   pointer: '/actions/get-balance/method',
 *   message: 'method "FETCH" is not one of: GET, POST, PUT, PATCH, DELETE, HEAD',
 *   hint: 'HTTP method.',
 *   severity: 'error',
 * };
 */
export interface Diagnostic {
  file?: string;
  line: number;
  column: number;
  /** JSON pointer (RFC 6901) of the offending value; "" for the document. */
  pointer: string;
  message: string;
  hint?: string;
  severity: 'error' | 'warning';
}

/**
 * The manifest is not valid (code CONNECTOR_MANIFEST_INVALID): `diagnostics` lists every problem,
 * with its line, column and JSON pointer. Fix the manifest; nothing at run time will.
 *
 * @example
 * try {
 *   await loadConnector('connectors/snov-io.json');
 * } catch (error) {
 *   if (!(error instanceof ManifestError && error.code === ERROR_CODES.manifest)) throw error;
 *   for (const d of error.diagnostics) console.error(`${d.file}:${d.line}:${d.column} ${d.pointer} ${d.severity}: ${d.message}`);
 * }
 */
export class ManifestError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.manifest;
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[], file?: string) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const first = errors[0];
    const where = file ?? first?.file ?? 'manifest';
    const summary = first ? `${first.pointer || '/'}: ${first.message}` : 'invalid';
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    super(ERROR_CODES.manifest, `${where} is not a valid connector manifest: ${summary}${more}`);
    this.diagnostics = diagnostics;
  }
}

/** Why a file could not be read, in words, from its errno-style code (anything else as the code itself). */
const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  ERR_FS_FILE_TOO_LARGE: 'too large',
};

/**
 * Why reading a file failed, in words: from a Node file-system error's code only (its message
 * is not used), for every place that reads a manifest.
 *
 * @example
 * readFailureOf(Object.assign(new Error('…'), { code: 'ENOENT' })); // 'no such file'
 */
export function readFailureOf(error: unknown): string {
  const code = safeErrorCode(error);
  return code === undefined ? 'unknown error' : (READ_FAILURES[code] ?? code);
}

/**
 * A manifest path that cannot be read (code CONNECTOR_MANIFEST_UNREADABLE): a wrong path, a
 * directory, no permission. `file` is the path as given, `reason` why, in words. A mistake in
 * how the SDK was called, not an invalid manifest (the CLI exits 2 for it, as for a wrong option).
 *
 * @example
 * try {
 *   await loadConnector('connectors/snov-oi.json');
 * } catch (error) {
 *   if (error instanceof ManifestUnreadableError) console.error(error.message); // cannot read the manifest connectors/snov-oi.json (no such file)
 * }
 */
export class ManifestUnreadableError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.manifestUnreadable;
  readonly file: string;
  readonly reason: string;
  constructor(file: string, error: unknown) {
    const reason = readFailureOf(error);
    super(ERROR_CODES.manifestUnreadable, `cannot read the manifest ${file} (${reason})`);
    this.file = file;
    this.reason = reason;
  }
}

/**
 * A credential field is missing or malformed. Names the field, never its value. Thrown by
 * `connect()` (code CONNECTOR_CREDENTIALS_INVALID): show it beside that field of the host's form.
 *
 * @example
 * try {
 *   connector.connect({ connectionId: 'tenant-42', credentials: {} });
 * } catch (error) {
 *   if (error instanceof CredentialsError && error.code === 'CONNECTOR_CREDENTIALS_INVALID') form.showError(error.field, error.message); // 'client_id'
 * }
 */
export class CredentialsError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.credentials;
  readonly field: string;
  constructor(field: string, message: string) {
    super(ERROR_CODES.credentials, message);
    this.field = field;
  }
}

/**
 * An action's input does not match its schema (code CONNECTOR_INPUT_INVALID): `action` and
 * `field` say which; nothing was sent. Fix the input and call again.
 *
 * @example
 * try {
 *   await connection.execute('get-domain-search-result', {});
 * } catch (error) {
 *   if (error instanceof InputError && error.code === ERROR_CODES.input) console.error(error.action, error.field, error.message); // 'task_hash' is required
 * }
 */
export class InputError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.input;
  readonly action: string;
  readonly field: string;
  constructor(action: string, field: string, message: string) {
    super(ERROR_CODES.input, message);
    this.action = action;
    this.field = field;
  }
}

/**
 * A Liquid template of the manifest does not parse, or failed while rendering (code
 * CONNECTOR_TEMPLATE_FAILED). `pointer` is the template's JSON pointer in the manifest: fix it there.
 *
 * @example
 * if (error instanceof TemplateError && error.code === 'CONNECTOR_TEMPLATE_FAILED') console.error(`connectors/snov-io.json${error.pointer}: ${error.message}`);
 */
export class TemplateError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.template;
  readonly pointer: string;
  constructor(pointer: string, message: string) {
    super(ERROR_CODES.template, message);
    this.pointer = pointer;
  }
}

/**
 * `execute`, `paginate` or `items` was given an action id the manifest does not have (code
 * CONNECTOR_UNKNOWN_ACTION); the message lists the connector's action ids (`connector.actions`).
 *
 * @example
 * try {
 *   await connection.execute('get-balanse');
 * } catch (error) {
 *   if (error instanceof UnknownActionError && error.code === ERROR_CODES.unknownAction) console.error(error.message, connector.actions);
 * }
 */
export class UnknownActionError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.unknownAction;
  constructor(action: string, known: readonly string[]) {
    const list = known.slice(0, 20).join(', ');
    super(ERROR_CODES.unknownAction, `unknown action "${action}"; this connector has: ${list}`);
  }
}

/**
 * Authentication failed: the token endpoint refused, or the API still refuses a fresh token (code
 * CONNECTOR_AUTH_FAILED; its subclasses have codes of their own). It does not mark the connection
 * as needing re-authorization: check the connector's access, or try again later.
 *
 * @example
 * if (error instanceof AuthError && error.code === ERROR_CODES.auth) logger.error({ status: error.status, oauthError: error.oauthError }, error.message);
 */
export class AuthError extends ConnectorError {
  declare readonly code: AuthErrorCode;
  readonly status?: number;
  /** RFC 6749 §5.2 error code, when the server sent one. */
  readonly oauthError?: string;
  constructor(
    message: string,
    options?: { status?: number; oauthError?: string; cause?: unknown; code?: AuthErrorCode },
  ) {
    super(options?.code ?? ERROR_CODES.auth, message, { cause: options?.cause });
    this.status = options?.status;
    this.oauthError = options?.oauthError;
  }
}

/**
 * The codes an AuthError carries: its own and its subclasses'.
 *
 * @example
 * if (error instanceof AuthError) metrics.increment('auth_failures', { code: error.code satisfies AuthErrorCode });
 */
export type AuthErrorCode =
  | typeof ERROR_CODES.auth
  | typeof ERROR_CODES.tokenResponse
  | typeof ERROR_CODES.credentialsRefused
  | typeof ERROR_CODES.reauthorizationRequired;

/**
 * The token response could not be used (no token at the path, not JSON, wrong type): code
 * CONNECTOR_TOKEN_RESPONSE_INVALID. Check the manifest's response paths (e.g. `auth.response_access_token_path`).
 *
 * @example
 * if (error instanceof TokenResponseError && error.code === 'CONNECTOR_TOKEN_RESPONSE_INVALID') reportManifestBug(connector.id, error.message);
 */
export class TokenResponseError extends AuthError {
  declare readonly code: typeof ERROR_CODES.tokenResponse;
  constructor(message: string, options?: { status?: number }) {
    super(message, { ...options, code: ERROR_CODES.tokenResponse });
  }
}

/**
 * The provider refused the grant or the credentials themselves (RFC 6749 `invalid_grant`,
 * `invalid_client`, `unauthorized_client`, `access_denied`, or a status the manifest's
 * `refusal_statuses` names for a non-OAuth login). The only failure that marks a connection as
 * needing re-authorization. Code CONNECTOR_CREDENTIALS_REFUSED: ask the user for new credentials.
 *
 * @example
 * if (error instanceof CredentialsRefusedError && error.code === ERROR_CODES.credentialsRefused) await askUserToReconnect(connection.connectionId);
 */
export class CredentialsRefusedError extends AuthError {
  declare readonly code: typeof ERROR_CODES.credentialsRefused;
  constructor(message: string, options?: { status?: number; oauthError?: string }) {
    super(message, { ...options, code: ERROR_CODES.credentialsRefused });
  }
}

/**
 * The manifest (or the host's set-up) points somewhere that cannot work: a token URL that answers
 * 404 or 405 or a redirect, a request the server calls malformed, a policy that refuses the
 * combination of options. `field` names the manifest field (JSON pointer) to check. Fixing the
 * manifest fixes the connection: nothing about the user's credentials is implied. Code
 * CONNECTOR_CONFIGURATION_INVALID.
 *
 * @example
 * if (error instanceof ConfigurationError && error.code === 'CONNECTOR_CONFIGURATION_INVALID') reportManifestBug(connector.id, `${error.field}: ${error.message}`);
 */
export class ConfigurationError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.configuration;
  readonly field: string;
  readonly status?: number;
  constructor(field: string, message: string, options?: { status?: number }) {
    super(ERROR_CODES.configuration, message);
    this.field = field;
    this.status = options?.status;
  }
}

/**
 * Refresh and a new authorization with the stored credentials both failed: the user must act.
 * Code CONNECTOR_REAUTHORIZATION_REQUIRED. The stored record is marked, so every later call fails
 * the same way, without a request, until the connection is reset with new credentials.
 *
 * @example
 * if (error instanceof ReauthorizationRequired && error.code === ERROR_CODES.reauthorizationRequired) {
 *   await connection.reset(); // forgets the refused tokens
 *   await askUserToReconnect(connection.connectionId); // then connect() again with the new credentials
 * }
 */
export class ReauthorizationRequired extends AuthError {
  declare readonly code: typeof ERROR_CODES.reauthorizationRequired;
  constructor(message: string, options?: { status?: number; oauthError?: string; cause?: unknown }) {
    super(message, { ...options, code: ERROR_CODES.reauthorizationRequired });
  }
}

/**
 * The API answered with a status the action does not expect (code CONNECTOR_HTTP_STATUS), after
 * the retries of 429 and 5xx answers. `url` is masked and `body` redacted: both are safe to log.
 *
 * @example
 * try {
 *   return (await connection.execute('get-document', { file_cabinet_id, document_id })).data;
 * } catch (error) {
 *   if (error instanceof HttpError && error.code === ERROR_CODES.http && error.status === 404) return undefined;
 *   throw error;
 * }
 */
export class HttpError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.http;
  readonly status: number;
  readonly method: string;
  /** The request URL with secret query values masked. */
  readonly url: string;
  /** The response body, redacted and cut to a few KB, for diagnosis. */
  readonly body?: unknown;
  constructor(status: number, method: string, url: string, body?: unknown) {
    super(ERROR_CODES.http, `${method} ${url} answered ${status}`);
    this.status = status;
    this.method = method;
    this.url = url;
    this.body = body;
  }
}

/**
 * The connection failed (refused, reset, TLS) before a complete response arrived: code
 * CONNECTOR_NETWORK_FAILED, after the connection's own retries. Try again later when `retryable`;
 * a request that was `sent` may have taken effect, so repeat it only if it is idempotent.
 *
 * @example
 * if (error instanceof NetworkError && error.code === 'CONNECTOR_NETWORK_FAILED' && error.retryable && !error.sent) await queue.retry(job);
 */
export class NetworkError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.network;
  readonly method: string;
  readonly url: string;
  /** Whether the request may have reached the server (its outcome is unknown). */
  readonly sent: boolean;
  /** False when trying again cannot help (a TLS handshake refused: certificates, keys, trust). */
  readonly retryable: boolean;
  constructor(method: string, url: string, reason: string, sent: boolean, retryable = true) {
    super(ERROR_CODES.network, `${method} ${url} failed: ${reason}`);
    this.method = method;
    this.url = url;
    this.sent = sent;
    this.retryable = retryable;
  }
}

/**
 * A request waited longer than the manifest's `timeouts` allow (code CONNECTOR_TIMEOUT); `phase`
 * says for what. The host's own `timeoutMs` and `signal` end a call with an AbortError instead.
 *
 * @example
 * if (error instanceof TimeoutError && error.code === ERROR_CODES.timeout) logger.warn(`the API took too long (${error.phase}): try again later`);
 */
export class TimeoutError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.timeout;
  readonly phase: 'connect' | 'headers' | 'body' | 'total';
  constructor(method: string, url: string, phase: TimeoutError['phase'], ms: number) {
    super(ERROR_CODES.timeout, `${method} ${url} timed out waiting for the ${phase} after ${ms} ms`);
    this.phase = phase;
  }
}

/**
 * The answer could not be read as the action says (code CONNECTOR_RESPONSE_INVALID: not JSON,
 * nothing at the output path), or was larger than `timeouts.max_response_bytes` allows (code
 * CONNECTOR_RESPONSE_TOO_LARGE).
 *
 * @example
 * if (error instanceof ResponseError && error.code === ERROR_CODES.responseTooLarge) logger.warn('raise timeouts.max_response_bytes in the manifest, or page the action');
 */
export class ResponseError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.response | typeof ERROR_CODES.responseTooLarge;
  constructor(message: string, code: typeof ERROR_CODES.response | typeof ERROR_CODES.responseTooLarge = ERROR_CODES.response) {
    super(code, message);
  }
}

/**
 * A request the connection's policy refuses: undeclared host, private address, https→http.
 * Code CONNECTOR_REQUEST_REFUSED; nothing was sent. Declare the host in the manifest's
 * `allowed_hosts`, or (local sandboxes only) connect with `allowPrivateNetwork: true`.
 *
 * @example
 * if (error instanceof RequestRefusedError && error.code === 'CONNECTOR_REQUEST_REFUSED') logger.error(error.message); // says which host or address
 */
export class RequestRefusedError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.policy;
  constructor(message: string) {
    super(ERROR_CODES.policy, message);
  }
}

/**
 * The token store failed (code CONNECTOR_STORE_FAILED): unreachable, a lock not obtained in time,
 * a record it cannot read or decrypt. The message names the connection and the operation; a store
 * that is down is usually worth a later retry.
 *
 * @example
 * if (error instanceof StoreError && error.code === ERROR_CODES.store) await queue.retry(job, { delayMs: 30_000 });
 */
export class StoreError extends ConnectorError {
  declare readonly code: typeof ERROR_CODES.store;
  constructor(message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.store, message, options);
  }
}
