/**
 * The manifests the benchmark measures. All call the same endpoint shape (a GET with a templated
 * path and query and an output path); they differ only in how the credential is made, so the
 * differences between their rows are the cost of that credential.
 */

/** Secrets the bench server knows too, so it can check what it receives. */
export const BENCH_HMAC_SECRET = 'bench-hmac-secret-0123456789abcdef';
export const BENCH_JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123';

/** The credentials every bench connection is given; each manifest reads the one it needs. */
export const BENCH_CREDENTIALS = { client_secret: 'bench-secret', hmac_secret: BENCH_HMAC_SECRET, jwt_secret: BENCH_JWT_SECRET, tenant: 'tenant-42' };

/** The realistic action's headers as they go out (raw undici sends the same). */
export const REALISTIC_HEADERS = { accept: 'application/json', 'user-agent': 'connector-sdk-bench/1.0', 'x-tenant': 'tenant-42' };

const listItems = {
  'list-items': {
    method: 'GET',
    path: '/items/{{ input.collection }}',
    query: { page: '{{ input.page }}' },
    output: '$.data.items',
    input: { type: 'object', required: ['collection'], properties: { collection: { type: 'string' }, page: { type: 'integer' } } },
  },
};

const credentials = {
  type: 'object',
  properties: {
    client_secret: { type: 'string', 'x-secret': true },
    hmac_secret: { type: 'string', 'x-secret': true },
    jwt_secret: { type: 'string', 'x-secret': true },
    tenant: { type: 'string' },
  },
};

/** A cached OAuth 2 client-credentials token as a bearer header: no signing. */
export function benchManifest(url: string): Record<string, unknown> {
  return {
    id: 'bench',
    name: 'Bench',
    version: '1.0.0',
    base_url: url,
    credentials,
    auth: {
      type: 'oauth2_client_credentials',
      token_url: `${url}/token`,
      client_id: 'bench-client',
      client_secret: '{{ credentials.client_secret }}',
      // The bench server is plain http on loopback.
      allow_insecure_http: true,
    },
    actions: listItems,
  };
}

/**
 * A realistic action (issue 18's): an input schema with two properties, two templated query
 * parameters, one header templated from the credentials, two shared headers, a cached bearer token.
 */
export function realisticManifest(url: string): Record<string, unknown> {
  return {
    ...benchManifest(url),
    id: 'bench-realistic',
    headers: { Accept: REALISTIC_HEADERS.accept, 'User-Agent': REALISTIC_HEADERS['user-agent'] },
    actions: {
      'search-items': {
        method: 'GET',
        path: '/search',
        query: { q: '{{ input.query }}', page: '{{ input.page }}' },
        headers: { 'X-Tenant': '{{ credentials.tenant }}' },
        output: '$.data.items',
        input: { type: 'object', required: ['query'], properties: { query: { type: 'string', minLength: 1 }, page: { type: 'integer', minimum: 1 } } },
      },
    },
  };
}

/** Every request signed: HMAC-SHA256 over method, path, canonical query and date (Duo-style, auth type request_signature). */
export function hmacManifest(url: string): Record<string, unknown> {
  return {
    id: 'bench-hmac',
    name: 'Bench HMAC',
    version: '1.0.0',
    base_url: `${url}/signed`,
    credentials,
    auth: {
      type: 'request_signature',
      headers: {
        'X-Date': '{{ request.date }}',
        'X-Signature':
          "{% capture canon %}{{ request.method }}\n{{ request.path }}\n{{ request.canonical_query }}\n{{ request.date }}{% endcapture %}{{ canon | hmac: credentials.hmac_secret, 'sha256' }}",
      },
    },
    actions: listItems,
  };
}

/** A locally signed HS256 JWT as the credential: signed once, reused until shortly before it expires. */
export function jwtManifest(url: string): Record<string, unknown> {
  return {
    id: 'bench-jwt',
    name: 'Bench JWT',
    version: '1.0.0',
    base_url: `${url}/jwt`,
    credentials,
    auth: {
      type: 'jwt',
      signing: {
        algorithm: 'HS256',
        key: '{{ credentials.jwt_secret }}',
        claims: { iss: 'bench', aud: 'bench-api' },
        lifetime_seconds: 1200,
      },
    },
    actions: listItems,
  };
}
