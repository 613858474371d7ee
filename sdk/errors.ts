/**
 * The SDK's error hierarchy. Every error has a stable `code`; messages name the culprit and
 * never carry a secret. A `cause` is only ever another ConnectorError, never a raw library
 * error, which may echo a request.
 */

export const ERROR_CODES = {
  manifest: 'CONNECTOR_MANIFEST_INVALID',
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

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

const BRAND = Symbol.for('connector-sdk.error');

/** errno-style codes (ECONNREFUSED, UND_ERR_SOCKET …): safe to put in a message. */
const SAFE_CODE = /^[A-Z0-9_]{1,40}$/;

/**
 * The `code` of a library or system error when it is a plain errno-style code, else undefined:
 * the one way a foreign error's detail may enter an SDK message (its own message may echo a
 * request, a path with a secret, or a header).
 */
export function safeErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && SAFE_CODE.test(code) ? code : undefined;
}

export class ConnectorError extends Error {
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

export class ManifestError extends ConnectorError {
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

/** A credential field is missing or malformed. Names the field, never its value. */
export class CredentialsError extends ConnectorError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(ERROR_CODES.credentials, message);
    this.field = field;
  }
}

/** An action's input does not match its schema. */
export class InputError extends ConnectorError {
  readonly action: string;
  readonly field: string;
  constructor(action: string, field: string, message: string) {
    super(ERROR_CODES.input, message);
    this.action = action;
    this.field = field;
  }
}

export class TemplateError extends ConnectorError {
  readonly pointer: string;
  constructor(pointer: string, message: string) {
    super(ERROR_CODES.template, message);
    this.pointer = pointer;
  }
}

export class UnknownActionError extends ConnectorError {
  constructor(action: string, known: readonly string[]) {
    const list = known.slice(0, 20).join(', ');
    super(ERROR_CODES.unknownAction, `unknown action "${action}"; this connector has: ${list}`);
  }
}

/** Authentication failed: the token endpoint refused, or the API still refuses a fresh token. */
export class AuthError extends ConnectorError {
  readonly status?: number;
  /** RFC 6749 §5.2 error code, when the server sent one. */
  readonly oauthError?: string;
  constructor(
    message: string,
    options?: { status?: number; oauthError?: string; cause?: unknown; code?: ErrorCode },
  ) {
    super(options?.code ?? ERROR_CODES.auth, message, { cause: options?.cause });
    this.status = options?.status;
    this.oauthError = options?.oauthError;
  }
}

/** The token response could not be used (no token at the path, not JSON, wrong type). */
export class TokenResponseError extends AuthError {
  constructor(message: string, options?: { status?: number }) {
    super(message, { ...options, code: ERROR_CODES.tokenResponse });
  }
}

/**
 * The provider refused the grant or the credentials themselves (RFC 6749 `invalid_grant`,
 * `invalid_client`, `unauthorized_client`, `access_denied`, or a status the manifest's
 * `refusal_statuses` names for a non-OAuth login). The only failure that marks a connection as
 * needing re-authorization.
 */
export class CredentialsRefusedError extends AuthError {
  constructor(message: string, options?: { status?: number; oauthError?: string }) {
    super(message, { ...options, code: ERROR_CODES.credentialsRefused });
  }
}

/**
 * The manifest (or the host's set-up) points somewhere that cannot work: a token URL that answers
 * 404 or 405 or a redirect, a request the server calls malformed, a policy that refuses the
 * combination of options. `field` names the manifest field (JSON pointer) to check. Fixing the
 * manifest fixes the connection: nothing about the user's credentials is implied.
 */
export class ConfigurationError extends ConnectorError {
  readonly field: string;
  readonly status?: number;
  constructor(field: string, message: string, options?: { status?: number }) {
    super(ERROR_CODES.configuration, message);
    this.field = field;
    this.status = options?.status;
  }
}

/** Refresh and a new authorization with the stored credentials both failed: the user must act. */
export class ReauthorizationRequired extends AuthError {
  constructor(message: string, options?: { status?: number; oauthError?: string; cause?: unknown }) {
    super(message, { ...options, code: ERROR_CODES.reauthorizationRequired });
  }
}

export class HttpError extends ConnectorError {
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

/** The connection failed (refused, reset, TLS) before a complete response arrived. */
export class NetworkError extends ConnectorError {
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

export class TimeoutError extends ConnectorError {
  readonly phase: 'connect' | 'headers' | 'body' | 'total';
  constructor(method: string, url: string, phase: TimeoutError['phase'], ms: number) {
    super(ERROR_CODES.timeout, `${method} ${url} timed out waiting for the ${phase} after ${ms} ms`);
    this.phase = phase;
  }
}

export class ResponseError extends ConnectorError {
  constructor(message: string, code: ErrorCode = ERROR_CODES.response) {
    super(code, message);
  }
}

/** A request the connection's policy refuses: undeclared host, private address, https→http. */
export class RequestRefusedError extends ConnectorError {
  constructor(message: string) {
    super(ERROR_CODES.policy, message);
  }
}

export class StoreError extends ConnectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ERROR_CODES.store, message, options);
  }
}
