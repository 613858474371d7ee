/**
 * What `connector init` writes, as data: per auth type, the credentials a user enters, the auth
 * block, the token endpoint's answer a test scenario plays and what that scenario then expects.
 * Every manifest made from these validates and passes `connector test` (test/cli/init.test.ts).
 */

type Json = Record<string, unknown>;

export interface AuthTemplate {
  summary: string;
  /** Credential name → its schema; all of them are required. */
  credentials: Record<string, Json>;
  auth: Json;
  /** Values for the test scenario's credentials. */
  testCredentials: Record<string, string>;
  /** The token endpoint's route and answer, for auth types that obtain a token. */
  token?: { route: string; response: Json };
}

const secret = (title: string, description: string): Json => ({ type: 'string', minLength: 1, title, description, 'x-secret': true });
const text = (title: string, description: string): Json => ({ type: 'string', minLength: 1, title, description });
const tokenAnswer = { status: 200, json: { access_token: '{{access_token}}', token_type: 'Bearer', expires_in: 3600 } };

export const AUTH_TEMPLATES: Record<string, AuthTemplate> = {
  none: { summary: 'no credentials', credentials: {}, auth: { type: 'none' }, testCredentials: {} },
  api_key: {
    summary: 'an API key in a header',
    credentials: { api_key: secret('API key', 'The key from the provider\'s developer settings.') },
    auth: { type: 'api_key', in: 'header', name: 'X-API-Key', value: '{{ credentials.api_key }}' },
    testCredentials: { api_key: 'test-api-key' },
  },
  basic: {
    summary: 'HTTP Basic with a user name and password',
    credentials: { username: text('User name', 'The API user.'), password: secret('Password', 'The API user\'s password.') },
    auth: { type: 'basic', username: '{{ credentials.username }}', password: '{{ credentials.password }}' },
    testCredentials: { username: 'test-user', password: 'test-password' },
  },
  bearer: {
    summary: 'a long-lived token the user pastes',
    credentials: { token: secret('API token', 'A personal access token.') },
    auth: { type: 'bearer', token: '{{ credentials.token }}' },
    testCredentials: { token: 'test-token' },
  },
  oauth2_client_credentials: {
    summary: 'OAuth 2.0 client credentials (machine to machine)',
    credentials: { client_id: text('Client ID', 'The OAuth client\'s id.'), client_secret: secret('Client secret', 'The OAuth client\'s secret.') },
    auth: { type: 'oauth2_client_credentials', token_url: 'https://api.example.com/oauth/token', client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}' },
    testCredentials: { client_id: 'test-client', client_secret: 'test-secret' },
    token: { route: 'POST /oauth/token', response: tokenAnswer },
  },
  refreshable_token: {
    summary: 'a login request whose answer holds the token (any format)',
    credentials: { username: text('User name', 'The API user.'), password: secret('Password', 'The API user\'s password.') },
    auth: {
      type: 'refreshable_token',
      authorization_request_url: 'https://api.example.com/login',
      authorization_request_method: 'POST',
      authorization_request_headers: { 'Content-Type': 'application/json' },
      authorization_request_body_template: '{"username": {{ credentials.username | json }}, "password": {{ credentials.password | json }}}',
      response_access_token_path: 'access_token',
      expiry: { expires_in_path: 'expires_in' },
    },
    testCredentials: { username: 'test-user', password: 'test-password' },
    token: { route: 'POST /login', response: tokenAnswer },
  },
  token_chain: {
    summary: 'several requests to a token (discovery, login, exchange)',
    credentials: { client_id: text('Client ID', 'The OAuth client\'s id.'), client_secret: secret('Client secret', 'The OAuth client\'s secret.') },
    auth: {
      type: 'token_chain',
      steps: [
        {
          name: 'discovery',
          method: 'GET',
          url: 'https://api.example.com/.well-known/openid-configuration',
          keep: true,
          values: { token_endpoint: { json: '$.token_endpoint', secret: false, host_patterns: ['api.example.com'] } },
        },
        {
          name: 'token',
          method: 'POST',
          url: '{{ steps.discovery.token_endpoint }}',
          body_format: 'form',
          body: { grant_type: 'client_credentials', client_id: '{{ credentials.client_id }}', client_secret: '{{ credentials.client_secret }}' },
          values: { access_token: { json: '$.access_token' }, expires_in: { json: '$.expires_in', secret: false } },
        },
      ],
      token: { access_token: 'token.access_token', expires_in: 'token.expires_in' },
    },
    testCredentials: { client_id: 'test-client', client_secret: 'test-secret' },
    token: { route: 'POST /oauth/token', response: tokenAnswer },
  },
};

/** Routes a template's scenario serves besides the token endpoint (token_chain's discovery). */
export function extraRoutes(type: string): Record<string, Json[]> {
  if (type !== 'token_chain') return {};
  return { 'GET /.well-known/openid-configuration': [{ status: 200, json: { token_endpoint: 'https://api.example.com/oauth/token' } }] };
}

/** The manifest `connector init` writes: the auth template around one action and one scenario. */
export function scaffold(id: string, type: string, template: AuthTemplate, schemaPath: string): Json {
  // Each token-side route is asked once: the second call reuses the token.
  const tokenRequests = Object.fromEntries([...(template.token ? [template.token.route] : []), ...Object.keys(extraRoutes(type))].map((route) => [route, 1]));
  return {
    $schema: schemaPath,
    id,
    name: id,
    version: '0.1.0',
    description: `The ${id} API (${template.summary}). Replace api.example.com and the action with the real API's.`,
    base_url: 'https://api.example.com',
    credentials: { type: 'object', required: Object.keys(template.credentials), properties: template.credentials },
    auth: template.auth,
    actions: {
      'list-items': { title: 'List items', method: 'GET', path: '/v1/items', query: { limit: '{{ input.limit }}' }, input: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100 } } }, output: '$.items' },
    },
    tests: [
      {
        name: template.token ? 'list items twice: one token, two calls' : 'list items twice',
        credentials: template.testCredentials,
        responses: {
          ...(template.token ? { [template.token.route]: [template.token.response] } : {}),
          ...extraRoutes(type),
          'GET /v1/items': [{ status: 200, json: { items: [{ id: 1, name: 'first' }] } }],
        },
        steps: [{ call: 'list-items', input: { limit: 10 } }, { call: 'list-items' }],
        expect: { requests: { ...tokenRequests, 'GET /v1/items': 2 } },
      },
    ],
  };
}
