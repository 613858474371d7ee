/* Generated from schemas/connector.schema.json by `npm run generate`. Do not edit. */

/**
 * Example values.
 */
export type Examples = unknown[];
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
  | AuthRefreshableToken
  | AuthOAuth2Password
  | AuthOAuth2ClientCredentials
  | AuthOAuth2AuthorizationCode
  | AuthOAuth2CustomToken
  | AuthJwtBearer;
/**
 * A JSONPath into a JSON body, evaluated without script support. The leading `$.` may be left out, as in Locoia manifests (`access_token` means `$.access_token`).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "json_path".
 */
export type JSONPath = string;
/**
 * Header name → Liquid template; or a JSON text of such an object (Locoia's stored form).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "locoia_headers".
 */
export type TokenRequestHeaders = RequestHeaders | string | null;
/**
 * How the client id and secret reach the token endpoint (RFC 6749 §2.3.1): `basic` (Authorization header, form-encoded values), `post` (body parameters) or `none` (client_id only, public clients).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "client_auth".
 */
export type ClientAuthentication = 'basic' | 'post' | 'none';
/**
 * How to fetch the next page, discriminated by `type`.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "pagination".
 */
export type Pagination =
  PaginationCursor | PaginationOffset | PaginationPage | PaginationLinkHeader;
/**
 * A Liquid template string.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "template".
 */
export type Template = string;
/**
 * An HTTP header field name (RFC 9110 token).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "header_name".
 */
export type HeaderName = string;

/**
 * One third-party API connector: metadata, base URL, shared headers, the credentials an end user enters, how to authenticate, and named actions. Template fields are Liquid templates; the variables each may use are listed in its description and in its "x-template" keyword.
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
   * Liquid template of the URL every action path is resolved against. Scope: credentials, env. Per-customer hosts come from credentials.
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
  rate_limit?: RateLimit;
  retry?: RetryPolicy;
  timeouts?: TimeoutsAndLimits;
  /**
   * Named HTTP calls, keyed by action id (lower-case letters, digits, dashes and underscores).
   */
  actions: {
    [k: string]: Action | undefined;
  };
}
/**
 * What differs in one environment (live or dev).
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "environment".
 */
export interface Environment {
  /**
   * Liquid template replacing the top-level base_url in this environment. Scope: credentials, env.
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
   * Help text.
   */
  description?: string;
  default?: Default;
  examples?: Examples;
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
  const?: {
    [k: string]: unknown | undefined;
  };
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
 * Value used when the field is absent.
 */
export interface Default {
  [k: string]: unknown | undefined;
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
 * A key sent in a header or a query parameter on every action request.
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
   * Header or query parameter.
   */
  in: 'header' | 'query';
  /**
   * Header or query parameter name.
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
 * How the obtained token goes on each action request. Values are Liquid templates. Scope: credentials, auth, env, now. Default: `Authorization: Bearer {{ auth.access_token }}` (no header when the token is a cookie: the cookie jar sends it).
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
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
  extras?: ExtraValues;
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
/**
 * OAuth 2.0 resource owner password grant (RFC 6749 §4.3): user name and password for a token; the refresh_token grant when the server returns one, else a new login. Discouraged by RFC 9700 §2.4; the validator warns.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_oauth2_password".
 */
export interface AuthOAuth2Password {
  /**
   * OAuth 2.0 password grant.
   */
  type: 'oauth2_password';
  /**
   * Liquid template of the token endpoint URL. Scope: credentials, env.
   */
  token_url: string;
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
  /**
   * Space-separated scopes. Scope: credentials, env.
   */
  scope?: string;
  params?: ExtraTokenParameters;
  token_response?: TokenResponsePaths;
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
  extras?: ExtraValues;
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
 * OAuth 2.0 client credentials grant (RFC 6749 §4.4); a new token is requested when the old one expires.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_oauth2_client_credentials".
 */
export interface AuthOAuth2ClientCredentials {
  /**
   * OAuth 2.0 client credentials grant.
   */
  type: 'oauth2_client_credentials';
  /**
   * Liquid template of the token endpoint URL. Scope: credentials, env.
   */
  token_url: string;
  /**
   * Liquid template. Scope: credentials, env.
   */
  client_id: string;
  /**
   * Liquid template. Scope: credentials, env.
   */
  client_secret: string;
  client_auth?: ClientAuthentication;
  /**
   * Space-separated scopes. Scope: credentials, env.
   */
  scope?: string;
  params?: ExtraTokenParameters;
  token_response?: TokenResponsePaths;
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
  extras?: ExtraValues;
}
/**
 * OAuth 2.0 authorization code grant with PKCE (S256) and state (RFC 6749 §4.1, RFC 7636): the host sends the user to authorization_url, then completes with the callback; refresh tokens renew the access token.
 *
 * This interface was referenced by `ConnectorManifest`'s JSON-Schema
 * via the `definition` "auth_oauth2_authorization_code".
 */
export interface AuthOAuth2AuthorizationCode {
  /**
   * OAuth 2.0 authorization code grant.
   */
  type: 'oauth2_authorization_code';
  /**
   * Liquid template of the URL the user is sent to. Scope: credentials, env.
   */
  authorization_url: string;
  /**
   * Liquid template. Scope: credentials, env.
   */
  token_url: string;
  /**
   * Liquid template (dev and live apps come from the environment's credentials). Scope: credentials, env.
   */
  client_id: string;
  /**
   * Liquid template; leave out for public clients. Scope: credentials, env.
   */
  client_secret?: string;
  client_auth?: ClientAuthentication;
  /**
   * Liquid template of the registered redirect URI. Scope: credentials, env.
   */
  redirect_uri: string;
  /**
   * Space-separated scopes. Scope: credentials, env.
   */
  scope?: string;
  /**
   * Use PKCE with S256 (RFC 7636). Turn off only for servers that reject it.
   */
  pkce?: boolean;
  authorization_params?: ExtraTokenParameters;
  params?: ExtraTokenParameters;
  token_response?: TokenResponsePaths;
  apply?: TokenPlacement;
  expiry?: TokenExpiry;
  expired_when?: ExpiredTokenSignal;
  extras?: ExtraValues;
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
}
/**
 * JWT bearer grant (RFC 7523), service-account style: an RS256 assertion signed with the private key is exchanged for an access token.
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
 * The API's request budget, enforced per connection by waiting (never by failing).
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
 * The next page's URL is in the `Link: <…>; rel="next"` header (RFC 8288).
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
