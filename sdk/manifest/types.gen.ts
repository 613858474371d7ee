/* Generated from schemas/connector.schema.json by `npm run generate`. Do not edit. */

/**
 * How requests are authenticated, discriminated by `type`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth".
 */
export type Authentication =
  | AuthNone
  | AuthApiKey
  | AuthBasic
  | AuthBearer
  | AuthRequestSignature
  | AuthAwsSigv4
  | AuthOAuth1
  | AuthRefreshableToken
  | AuthOAuth2Password
  | AuthOAuth2ClientCredentials
  | AuthOAuth2AuthorizationCode
  | AuthOAuth2CustomToken
  | AuthJwtBearer
  | AuthJwt
  | AuthTokenChain;
/**
 * A JSONPath into a JSON body, evaluated without script support. The leading `$.` may be left out, as in Locoia manifests (`access_token` means `$.access_token`).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "json_path".
 */
export type JSONPath = string;
/**
 * OAuth 1.0a (RFC 5849) signatures on every request, with a token the user already holds (NetSuite token-based authentication, a Trello or X access token) or none (two-legged): every hop that goes out — each retry, each same-origin redirect hop — gets a fresh nonce, the connection clock's timestamp and a signature over the method, URL, query and form-body parameters (signature base string by the oauth-1.0a package).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_oauth1".
 */
export type AuthOAuth1 = AuthOauth1;
/**
 * Header name → Liquid template; or a JSON text of such an object (Locoia's stored form).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "locoia_headers".
 */
export type TokenRequestHeaders = RequestHeaders | string | null;
/**
 * Whether the provider replaces the refresh token at every refresh and refuses the old one (RFC 9700 §4.14). It decides only what happens after a refresh was sent but its answer was lost (the process died, the connection broke after sending): `false` — the provider keeps the same refresh token valid, so the next renewal sends the refresh again, once, with the stored refresh token (only while the record still holds the refresh token the lost refresh presented); `true`, or absent (the default: unknown) — the refresh token may be spent, and a rotating provider that sees a spent refresh token again may revoke the whole grant, the refresh token it just issued included, so it is never sent again: the connection authorizes afresh with its credentials, or throws ReauthorizationRequired when that needs the user. Declare `false` only for a provider known not to rotate: against one that does, the resent refresh is refused and can revoke the grant. Where no refresh is ever sent (client credentials; no refresh request) the validator warns that it has no effect.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "refresh_token_rotation".
 */
export type RefreshTokenRotation = boolean;
/**
 * HTTP statuses of the login or token request that mean the provider refused the user's credentials (not a broken request): only these mark the connection as needing re-authorization (ReauthorizationRequired). An answer with an OAuth error code is judged by that code (invalid_grant, invalid_client, unauthorized_client and access_denied are refusals). Any other 4xx is a configuration error naming the request's fields, and 5xx, 429 and malformed answers are transient. Default [401, 403]; add 400 for APIs that answer a wrong password with 400.
 *
 * @minItems 1
 * @maxItems 3
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "refusal_statuses".
 */
export type StatusesThatMeanTheCredentialsWereRefused =
  | [400 | 401 | 403]
  | [400 | 401 | 403, 400 | 401 | 403]
  | [400 | 401 | 403, 400 | 401 | 403, 400 | 401 | 403];
/**
 * OAuth 2.0 resource owner password grant (RFC 6749 §4.3): user name and password for a token; the refresh_token grant when the server returns one, else a new login. Discouraged by RFC 9700 §2.4; the validator warns.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_oauth2_password".
 */
export type AuthOAuth2Password = AuthOauth2Password;
/**
 * How the client authenticates at the token endpoint (RFC 6749 §2.3.1, RFC 7523 §2.2): `basic` (Authorization header, form-encoded values), `post` (body parameters), `none` (client_id only, public clients), `private_key_jwt` (a JWT signed with the client's private key, client_assertion), `client_secret_jwt` (a JWT signed HS256 with the client secret). The JWTs carry iss and sub = client_id, aud = the token URL (or client_assertion.audience), a fresh jti, iat and a short exp, and are signed anew for every token request.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "client_auth".
 */
export type ClientAuthentication =
  'basic' | 'post' | 'none' | 'private_key_jwt' | 'client_secret_jwt';
/**
 * How the grant's token requests (code exchange, refresh, password, client credentials) and revocation requests carry their parameters: `form` (application/x-www-form-urlencoded, RFC 6749 §4 and RFC 7009) or `json` (application/json: the same parameters as one JSON object of strings, for providers that accept only JSON). The client secret is among them when client_auth is `post`; with `basic` it stays in the Authorization header.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "token_request_format".
 */
export type TokenRequestFormat = 'form' | 'json';
/**
 * For local test servers only: lets this grant send its token, refresh and revocation requests (which carry the client secret, codes and refresh tokens) to an `http:` URL. Without it, and unless the host passes `allowInsecureHttp: true` to connect() (CLI: `--allow-insecure-http`), such a request is refused before it is sent. The validator warns when it is set.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "allow_insecure_http".
 */
export type AllowAPlainHttpTokenEndpoint = boolean;
/**
 * OAuth 2.0 client credentials grant (RFC 6749 §4.4); a new token is requested when the old one expires.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_oauth2_client_credentials".
 */
export type AuthOAuth2ClientCredentials = AuthOauth2ClientCredentials;
/**
 * OAuth 2.0 authorization code grant with PKCE (S256) and state (RFC 6749 §4.1, RFC 7636): the host sends the user to authorization_url, then completes with the callback; refresh tokens renew the access token.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_oauth2_authorization_code".
 */
export type AuthOAuth2AuthorizationCode = AuthOauth2AuthorizationCode;
/**
 * Names the step: later steps use its values as `steps.<name>.<value>`, and `token` names them as `<name>.<value>`. Unique across steps and refresh.steps.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "chain_step_name".
 */
export type StepName = string;
/**
 * How a step's body is sent: `json` (application/json), `form` (application/x-www-form-urlencoded: the body's top-level fields, objects as JSON text) or `raw` (the body is one template string, sent as it renders: XML or SOAP with the Content-Type its headers set, default text/plain).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "chain_body_format".
 */
export type StepBodyFormat = 'json' | 'form' | 'raw';
/**
 * An HTTP header field name (RFC 9110 token).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "header_name".
 */
export type HeaderName = string;
/**
 * How to fetch the next page, discriminated by `type`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "pagination".
 */
export type Pagination =
  PaginationCursor | PaginationOffset | PaginationPage | PaginationLinkHeader | PaginationNextUrl;
/**
 * An error code of the SDK.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "test_error_code".
 */
export type TestErrorCode =
  | 'CONNECTOR_CREDENTIALS_INVALID'
  | 'CONNECTOR_INPUT_INVALID'
  | 'CONNECTOR_TEMPLATE_FAILED'
  | 'CONNECTOR_AUTH_FAILED'
  | 'CONNECTOR_CREDENTIALS_REFUSED'
  | 'CONNECTOR_CONFIGURATION_INVALID'
  | 'CONNECTOR_TOKEN_RESPONSE_INVALID'
  | 'CONNECTOR_REAUTHORIZATION_REQUIRED'
  | 'CONNECTOR_HTTP_STATUS'
  | 'CONNECTOR_NETWORK_FAILED'
  | 'CONNECTOR_TIMEOUT'
  | 'CONNECTOR_RESPONSE_INVALID'
  | 'CONNECTOR_RESPONSE_TOO_LARGE'
  | 'CONNECTOR_STORE_FAILED'
  | 'CONNECTOR_REQUEST_REFUSED'
  | 'CONNECTOR_UNKNOWN_ACTION'
  | 'CONNECTOR_INTERNAL';
/**
 * The type of a connection event (onEvent).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "test_event_type".
 */
export type TestEventType =
  | 'token.acquired'
  | 'token.refreshed'
  | 'token.refresh_failed'
  | 'token.expiry_warning'
  | 'token.request_retry'
  | 'auth.reauthorized'
  | 'auth.reauthorization_required'
  | 'auth.token_rejected'
  | 'request'
  | 'response'
  | 'request.retry'
  | 'store.unencrypted';
/**
 * A Liquid template string.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "template".
 */
export type Template = string;

/**
 * One third-party API connector: metadata, base URL, shared headers, the credentials an end user enters, how to authenticate, and named actions. Template fields are Liquid templates; the variables each may use are listed in its description and in its "x-template" keyword.
 *
 * @example
 * const manifest: ConnectorManifest = {
 *   id: 'acme',
 *   name: 'Acme',
 *   version: '1.0.0',
 *   base_url: 'https://api.acme.test',
 *   auth: { type: 'bearer', token: '{{ credentials.token }}' },
 *   credentials: { type: 'object', required: ['token'], properties: { token: { type: 'string', 'x-secret': true } } },
 *   actions: { 'get-balance': { method: 'GET', path: '/v1/get-balance' } },
 * };
 * const connector = await loadConnector(manifest);
 */
export interface ConnectorManifest {
  /**
   * Path or URL of this schema, for editor completion. Ignored by the runtime.
   */
  $schema?: string;
  /**
   * Stable machine name of the connector: lower-case letters, digits and dashes.
   */
  id: string;
  /**
   * Human-readable name of the API.
   */
  name: string;
  /**
   * Semantic version of this manifest (not of the API).
   */
  version: string;
  /**
   * What the connector is for.
   */
  description?: string;
  /**
   * Where the vendor documents the API.
   */
  docs_url?: string;
  /**
   * Liquid template of the URL every action path is resolved against. Scope: credentials, env, and auth.extras.<name> of an auth type that obtains tokens. Per-customer hosts come from credentials; a host the token answer names (Salesforce's instance_url) comes from auth.extras: then the base URL is rendered per request from the current token record, and its host must match allowed_host_patterns, or the request is refused with a HostNotAllowedError before it is sent. Without auth it is rendered once, at connect.
   */
  base_url: string;
  /**
   * Overrides for the live and dev environments: a connection picks one with `environment` (default live).
   */
  environments?: {
    live?: Environment;
    dev?: Environment;
  };
  headers?: SharedHeaders;
  credentials?: CredentialsSchema;
  auth: Authentication;
  client_certificate?: ClientTLSCertificate;
  /**
   * Host names besides the base URL's host that actions may call with absolute URLs. Credentials are only ever sent to the base URL's host, these hosts and the auth endpoints.
   *
   * @maxItems 50
   */
  allowed_hosts?: string[];
  /**
   * Hosts a base_url built from the token record (auth.extras.<name>) may point at, as host patterns (sdk/manifest/host-pattern.ts syntax: `*.my.salesforce.com`, `**.example.com`, `api.zoho.{com,eu,in}`, `host:port`; never a whole public suffix). Each is a Liquid template over credentials and env, rendered at connect. Required when base_url uses auth; every request's host is checked against them before it is sent.
   *
   * @minItems 1
   * @maxItems 50
   */
  allowed_host_patterns?: [string, ...string[]];
  rate_limit?: RateLimit;
  retry?: RetryPolicy;
  timeouts?: TimeoutsAndLimits;
  /**
   * Named HTTP calls, keyed by action id (lower-case letters, digits, dashes and underscores).
   */
  actions: {
    [k: string]: Action | undefined;
  };
  /**
   * Offline scenarios of the token lifecycle, run by `connector test`: each connects with made-up credentials, sends every request to a local server that answers with the scenario's responses (or responses recorded by `connector record`), runs its steps on a virtual clock, and checks the requests, token renewals and events that resulted. Ignored by the runtime.
   *
   * @maxItems 200
   */
  tests?: TestScenario[];
}
/**
 * What differs in one environment (live or dev).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "environment".
 */
export interface Environment {
  /**
   * Liquid template replacing the top-level base_url in this environment. Scope: credentials, env, and auth.extras.<name> as in the top-level base_url.
   */
  base_url?: string;
  credentials?: CredentialsSchema;
}
/**
 * JSON Schema (object) of the values an end user enters. Mark secrets with "x-secret": true: they are redacted from every message, event and log.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "credentials_schema".
 */
export interface CredentialsSchema {
  /**
   * Always object.
   */
  type: 'object';
  /**
   * Field name → schema of the field.
   */
  properties: {
    [k: string]: DataSchema | undefined;
  };
  /**
   * Names of the fields the user must enter.
   */
  required?: string[];
  /**
   * Whether fields not listed are accepted (default false).
   */
  additionalProperties?: boolean;
}
/**
 * The subset of JSON Schema used for credentials and action input: types, enums, bounds, nesting. No $ref, no remote schemas, no $data.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "data_schema".
 */
export interface DataSchema {
  /**
   * JSON type, or a list of types.
   */
  type?:
    | ('string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null')
    | [
        'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null',
        ...('string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null')[]
      ];
  /**
   * Label shown to the user.
   */
  title?: string;
  /**
   * Help text.
   */
  description?: string;
  /**
   * Value used when the field is absent.
   */
  default?: string | number | boolean | {} | unknown[] | null;
  /**
   * Example values.
   */
  examples?: unknown[];
  /**
   * The only values accepted.
   *
   * @minItems 1
   * @maxItems 1000
   */
  enum?: [unknown, ...unknown[]];
  /**
   * The only value accepted.
   */
  const?: string | number | boolean | {} | unknown[] | null;
  /**
   * A well-known string format.
   */
  format?: 'email' | 'uri' | 'date' | 'date-time' | 'hostname' | 'uuid';
  /**
   * Regular expression (ECMA-262) the string must match.
   */
  pattern?: string;
  /**
   * Shortest allowed string.
   */
  minLength?: number;
  /**
   * Longest allowed string.
   */
  maxLength?: number;
  /**
   * Smallest allowed number.
   */
  minimum?: number;
  /**
   * Largest allowed number.
   */
  maximum?: number;
  /**
   * Fewest array items.
   */
  minItems?: number;
  /**
   * Most array items.
   */
  maxItems?: number;
  items?: DataSchema;
  /**
   * Property name → schema.
   */
  properties?: {
    [k: string]: DataSchema | undefined;
  };
  /**
   * Properties that must be present.
   */
  required?: string[];
  /**
   * Whether unlisted properties are accepted.
   */
  additionalProperties?: boolean;
  /**
   * The value is secret: redacted everywhere, never logged.
   */
  'x-secret'?: boolean;
  /**
   * The value is file content (Buffer, Uint8Array, Blob or a readable stream) given by the host, e.g. for multipart uploads.
   */
  'x-binary'?: boolean;
}
/**
 * Headers sent on every request the connection makes: token, login and refresh requests as well as actions. Values are Liquid templates. Scope: credentials, env.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "shared_headers".
 */
export interface SharedHeaders {
  [k: string]: string | undefined;
}
/**
 * No authentication.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_none".
 */
export interface AuthNone {
  /**
   * No authentication.
   */
  type: 'none';
}
/**
 * A key sent in a header, a query parameter or a body field on every action request.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_api_key".
 */
export interface AuthApiKey {
  /**
   * API key.
   */
  type: 'api_key';
  /**
   * Header, query parameter, cookie (`name=value` in the Cookie header, besides the cookies the request already carries; the value is a secret), or a field of the action's body: set on a JSON object body, appended to a form or multipart body (replacing a field of the same name); a POST, PUT, PATCH or DELETE action without a body gets one of just this field (JSON, or a form when body_format is form). GET and HEAD actions and raw bodies cannot carry it: the validator reports each such action (set apply_auth to false on it), and a body that renders no JSON object (a body_template, or a body that is just `{{ input.x }}`) is refused at request time with a ConfigurationError naming this field.
   */
  in: 'header' | 'query' | 'cookie' | 'body';
  /**
   * Header, query parameter, cookie or body field name.
   */
  name: string;
  /**
   * Liquid template of the key (a prefix such as `Bearer ` goes here). Scope: credentials, env.
   */
  value: string;
}
/**
 * HTTP Basic authentication on every action request.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_basic".
 */
export interface AuthBasic {
  /**
   * HTTP Basic.
   */
  type: 'basic';
  /**
   * Liquid template. Scope: credentials, env.
   */
  username: string;
  /**
   * Liquid template. Scope: credentials, env.
   */
  password: string;
}
/**
 * A static bearer token from the credentials (for example one the host rotates itself).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_bearer".
 */
export interface AuthBearer {
  /**
   * Static bearer token.
   */
  type: 'bearer';
  /**
   * Liquid template of the token. Scope: credentials, env.
   */
  token: string;
  apply?: TokenPlacement;
  expired_when?: ExpiredTokenSignal;
}
/**
 * How the obtained token goes on each action request: headers, query parameters, cookies or body fields. Values are Liquid templates. Scope: credentials, auth, env, now. Default: `Authorization: Bearer {{ auth.access_token }}` (no header when the token is a cookie: the cookie jar sends it).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "token_apply".
 */
export interface TokenPlacement {
  /**
   * Header name → template.
   */
  headers?: {
    [k: string]: string | undefined;
  };
  /**
   * Query parameter → template. Tokens in URLs are redacted from every message.
   */
  query?: {
    [k: string]: string | undefined;
  };
  /**
   * Cookie name → template, sent besides the cookies the connection received.
   */
  cookies?: {
    [k: string]: string | undefined;
  };
  /**
   * Body field → template, for APIs that take the credential in the request body. Merged into the body the action builds, by its body_format: set on the JSON object (replacing a field of the same name), or appended to the form or multipart fields (replacing one of the same name); a POST, PUT, PATCH or DELETE action without a body gets one of just these fields (JSON, or a form when body_format is form). GET and HEAD actions and raw bodies cannot carry them (the validator reports each such action; set apply_auth to false on it or place the credential elsewhere), and a body that renders no JSON object (a body_template, or a body that is just `{{ input.x }}`) is refused at request time with a ConfigurationError naming this field. A body carrying these fields is never re-sent to another origin by a redirect.
   */
  body?: {
    [k: string]: string | undefined;
  };
}
/**
 * Which action responses mean the token has expired: they trigger one refresh and one replay. A 401 with `WWW-Authenticate: Bearer error="invalid_token"` always counts.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "expired_when".
 */
export interface ExpiredTokenSignal {
  /**
   * Response statuses that mean expired.
   *
   * @maxItems 20
   */
  statuses?:
    | []
    | [number]
    | [number, number]
    | [number, number, number]
    | [number, number, number, number]
    | [number, number, number, number, number]
    | [number, number, number, number, number, number]
    | [number, number, number, number, number, number, number]
    | [number, number, number, number, number, number, number, number]
    | [number, number, number, number, number, number, number, number, number]
    | [number, number, number, number, number, number, number, number, number, number]
    | [number, number, number, number, number, number, number, number, number, number, number]
    | [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number
      ]
    | [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number
      ]
    | [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number
      ]
    | [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number
      ]
    | [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number
      ]
    | [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number
      ]
    | [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number
      ]
    | [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number
      ]
    | [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number
      ];
  body_path?: JSONPath;
  /**
   * Values at body_path that mean expired.
   *
   * @minItems 1
   * @maxItems 50
   */
  body_values?: [string | number | boolean, ...(string | number | boolean)[]];
}
/**
 * A credential the manifest computes over each outgoing request, with no token: headers and query parameters rendered for every hop that goes out (each retry, each same-origin redirect hop), after the request is fully built. Their templates see the hop as `request`: method (upper case), scheme, host (lower case, with a non-default port), hostname, path (as sent), query (as sent, no `?`), canonical_query and canonical_form (the query's or a form body's parameters sorted by name then value, RFC 3986-encoded, joined with `&`), body (the bytes sent, as UTF-8 text), body_sha256 and body_sha512 (hex), timestamp (epoch seconds), timestamp_ms, date (IMF-fixdate), iso8601 (`2023-11-14T22:13:20Z`; other forms with `{{ request.timestamp | strftime: '%Y%m%dT%H%M%SZ' }}`), nonce (16 random bytes, hex, one per hop). `now` is the hop's timestamp. A streamed body cannot be signed (the action must send bytes or set apply_auth false).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_request_signature".
 */
export interface AuthRequestSignature {
  /**
   * Credentials computed over each request by templates.
   */
  type: 'request_signature';
  /**
   * Header name → Liquid template of its value, rendered per hop; a value that renders empty is not sent. These headers carry credentials: never sent to another origin, masked when printed. Scope: credentials, env, request.
   */
  headers: {
    [k: string]: string | undefined;
  };
  /**
   * Query parameter name → Liquid template of its value, rendered per hop and appended to the query as sent (the parameters already there keep their exact encoding). Masked when printed. Scope: credentials, env, request.
   */
  query?: {
    [k: string]: string | undefined;
  };
}
/**
 * AWS Signature Version 4 on every request (signed by @smithy/signature-v4, the AWS SDK's signer): every hop that goes out — each retry, each same-origin redirect hop — gets Host, X-Amz-Date, the session token when there is one, X-Amz-Content-SHA256 when content_sha256_header is set, and the Authorization header over them and the exact body. No token request. A streamed body cannot be signed (the action must send bytes).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_aws_sigv4".
 */
export interface AuthAwsSigv4 {
  /**
   * AWS Signature Version 4.
   */
  type: 'aws_sigv4';
  /**
   * The access key id. Liquid template. Scope: credentials, env.
   */
  access_key_id: string;
  /**
   * The secret access key (only ever used to sign; never sent). Liquid template. Scope: credentials, env.
   */
  secret_access_key: string;
  /**
   * Temporary credentials' session token, sent as X-Amz-Security-Token; an empty rendering sends none. Liquid template. Scope: credentials, env.
   */
  session_token?: string;
  /**
   * The signing region. Liquid template. Scope: credentials, env.
   */
  region: string;
  /**
   * The signing name of the service. Liquid template. Scope: credentials, env.
   */
  service: string;
  /**
   * Whether the canonical URI escapes the (already escaped) path once more: true for every AWS service but S3, false for S3 and S3-compatible stores.
   */
  uri_escape_path?: boolean;
  /**
   * Send the hex SHA-256 of the body as X-Amz-Content-SHA256 (S3 requires it).
   */
  content_sha256_header?: boolean;
}
export interface AuthOauth1 {
  /**
   * OAuth 1.0a.
   */
  type: 'oauth1';
  /**
   * The client's (consumer's) key. Liquid template. Scope: credentials, env.
   */
  consumer_key: string;
  /**
   * The consumer secret (not used by RSA-SHA1). Liquid template. Scope: credentials, env.
   */
  consumer_secret?: string;
  /**
   * The access token (oauth_token); leave out for two-legged requests. Liquid template. Scope: credentials, env.
   */
  token?: string;
  /**
   * The access token's secret. Liquid template. Scope: credentials, env.
   */
  token_secret?: string;
  /**
   * HMAC-SHA256 for NetSuite; RSA-SHA1 signs with private_key; PLAINTEXT only over TLS.
   */
  signature_method?: 'HMAC-SHA1' | 'HMAC-SHA256' | 'RSA-SHA1' | 'PLAINTEXT';
  /**
   * RSA-SHA1 only: the consumer's PEM RSA private key. Liquid template. Scope: credentials, env.
   */
  private_key?: string;
  /**
   * The Authorization header's realm (NetSuite: the account id, upper case, `_SB1` for a sandbox). Liquid template. Scope: credentials, env.
   */
  realm?: string;
  /**
   * The oauth_* parameters in the Authorization header (default) or appended to the query.
   */
  placement?: 'header' | 'query';
  /**
   * The RFC 5849 §2 flow that obtains the user's token: connection.authorizationUrl() POSTs the temporary-credentials request (consumer-signed, with oauth_callback) and returns the authorize URL; connection.completeAuthorization(callback) checks the callback's oauth_token, POSTs the token request (with oauth_verifier) and stores the access token and its secret; `connector login` runs both. With this block the token and its secret come from the stored record: token and token_secret must be left out. Endpoints must be https unless the host allows plain http (connect's allowInsecureHttp, CLI --allow-insecure-http).
   */
  authorization?: {
    /**
     * POSTed, signed with the consumer key and secret and oauth_callback; answers oauth_token, oauth_token_secret and oauth_callback_confirmed=true (form-encoded). Liquid template. Scope: credentials, env.
     */
    request_token_url: string;
    /**
     * Where the user is sent, with ?oauth_token=<temporary token> and authorize_params. Liquid template. Scope: credentials, env.
     */
    authorize_url: string;
    /**
     * POSTed, signed with the consumer and the temporary token (and its secret) and oauth_verifier; answers the access oauth_token and oauth_token_secret (form-encoded). A 401 is a refusal of the grant; a 404 a wrong URL. Liquid template. Scope: credentials, env.
     */
    access_token_url: string;
    /**
     * The oauth_callback the provider sends the user back to with oauth_token and oauth_verifier (for `connector login`: a loopback http://127.0.0.1:PORT/path). Liquid template. Scope: credentials, env.
     */
    callback_url: string;
    /**
     * Query parameter → template added to the authorize URL (Trello: name, scope, expiration). Scope: credentials, env.
     */
    authorize_params?: {
      [k: string]: string | undefined;
    };
    /**
     * Parameters of the token answer to keep in the record as auth.extras.<name> besides the token (X: user_id, screen_name). The token secret is kept as auth.extras.oauth_token_secret.
     *
     * @maxItems 20
     */
    extras?:
      | []
      | [string]
      | [string, string]
      | [string, string, string]
      | [string, string, string, string]
      | [string, string, string, string, string]
      | [string, string, string, string, string, string]
      | [string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string, string, string, string]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ];
  };
}
/**
 * Locoia's refreshable token: credentials are sent to an authorization endpoint; the access token is taken from the body (JSONPath), a response header or a Set-Cookie; an optional separate refresh request renews it. Field names are Locoia's.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_refreshable_token".
 */
export interface AuthRefreshableToken {
  /**
   * Refreshable token.
   */
  type: 'refreshable_token';
  /**
   * Liquid template of the URL of the initial token request. Scope: credentials, env, now.
   */
  authorization_request_url: string;
  /**
   * HTTP method of the initial token request (default POST).
   */
  authorization_request_method?: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /**
   * Liquid template of the body; "" for no body. Encode values with `| json` in JSON bodies and `| url_encode` in form bodies. Scope: credentials, env, now.
   */
  authorization_request_body_template: string | null;
  authorization_request_headers: TokenRequestHeaders;
  /**
   * JSONPath to the access token in the JSON body (`access_token` means `$.access_token`).
   */
  response_access_token_path?: string | null;
  /**
   * Name of the response header holding the access token, when it is not in the body.
   */
  response_access_token_path_in_header?: string | null;
  /**
   * A string unique to the Set-Cookie holding the access token (matched against cookie names first, then the whole Set-Cookie line); that cookie's value is the token.
   */
  response_access_token_path_in_cookie?: string | null;
  /**
   * JSONPath to the refresh token. Required with a separate refresh endpoint.
   */
  response_refresh_token_path?: string | null;
  /**
   * Liquid template of the URL of the refresh request. Without it, an expired token is renewed by the authorization request. Scope: credentials, auth, env, now.
   */
  refresh_request_url?: string | null;
  /**
   * HTTP method of the refresh request (default POST).
   */
  refresh_request_method?: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /**
   * Liquid template of the refresh body; "" for no body. Scope: credentials, auth, env, now.
   */
  refresh_request_body_template?: string | null;
  refresh_request_headers?: TokenRequestHeaders;
  /**
   * JSONPath to the access token in the refresh response; falls back to response_access_token_path.
   */
  refresh_response_access_token_path?: string | null;
  /**
   * JSONPath to the rotated refresh token in the refresh response; falls back to response_refresh_token_path. A missing one keeps the old refresh token.
   */
  refresh_response_refresh_token_path?: string | null;
  refresh_token_rotation?: RefreshTokenRotation;
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
  extras?: ExtraValues;
  refusal_statuses?: StatusesThatMeanTheCredentialsWereRefused;
}
/**
 * Header name → Liquid template of its value. A header whose value renders empty is not sent.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "request_headers".
 */
export interface RequestHeaders {
  [k: string]: string | undefined;
}
/**
 * Where the token's expiry comes from, tried in this order: expires_in_path, expires_at_path, the cookie's Max-Age/Expires, the JWT `exp` claim, default_lifetime_seconds. Without any, the token is used until a response says it expired.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "expiry".
 */
export interface TokenExpiry {
  expires_in_path?: JSONPath;
  /**
   * The unit of a numeric lifetime at expires_in_path: `seconds` (RFC 6749 §5.1), `milliseconds` for providers that send expires_in in ms, or `minutes` for session logins that state their timeout in minutes (SAP Business One's SessionTimeout). Duration strings carry their own units.
   */
  expires_in_unit?: 'seconds' | 'milliseconds' | 'minutes';
  expires_at_path?: JSONPath;
  /**
   * How the value at expires_at_path is written.
   */
  expires_at_format?: 'iso8601' | 'unix_seconds' | 'unix_milliseconds' | 'http_date';
  /**
   * Read the `exp` claim when the access token is a JWT.
   */
  from_jwt?: boolean;
  /**
   * Use the Max-Age/Expires of the cookie the token came from.
   */
  from_cookie?: boolean;
  /**
   * Lifetime assumed when the response says nothing.
   */
  default_lifetime_seconds?: number;
  /**
   * Refresh this long before expiry (never more than half the token's lifetime).
   */
  refresh_margin_seconds?: number;
}
/**
 * Name → JSONPath of further values to keep from the token response (available as `auth.extras.<name>`).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "token_extras".
 */
export interface ExtraValues {
  [k: string]: JSONPath | undefined;
}
export interface AuthOauth2Password {
  /**
   * OAuth 2.0 password grant.
   */
  type: 'oauth2_password';
  /**
   * Liquid template of the token endpoint URL. Scope: credentials, env.
   */
  token_url: string;
  /**
   * Liquid template of the RFC 7009 revocation endpoint: connection.revoke() sends the refresh token (or the access token) there with the client's authentication, then forgets the tokens. Scope: credentials, env.
   */
  revocation_url?: string;
  /**
   * Liquid template. Scope: credentials, env.
   */
  username: string;
  /**
   * Liquid template. Scope: credentials, env.
   */
  password: string;
  /**
   * Liquid template. Scope: credentials, env.
   */
  client_id?: string;
  /**
   * Liquid template. Scope: credentials, env.
   */
  client_secret?: string;
  client_auth?: ClientAuthentication;
  client_assertion?: ClientAssertion;
  token_request_format?: TokenRequestFormat;
  /**
   * Space-separated scopes. Scope: credentials, env.
   */
  scope?: string;
  params?: ExtraTokenParameters;
  token_response?: GrantTokenResponse;
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
  extras?: ExtraValues;
  allow_insecure_http?: AllowAPlainHttpTokenEndpoint;
}
/**
 * The key of a private_key_jwt client assertion (RFC 7523 §2.2), or the algorithm of a client_secret_jwt one.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "client_assertion".
 */
export interface ClientAssertion {
  /**
   * Default RS256 for private_key_jwt, HS256 for client_secret_jwt.
   */
  algorithm?:
    | 'RS256'
    | 'RS384'
    | 'RS512'
    | 'PS256'
    | 'PS384'
    | 'PS512'
    | 'ES256'
    | 'ES384'
    | 'ES512'
    | 'EdDSA'
    | 'HS256'
    | 'HS384'
    | 'HS512';
  /**
   * private_key_jwt: the client's private key (PEM or a JWK's JSON text); client_secret_jwt signs with client_secret and takes no key. Scope: credentials, env.
   */
  key?: string;
  key_format?: 'pem' | 'jwk';
  /**
   * The header's kid: which of the client's registered keys signed. Scope: credentials, env.
   */
  key_id?: string;
  /**
   * aud, when the server wants its issuer identifier rather than the token URL (default). Scope: credentials, env.
   */
  audience?: string;
  lifetime_seconds?: number;
}
/**
 * Further form parameters of the token request: name → Liquid template. Scope: credentials, env.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "token_params".
 */
export interface ExtraTokenParameters {
  [k: string]: string | undefined;
}
/**
 * Where the token answer of a standard grant keeps the tokens, and whether it must say their type. Defaults follow RFC 6749 §5.1.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "oauth_grant_token_response".
 */
export interface GrantTokenResponse {
  access_token_path?: JSONPath;
  refresh_token_path?: JSONPath;
  refresh_token_rotation?: RefreshTokenRotation;
  /**
   * An answer without a top-level `token_type` is refused (RFC 6749 §5.1 requires it) with a TokenResponseError naming this field. Set false for providers that leave it out. Either way, a token_type that is sent must match the scheme apply sends the token with (RFC 6749 §7.1).
   */
  token_type_required?: boolean;
  /**
   * The token_type the answer must carry (compared case-insensitively) when it is not the scheme apply sends the token with: Zoho answers "Bearer" for tokens sent as `Authorization: Zoho-oauthtoken …`. Default: that scheme (RFC 6749 §7.1).
   */
  token_type?: string;
  /**
   * OAuth error codes, besides RFC 6749's invalid_grant, invalid_client, unauthorized_client and access_denied, that mean this provider refused the grant — whatever the status, since some answer 200: Zoho's `{"error": "invalid_code"}` for a spent code or a revoked refresh token. Such an answer marks the connection as needing re-authorization instead of being reported as a broken request.
   *
   * @minItems 1
   * @maxItems 10
   */
  refusal_errors?:
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string];
}
export interface AuthOauth2ClientCredentials {
  /**
   * OAuth 2.0 client credentials grant.
   */
  type: 'oauth2_client_credentials';
  /**
   * Liquid template of the token endpoint URL. Scope: credentials, env.
   */
  token_url: string;
  /**
   * Liquid template of the RFC 7009 revocation endpoint: connection.revoke() sends the refresh token (or the access token) there with the client's authentication, then forgets the tokens. Scope: credentials, env.
   */
  revocation_url?: string;
  /**
   * Liquid template. Scope: credentials, env.
   */
  client_id: string;
  /**
   * Liquid template. Scope: credentials, env.
   */
  client_secret?: string;
  client_auth?: ClientAuthentication;
  client_assertion?: ClientAssertion;
  token_request_format?: TokenRequestFormat;
  /**
   * Space-separated scopes. Scope: credentials, env.
   */
  scope?: string;
  params?: ExtraTokenParameters;
  token_response?: GrantTokenResponse;
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
  extras?: ExtraValues;
  allow_insecure_http?: AllowAPlainHttpTokenEndpoint;
}
export interface AuthOauth2AuthorizationCode {
  /**
   * OAuth 2.0 authorization code grant.
   */
  type: 'oauth2_authorization_code';
  /**
   * Liquid template of the URL the user is sent to. Scope: credentials, env.
   */
  authorization_url: string;
  /**
   * Liquid template. Scope: credentials, env, and auth.extras.<name> of a callback value with host_patterns (Zoho's accounts server: `{{ auth.extras.accounts_server }}/oauth/v2/token`), read from the callback for the code exchange and from the token record for refreshes.
   */
  token_url: string;
  /**
   * Liquid template of the RFC 7009 revocation endpoint: connection.revoke() sends the refresh token (or the access token) there with the client's authentication, then forgets the tokens. Scope: credentials, env, and auth.extras.<name> of a callback value with host_patterns.
   */
  revocation_url?: string;
  /**
   * Liquid template (dev and live apps come from the environment's credentials). Scope: credentials, env.
   */
  client_id: string;
  /**
   * Liquid template; leave out for public clients. Scope: credentials, env.
   */
  client_secret?: string;
  client_auth?: ClientAuthentication;
  client_assertion?: ClientAssertion;
  token_request_format?: TokenRequestFormat;
  /**
   * Liquid template of the registered redirect URI. Scope: credentials, env.
   */
  redirect_uri: string;
  /**
   * Space-separated scopes. Scope: credentials, env.
   */
  scope?: string;
  /**
   * Liquid template of the authorization server's issuer identifier (RFC 8414 `issuer`, as its /.well-known/oauth-authorization-server or openid-configuration metadata gives it). When set, an `iss` parameter on the authorization callback must equal it exactly, else the callback is refused before the code is exchanged (RFC 9207 mix-up protection). Scope: credentials, env.
   */
  issuer?: string;
  /**
   * The authorization server's metadata says `authorization_response_iss_parameter_supported: true` (RFC 9207 §3, RFC 8414): it adds `iss` to every authorization response, so a callback without it is refused as a possible mix-up. Needs issuer.
   */
  authorization_response_iss_parameter_supported?: boolean;
  /**
   * Use PKCE with S256 (RFC 7636). Turn off only for servers that reject it.
   */
  pkce?: boolean;
  authorization_params?: ExtraTokenParameters;
  callback_values?: CallbackValues;
  params?: ExtraTokenParameters;
  token_response?: GrantTokenResponse;
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
  extras?: ExtraValues;
  allow_insecure_http?: AllowAPlainHttpTokenEndpoint;
}
/**
 * Parameters of the authorization callback besides code and state by which the provider says where the user's account lives (Zoho's accounts-server and location, QuickBooks' realmId). Each is read with the rest of the callback, before its state is spent, and kept in the token record as auth.extras.<name>: usable in token_url and revocation_url (then it needs host_patterns), in base_url (with allowed_host_patterns), in apply and in actions. Stored as plain configuration: a callback value is never a secret.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "callback_values".
 */
export interface CallbackValues {
  [k: string]: CallbackValue | undefined;
}
/**
 * One parameter of the authorization callback kept as auth.extras.<name>.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "callback_value".
 */
export interface CallbackValue {
  /**
   * Name of the callback's query parameter, exactly as the provider sends it. It must appear at most once.
   */
  param: string;
  /**
   * The value is a URL a server chose: its host must match one of these patterns (syntax as allowed_host_patterns: `*.example.com`, `accounts.zoho.{com,eu}`) when the callback arrives and whenever a stored copy is reused, before the code, a client secret or a token is sent there. A templated pattern that renders empty allows nothing. Scope: credentials, env.
   *
   * @minItems 1
   * @maxItems 20
   */
  host_patterns?:
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ];
  /**
   * A callback without this parameter is accepted (the value is then absent); by default it is refused.
   */
  optional?: boolean;
}
/**
 * A token request that fits no standard grant: your URL, headers and JSON (or form) body.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_oauth2_custom_token".
 */
export interface AuthOAuth2CustomToken {
  /**
   * Custom token request.
   */
  type: 'oauth2_custom_token';
  /**
   * Liquid template. Scope: credentials, env, now.
   */
  token_url: string;
  /**
   * HTTP method of the token request.
   */
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH';
  headers?: RequestHeaders;
  /**
   * JSON body of the token request; every string in it is a Liquid template, and a string that is just `{{ x }}` keeps x's JSON type. Scope: credentials, env, now.
   */
  body: {
    [k: string]: unknown | undefined;
  };
  /**
   * JSON or form-urlencoded.
   */
  body_format?: 'json' | 'form';
  token_response?: TokenResponsePaths;
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
  extras?: ExtraValues;
  refusal_statuses?: StatusesThatMeanTheCredentialsWereRefused;
}
/**
 * Where the token response keeps the tokens.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "oauth_token_paths".
 */
export interface TokenResponsePaths {
  access_token_path?: JSONPath;
  refresh_token_path?: JSONPath;
}
/**
 * JWT bearer grant (RFC 7523), service-account style: an assertion (RS256 unless `algorithm` says otherwise) signed with the private key is exchanged for an access token.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_jwt_bearer".
 */
export interface AuthJwtBearer {
  /**
   * JWT bearer grant.
   */
  type: 'jwt_bearer';
  /**
   * Liquid template; also the default audience. Scope: credentials, env.
   */
  token_url: string;
  /**
   * Liquid template of the RFC 7009 revocation endpoint: connection.revoke() sends the refresh token (or the access token) there with the client's authentication, then forgets the tokens. Scope: credentials, env.
   */
  revocation_url?: string;
  /**
   * Usually the service account's email. Scope: credentials, env.
   */
  issuer: string;
  /**
   * The user impersonated; default the issuer. Scope: credentials, env.
   */
  subject?: string;
  /**
   * Default the token endpoint URL. Scope: credentials, env.
   */
  audience?: string;
  /**
   * Space-separated scopes, sent as the `scope` claim. Scope: credentials, env.
   */
  scope?: string;
  /**
   * How the assertion is signed; RS256 (Google, Salesforce) unless the provider documents another.
   */
  algorithm?:
    | 'RS256'
    | 'RS384'
    | 'RS512'
    | 'PS256'
    | 'PS384'
    | 'PS512'
    | 'ES256'
    | 'ES384'
    | 'ES512'
    | 'EdDSA';
  /**
   * PEM RSA private key (PKCS#1 or PKCS#8); literal `\n` sequences are accepted. Scope: credentials, env.
   */
  private_key: string;
  /**
   * Sent in the JWT header. Scope: credentials, env.
   */
  key_id?: string;
  /**
   * exp − iat of the assertion (providers cap it at one hour).
   */
  lifetime_seconds?: number;
  params?: ExtraTokenParameters;
  token_response?: TokenResponsePaths;
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
  extras?: ExtraValues;
  allow_insecure_http?: AllowAPlainHttpTokenEndpoint;
}
/**
 * A JWT signed locally is the API credential itself, with no token request (App Store Connect, Ghost Admin, Snowflake key-pair): signed when first needed, kept until shortly before its exp, then signed again — once for every concurrent caller, as any token is renewed.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_jwt".
 */
export interface AuthJwt {
  /**
   * A locally signed JWT.
   */
  type: 'jwt';
  signing: JwtSigning;
  apply?: TokenPlacement;
  /**
   * When to sign again.
   */
  expiry?: {
    /**
     * Sign a new JWT this long before exp (never more than half its lifetime).
     */
    refresh_margin_seconds?: number;
  };
  expired_when?: ExpiredTokenSignal;
}
/**
 * How a JWT is signed locally (jose): algorithm, key, header and claims. `iat` is the signing time and `exp` iat + lifetime_seconds unless the claims give them.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "jwt_signing".
 */
export interface JwtSigning {
  /**
   * JWS algorithm: RSA (RS*), RSA-PSS (PS*), ECDSA (ES256 P-256, ES384 P-384, ES512 P-521), EdDSA (Ed25519), HMAC (HS*).
   */
  algorithm:
    | 'RS256'
    | 'RS384'
    | 'RS512'
    | 'PS256'
    | 'PS384'
    | 'PS512'
    | 'ES256'
    | 'ES384'
    | 'ES512'
    | 'EdDSA'
    | 'HS256'
    | 'HS384'
    | 'HS512';
  /**
   * Liquid template of the signing key: a PEM private key (PKCS#8, PKCS#1 or SEC1; literal `\n` line breaks are accepted), a private JWK's JSON text, or an HMAC secret — often a part of a credential (`{{ credentials.admin_api_key | split: ':' | last }}`). Scope: credentials, env.
   */
  key: string;
  /**
   * How the key is written; default pem for asymmetric algorithms, text (UTF-8 bytes) for HS*. hex, base64 and base64url are HMAC secrets in that encoding (Ghost's Admin API secret is hex).
   */
  key_format?: 'pem' | 'jwk' | 'text' | 'hex' | 'base64' | 'base64url';
  /**
   * Protected header fields besides alg (kid, typ — default JWT —, x5t…), as Liquid templates; a field that renders empty is left out. Scope: credentials, env.
   */
  header?: {
    [k: string]: string | undefined;
  };
  /**
   * The payload: JSON whose strings are Liquid templates (a string that is just `{{ x }}` keeps x's JSON type; arrays and nested objects allowed). iat and exp are added unless given. Scope: credentials, env, now.
   */
  claims?: {};
  /**
   * exp = iat + this, unless claims.exp is given. A JWT used as the credential is re-signed shortly before it (the expiry block's margin, at most half the lifetime).
   */
  lifetime_seconds?: number;
}
/**
 * A token obtained by a chain of named requests: discovery (an identity service, OpenID configuration), logins, token exchanges, in order; each step's values are available to later steps as `steps.<step>.<value>`. `token` says which values make the token record, `refresh` how it is renewed with a refresh token; kept steps (`keep: true`) are not repeated by renewals. Token requests never follow redirects, carry the shared headers and pass the SSRF guard.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_token_chain".
 */
export interface AuthTokenChain {
  /**
   * Token chain.
   */
  type: 'token_chain';
  /**
   * The requests that obtain the token, in order; names unique.
   *
   * @minItems 1
   * @maxItems 10
   */
  steps:
    | [ChainStep]
    | [ChainStep, ChainStep]
    | [ChainStep, ChainStep, ChainStep]
    | [ChainStep, ChainStep, ChainStep, ChainStep]
    | [ChainStep, ChainStep, ChainStep, ChainStep, ChainStep]
    | [ChainStep, ChainStep, ChainStep, ChainStep, ChainStep, ChainStep]
    | [ChainStep, ChainStep, ChainStep, ChainStep, ChainStep, ChainStep, ChainStep]
    | [ChainStep, ChainStep, ChainStep, ChainStep, ChainStep, ChainStep, ChainStep, ChainStep]
    | [
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep
      ]
    | [
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep,
        ChainStep
      ];
  token: ChainToken;
  refresh?: ChainRefresh;
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
}
/**
 * One request of a token chain: method, templated URL, headers and body, and the values it takes from its answer. An answer is judged as a token endpoint's is: a refusal of the credentials (refusal_statuses, RFC 6749 invalid_grant …) is the only failure that asks for re-authorization; a redirect, 404, 405 or other 4xx is a ConfigurationError naming this step's fields; 5xx, 429 and network failures are transient.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "chain_step".
 */
export interface ChainStep {
  name: StepName;
  /**
   * HTTP method of this step's request. A GET is sent without a body.
   */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /**
   * Liquid template of the URL of this step's request; it may use the values of the steps before this one, as `steps.<step>.<value>`. Never followed when it answers a redirect (a ConfigurationError naming this field), and the SSRF guard applies. Scope: credentials, env, now, steps.
   */
  url: string;
  headers?: RequestHeaders;
  /**
   * The request body, by body_format: for json and form, JSON whose strings are Liquid templates (a string that is just `{{ x }}` keeps x's JSON type; form fields that render null are left out); for raw, one Liquid template string sent as it renders (XML, SOAP: set its Content-Type in headers; default text/plain). Scope: credentials, env, now, steps.
   */
  body?: {} | unknown[] | string;
  body_format?: StepBodyFormat;
  refusal_statuses?: StatusesThatMeanTheCredentialsWereRefused;
  refused_when?: RefusedWhen;
  /**
   * A discovery step: its values are stored in the token record (extras.steps.<step>) and a renewal does not repeat it. When a later step that uses one of its values fails with a configuration error (a redirect, 404, 405, a malformed-request answer), a network failure or a host-pattern refusal — or a stored value no longer matches its host_patterns — the kept steps run again once and the chain is retried; a second failure is thrown as it is. Values of a kept step must be `"secret": false`: they are stored as plain configuration.
   */
  keep?: boolean;
  values?: StepValues;
}
/**
 * A successful (2xx) answer that nevertheless means the provider refused the credentials — Sage Intacct answers a wrong password with 200 and <authentication><status>failure</status>: when the value at this place is one of `values`, the step fails as a refused credential (the connection needs re-authorization) instead of as a malformed answer. Checked before the step's values are read.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "chain_refused_when".
 */
export interface RefusedWhen {
  json?: JSONPath;
  /**
   * Slash path into an XML answer, as a value's xml.
   */
  xml?: string;
  header?: HeaderName;
  /**
   * The values that mean refused (compared as text).
   *
   * @minItems 1
   * @maxItems 20
   */
  values:
    | [string | number | boolean]
    | [string | number | boolean, string | number | boolean]
    | [string | number | boolean, string | number | boolean, string | number | boolean]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ]
    | [
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean,
        string | number | boolean
      ];
}
/**
 * Value name → where the step's answer holds it.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "chain_values".
 */
export interface StepValues {
  [k: string]: ChainValue | undefined;
}
/**
 * One value a step takes from its answer: exactly one of json, header, cookie, xml or text. Secret unless `"secret": false`: registered with the connection's redactor as it is read, so it is masked in every error, event and log. A value the answer lacks is a TokenResponseError naming this field, unless it is optional. Strings, numbers and booleans are taken as they are; an object or array is refused.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "chain_value".
 */
export interface ChainValue {
  json?: JSONPath;
  header?: HeaderName;
  /**
   * Name of a cookie the answer sets (exact, case-sensitive); its value. Every cookie a step sets is kept in the connection's cookie jar, as a login's cookies are: sent on later steps of the run and on actions whose URL it matches.
   */
  cookie?: string;
  /**
   * Slash path into an XML answer (no entity expansion, depth and size capped; namespace prefixes ignored): `/a/b`, `//name`, `/a/@attribute`, `*` for any element.
   */
  xml?: string;
  /**
   * The whole answer body as text (for endpoints that answer just the token).
   */
  text?: true;
  /**
   * False for values that are configuration, not credentials (discovered URLs, a Salesforce instance_url, a lifetime): they may be stored as plain configuration and show in messages. Values of kept steps and token extras must be false.
   */
  secret?: boolean;
  /**
   * The answer may lack it (a refresh answer that does not rotate the refresh token): then it is null in templates and absent from the token. The access token's value cannot be optional.
   */
  optional?: boolean;
  /**
   * The value is a URL a server chose (a discovered endpoint, an instance URL): its host must match one of these patterns (sdk/manifest/host-pattern.ts syntax: `*.example.com`, `**.example.com`, `api.{eu,com}.example`, `host:port`), checked the moment it is read, before any request goes there; otherwise a HostNotAllowedError names the step, the value and the patterns. Each pattern is a Liquid template over credentials and env. A stored (kept) value is checked again each time it is reused.
   *
   * @minItems 1
   * @maxItems 20
   */
  host_patterns?:
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string, string]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ]
    | [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string
      ];
}
/**
 * Which step values make the token record, each written `<step>.<value>`. The expiry is read from expires_in (a lifetime: seconds unless expiry.expires_in_unit says otherwise, or a duration string) or expires_at (expiry.expires_at_format), else as the expiry block says (cookie, JWT exp, default lifetime).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "chain_token".
 */
export interface ChainToken {
  /**
   * The value that is the access token (`auth.access_token`). A cookie value makes the token a cookie: the jar sends it, and no Authorization header is added by default.
   */
  access_token: string;
  /**
   * The value that is the refresh token (`auth.refresh_token`); with a refresh block, renewals run its steps while there is one. An absent value keeps the refresh token the record has (RFC 6749 §6).
   */
  refresh_token?: string;
  /**
   * The value holding the token's lifetime.
   */
  expires_in?: string;
  /**
   * The value holding the token's absolute expiry.
   */
  expires_at?: string;
  /**
   * Name → `<step>.<value>` kept in the token record as `auth.extras.<name>` (a Salesforce instance_url, a Zoho api_domain), usable in apply and in base_url. Stored as plain configuration, so each must name a value marked `"secret": false`. `steps` is reserved (the kept steps' values).
   */
  extras?: {
    /**
     * The step value kept under this name.
     */
    [k: string]: string | undefined;
  };
}
/**
 * How a token chain renews with its refresh token: these steps run (using kept steps' values and `auth`, the record being renewed), and `token` says which of their values make the renewed record (extras not named are kept). Without a refresh token, or when the refresh is refused, the chain runs again (its kept steps aside).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "chain_refresh".
 */
export interface ChainRefresh {
  /**
   * The refresh requests, in order.
   *
   * @minItems 1
   * @maxItems 10
   */
  steps:
    | [ChainRefreshStep]
    | [ChainRefreshStep, ChainRefreshStep]
    | [ChainRefreshStep, ChainRefreshStep, ChainRefreshStep]
    | [ChainRefreshStep, ChainRefreshStep, ChainRefreshStep, ChainRefreshStep]
    | [ChainRefreshStep, ChainRefreshStep, ChainRefreshStep, ChainRefreshStep, ChainRefreshStep]
    | [
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep
      ]
    | [
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep
      ]
    | [
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep
      ]
    | [
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep
      ]
    | [
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep,
        ChainRefreshStep
      ];
  token: ChainToken;
  refresh_token_rotation?: RefreshTokenRotation;
}
/**
 * One request of a token chain's refresh: like a step of `steps` (no keep), and its templates also see `auth`, the record being renewed (auth.refresh_token, auth.extras.<name>).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "chain_refresh_step".
 */
export interface ChainRefreshStep {
  name: StepName;
  /**
   * HTTP method of this step's request. A GET is sent without a body.
   */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /**
   * Liquid template of the URL of this step's request; it may use the values of kept steps (`keep: true`) and of the refresh steps before this one, as `steps.<step>.<value>`. Never followed when it answers a redirect (a ConfigurationError naming this field), and the SSRF guard applies. Scope: credentials, auth (the record being renewed), env, now, steps.
   */
  url: string;
  headers?: RequestHeaders;
  /**
   * The request body, by body_format: for json and form, JSON whose strings are Liquid templates (a string that is just `{{ x }}` keeps x's JSON type; form fields that render null are left out); for raw, one Liquid template string sent as it renders (XML, SOAP: set its Content-Type in headers; default text/plain). Scope: credentials, auth (the record being renewed), env, now, steps.
   */
  body?: {} | unknown[] | string;
  body_format?: StepBodyFormat;
  refusal_statuses?: StatusesThatMeanTheCredentialsWereRefused;
  refused_when?: RefusedWhen;
  values?: StepValues;
}
/**
 * A client certificate presented on every TLS connection of the connection (mutual TLS). Combines with any auth type. Values are Liquid templates rendering PEM text. Scope: credentials, env.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "client_certificate".
 */
export interface ClientTLSCertificate {
  /**
   * PEM certificate (chain).
   */
  cert: string;
  /**
   * PEM private key of the certificate.
   */
  key: string;
  /**
   * Passphrase of an encrypted key.
   */
  passphrase?: string;
  /**
   * PEM CA bundle trusted for the server, when it is not publicly trusted.
   */
  ca?: string;
}
/**
 * The API's request budget, enforced by waiting (never by failing): at most `requests` sends in any `per_seconds` window (a sliding window). The budget is shared by every connection and every process that uses the same token store (Redis and PostgreSQL atomically, on the server's clock; a memory or file store, or none, within one process). A 429 without Retry-After waits for the budget's next slot.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "rate_limit".
 */
export interface RateLimit {
  /**
   * Requests allowed per window.
   */
  requests: number;
  /**
   * Window length in seconds.
   */
  per_seconds: number;
  /**
   * Who shares one budget: `connection` (each connection id its own, the default), `account` (every connection whose rendered `key` is the same: an API that limits per account or API user, whichever connection ids use it) or `connector` (every connection of the connector: one limit for the whole integration).
   */
  scope?: 'connection' | 'account' | 'connector';
  /**
   * Liquid template naming the account whose budget a connection uses; required with scope `account` and refused otherwise. Scope: credentials, env. The rendered key is hashed (SHA-256) before it names anything in a store, so a credential may be used.
   */
  key?: string;
}
/**
 * Retries of failed action requests: 429 and 503 honour Retry-After; other 5xx and connection resets retry with exponential backoff and jitter, for idempotent methods only.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "retry".
 */
export interface RetryPolicy {
  /**
   * Attempts in all, the first included.
   */
  max_attempts?: number;
  /**
   * No retry starts after this many seconds.
   */
  max_elapsed_seconds?: number;
  /**
   * Backoff before the first retry; doubled each time, with jitter.
   */
  base_delay_ms?: number;
}
/**
 * Per-request timeouts and the largest response accepted.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "timeouts".
 */
export interface TimeoutsAndLimits {
  /**
   * Milliseconds to establish a connection.
   */
  connect_ms?: number;
  /**
   * Milliseconds until the response headers arrive.
   */
  headers_ms?: number;
  /**
   * Milliseconds for the whole response body (a total deadline, not an idle time).
   */
  body_ms?: number;
  /**
   * Largest buffered response body in bytes; streamed downloads are not limited.
   */
  max_response_bytes?: number;
}
/**
 * One HTTP call. path, query, headers and body are Liquid templates. Scope: credentials, input, auth, env, now.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "action".
 */
export interface Action {
  /**
   * Human-readable name.
   */
  title?: string;
  /**
   * What the action does.
   */
  description?: string;
  /**
   * HTTP method.
   */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /**
   * Liquid template of the path, resolved against the base URL; an absolute URL only to the base URL's host or allowed_hosts. Scope: credentials, input, auth, env, now.
   */
  path: string;
  /**
   * Parameter → Liquid template; a parameter that renders empty is left out. Scope: credentials, input, auth, env, now.
   */
  query?: {
    [k: string]: string | undefined;
  };
  headers?: RequestHeaders;
  /**
   * Body as JSON: every string in it is a Liquid template, and a string that is just `{{ x }}` keeps x's JSON type. For form and multipart bodies, an object of fields. Scope: credentials, input, auth, env, now.
   */
  body?: {
    [k: string]: unknown | undefined;
  };
  /**
   * Body as one Liquid string, instead of body. Scope: credentials, input, auth, env, now.
   */
  body_template?: string;
  /**
   * How the body is encoded: JSON, form-urlencoded, multipart/form-data, or raw (body_template as is, or binary input).
   */
  body_format?: 'json' | 'form' | 'multipart' | 'raw';
  input?: DataSchema;
  output?: JSONPath;
  output_schema?: DataSchema;
  /**
   * How to read the response: parsed JSON, text, or a stream for downloads. Default: by Content-Type.
   */
  response_format?: 'json' | 'text' | 'binary';
  /**
   * Statuses that count as success (default any 2xx).
   *
   * @minItems 1
   * @maxItems 50
   */
  expected_status?: [number, ...number[]];
  /**
   * Add the auth type's token placement to this request. Turn off when the action places `{{ auth.access_token }}` itself.
   */
  apply_auth?: boolean;
  /**
   * Whether the request may be retried after a 5xx or reset; default true for GET, HEAD, PUT, DELETE.
   */
  idempotent?: boolean;
  pagination?: Pagination;
}
/**
 * The response carries the next page's cursor.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "pagination_cursor".
 */
export interface PaginationCursor {
  /**
   * Cursor pagination.
   */
  type: 'cursor';
  cursor_path: JSONPath;
  /**
   * Parameter that carries the cursor.
   */
  param: string;
  /**
   * Where the parameter goes.
   */
  in?: 'query' | 'body';
  /**
   * paginate() stops after this many pages.
   */
  max_pages?: number;
  results_path?: JSONPath;
}
/**
 * Offset and limit parameters; a short page ends the pages.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "pagination_offset".
 */
export interface PaginationOffset {
  /**
   * Offset pagination.
   */
  type: 'offset';
  /**
   * Query parameter of the offset.
   */
  offset_param: string;
  /**
   * Query parameter of the page size.
   */
  limit_param: string;
  /**
   * Items per page.
   */
  limit: number;
  /**
   * paginate() stops after this many pages.
   */
  max_pages?: number;
  results_path: JSONPath;
}
/**
 * A page number parameter; an empty or short page ends the pages.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "pagination_page".
 */
export interface PaginationPage {
  /**
   * Page-number pagination.
   */
  type: 'page';
  /**
   * Query parameter of the page number.
   */
  page_param: string;
  /**
   * Number of the first page.
   */
  start?: number;
  /**
   * Query parameter of the page size, if any.
   */
  size_param?: string;
  /**
   * Items per page; a shorter page is the last.
   */
  size?: number;
  /**
   * paginate() stops after this many pages.
   */
  max_pages?: number;
  results_path: JSONPath;
}
/**
 * The next page's URL is in the `Link: <…>; rel="next"` header (RFC 8288), and is requested as it is: its query is not built again from the action's query.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "pagination_link_header".
 */
export interface PaginationLinkHeader {
  /**
   * Link header pagination.
   */
  type: 'link_header';
  /**
   * paginate() stops after this many pages.
   */
  max_pages?: number;
}
/**
 * The page's body names the next page's URL (Salesforce's nextRecordsUrl, OData's @odata.nextLink, JSON:API's links.next): absolute, or a path resolved against the page's URL. The next request is that URL as it is — its query is not built again from the action's query — and, like every absolute URL, it may only go to the base URL's host or allowed_hosts, so credentials never follow a server to another host.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "pagination_next_url".
 */
export interface PaginationNextUrl {
  /**
   * Next-URL-in-the-body pagination.
   */
  type: 'next_url';
  next_url_path: JSONPath;
  results_path?: JSONPath;
  /**
   * paginate() stops after this many pages.
   */
  max_pages?: number;
}
/**
 * One offline run for `connector test`: a new connection (memory token store, virtual clock from 2026-01-01T00:00:00Z) whose every request goes to a local server answering with `responses`, whatever host it names; the steps run in order, then `expect` is checked. Each call must succeed unless its step says `expect_error`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "test_scenario".
 */
export interface TestScenario {
  /**
   * Unique name of the scenario, shown in the report and picked by `connector test --scenario <name>`.
   */
  name: string;
  /**
   * What the scenario proves.
   */
  description?: string;
  /**
   * The credentials of this run, checked against the manifest's credentials schema. Made-up values only: the manifest is shared, and the local server accepts anything.
   */
  credentials: {};
  /**
   * The environment the connection uses.
   */
  environment?: 'live' | 'dev';
  /**
   * Name of a fixture set that `connector record --name <name>` saved in <manifest>.fixtures.json next to the manifest: each recorded route serves its recorded responses, in order. Routes named in `responses` replace the recorded ones.
   */
  fixtures?: string;
  responses?: TestRoutes;
  expired_response?: TestResponse;
  /**
   * Routes that answer without a token (a service description, a login page): the server does not check tokens on them. Every other route that is not a token endpoint refuses, with expired_response, a request that presents no live access token.
   *
   * @maxItems 100
   */
  public_routes?: string[];
  /**
   * What happens, in order.
   *
   * @minItems 1
   * @maxItems 100
   */
  steps: [TestStep, ...TestStep[]];
  expect?: TestExpectations;
}
/**
 * Route → the responses it gives, in order, the last one repeating. A route is "METHOD /path": the request path without its query; `*` stands for one path segment. A route whose responses hold {{access_token}} or {{refresh_token}} is a token endpoint: a request to it that presents a refresh token this test issued counts as a refresh, any other as an authorization; a refresh token presented again after it was rotated is refused (400 invalid_grant) and fails the scenario. The refresh_request_url of a refreshable_token answers 400 invalid_request to a request that presents no refresh token. Once an access token was issued, every other route (but public_routes) checks tokens: a request that presents no live one — none at all, one past its lifetime (the expires_in of the response that issued it, or the Max-Age/Expires of the cookie it came in), or one issued before an expire_tokens step — gets expired_response. A request no route matches gets a 404 and fails the scenario.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "test_routes".
 */
export interface TestRoutes {
  /**
   * @minItems 1
   * @maxItems 100
   */
  [k: string]: [TestResponse, ...TestResponse[]] | undefined;
}
/**
 * One answer of the local server; at most one of json, body and body_base64. Strings (header values, Set-Cookie lines, body text, JSON strings) may hold placeholders: {{access_token}}, {{refresh_token}} and {{cookie:NAME}} become a fresh fake value each time the response is served (the same one throughout that response); {{secret:NAME}} the scenario's credential NAME; {{now}} and {{now+N}} epoch seconds on the virtual clock; {{now_iso}} and {{now_iso+N}} an ISO 8601 instant (2026-01-01T01:00:00Z); {{http_date+N}} an HTTP date N seconds from now. A token response's expires_in (seconds) or, without it, expires_at (an ISO 8601 or HTTP date, or epoch seconds) ends the token on the server at that instant, top level or one object down.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "test_response".
 */
export interface TestResponse {
  /**
   * HTTP status code.
   */
  status: number;
  /**
   * Response headers. Content-Type defaults to application/json with json, text/plain with body, application/octet-stream with body_base64.
   */
  headers?: {
    [k: string]: string | undefined;
  };
  /**
   * Body sent as JSON.
   */
  json?: {} | unknown[] | string | number | boolean | null;
  /**
   * Body sent as given: HTML, XML, form data, plain text.
   */
  body?: string;
  /**
   * Body given in base64, as `connector record` saves binary content.
   */
  body_base64?: string;
  /**
   * One Set-Cookie header each. A cookie whose value is {{access_token}} is the token (as response_access_token_path_in_cookie reads it); its Max-Age or Expires is the token's lifetime on the server.
   *
   * @maxItems 50
   */
  set_cookies?: string[];
}
/**
 * One step, doing exactly one thing: `call` an action (with its input, concurrent callers, expected error), `authorize` (the user grants access: the authorization code grant's callback), `advance` the virtual clock, `respond` (replace routes' responses from now on), `expire_tokens` or `paginate` (walk an action's pages and check them).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "test_step".
 */
export interface TestStep {
  /**
   * Id of the action to execute. The call must succeed unless expect_error names how it fails.
   */
  call?: string;
  /**
   * The input of the called action.
   */
  input?: {};
  /**
   * Run the call this many times at once: they share one token renewal.
   */
  concurrent?: number;
  expect_error?: TestErrorCode;
  /**
   * The user completes the authorization code grant: the connection builds its authorization URL, and its callback arrives with a made-up code, that URL's state and these further parameters (Zoho's accounts-server and location, say). The token endpoint route answers the code exchange. Only for oauth2_authorization_code.
   */
  authorize?: {
    /**
     * Parameters the callback carries besides code and state.
     */
    callback?: {
      [k: string]: string | undefined;
    };
    expect_error?: TestErrorCode;
  };
  /**
   * Seconds to move the virtual clock forward: tokens and cookies age, nothing waits.
   */
  advance?: number;
  respond?: TestRoutes;
  /**
   * The server revokes every access token issued so far: routes that check tokens answer expired_response to them.
   */
  expire_tokens?: true;
  /**
   * Walk a paginated action as connection.paginate() does (its cursor, offset, page or Link strategy) for up to max_pages pages, then check the walk against expect. The walk must succeed unless expect_error names how it fails.
   */
  paginate?: {
    /**
     * Id of the paginated action.
     */
    action: string;
    /**
     * The input of the action (the first page's; the pagination adds its own parameters).
     */
    input?: {};
    /**
     * Stop after this many pages. Default: the action's pagination.max_pages.
     */
    max_pages?: number;
    expect?: TestPaginationExpectations;
    expect_error?: TestErrorCode;
  };
}
/**
 * What a paginate step's walk must have yielded. Counts are exact; those not named are not checked.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "test_pagination_expectations".
 */
export interface TestPaginationExpectations {
  /**
   * How many pages the walk yielded (max_pages at most).
   */
  pages?: number;
  /**
   * How many items all pages held together, as connection.items() yields them: the array at the pagination's results_path of each page (the page's output when the action's output selects that array).
   */
  items?: number;
  /**
   * How many requests the local server received during the walk: pages, token requests, retries and replays.
   */
  requests?: number;
}
/**
 * What must have happened once the steps ran. Counts are exact; routes and event types not named are not checked.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "test_expectations".
 */
export interface TestExpectations {
  /**
   * Route (as in responses; `*` stands for one path segment) → how many requests it received.
   */
  requests?: {
    [k: string]: number | undefined;
  };
  /**
   * How many requests the token endpoints received, by kind.
   */
  tokens?: {
    /**
     * Requests that presented no refresh token: logons, client credentials and password grants.
     */
    authorizations?: number;
    /**
     * Requests that presented a refresh token (whether accepted or refused), and requests to a refreshable_token's refresh_request_url.
     */
    refreshes?: number;
  };
  /**
   * Connection events: a list is the exact sequence of the events of the types it names; an object is an exact count per type.
   */
  events?:
    | TestEventType[]
    | {
        [k: string]: number | undefined;
      };
}
