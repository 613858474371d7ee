/**
 * A loaded connector: the manifest validated and compiled once (templates parsed, JSONPaths
 * compiled, validators built). `connect` binds it to one user's credentials cheaply.
 */
import { readFile } from 'node:fs/promises';
import type { ConnectorManifest, CredentialsSchema } from '../manifest/types.gen.js';
import { validateManifest } from '../manifest/validate.js';
import { compileDataSchema, type DataValidator } from '../manifest/data-validator.js';
import { ConfigurationError, CredentialsError, ManifestError, ManifestUnreadableError } from '../errors.js';
import type { EventListener } from '../events.js';
import { Redactor } from '../redact.js';
import { compileTemplate, templateVariables, type CompiledTemplate, type TemplateScope } from '../template/liquid.js';
import { compileTemplateMap, type TemplateMap } from '../template/template-map.js';
import { HttpClient, type Dispatcher } from '../http/http-client.js';
import { DEFAULT_LIMITS } from '../http/exchange.js';
import { MemoryTokenStore } from '../store/memory-token-store.js';
import type { TokenRecord, TokenStore } from '../store/token-store.js';
import { createAuthStrategy } from '../auth/index.js';
import type { AuthStrategy, TokenSource } from '../auth/auth-strategy.js';
import type { AuthContext } from '../auth/auth-context.js';
import { TokenManager } from '../auth/token-manager.js';
import { AuthorizationSession } from '../auth/authorization-session.js';
import { StoredRecord } from '../auth/stored-record.js';
import { authView } from '../auth/auth-view.js';
import { compileHostPatterns, FieldHostNotAllowedError } from '../auth/step-values.js';
import type { HostPattern } from '../manifest/host-pattern.js';
import { compileAction, type CompiledAction } from './action.js';
import { Connection, type BaseTarget, type ConnectionParts } from './connection.js';
import type { ConnectionOf, ConnectOptionsOf, ConnectorTypes, Untyped } from './typed-connection.js';
import { RateLimiter } from './rate-limiter.js';
import { MemoryRateBudget, MONOTONIC_TIMER, type BudgetTimer } from '../store/memory-rate-budget.js';
import { rateBudgetKey, type RateBudget } from '../store/rate-budget.js';
import { createEventSink } from './event-sink.js';

/**
 * Which of the manifest's environments a connection uses: `live` (the default) or `dev`, whose
 * `environments.dev` may override the base URL and credentials schema.
 *
 * @example
 * const environment: Environment = process.env.NODE_ENV === 'production' ? 'live' : 'dev';
 * const connection = connector.connect({ connectionId: 'tenant-42', credentials, environment });
 */
export type Environment = 'live' | 'dev';

/**
 * Where a connection reads the time (token expiry, event timestamps, cookie lifetimes): inject
 * one to test expiry without waiting. Default: `Date.now()`.
 *
 * @example
 * let nowMs = Date.UTC(2026, 0, 1);
 * const clock: Clock = { now: () => nowMs };
 * const connection = connector.connect({ connectionId: 'test', credentials, clock });
 * nowMs += 3_600_000; // an hour later: the token has expired
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Waits `ms` on this clock (a virtual clock moves its time forward and resolves). Given, the
   * in-process rate budget runs on this clock, so tests play a rate limit without real waiting;
   * without it, the budget waits in real time.
   */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * What `connector.connect()` takes: whose connection it is (its key in the store), their
 * credentials, and how the connection runs.
 *
 * @example
 * const options: ConnectOptions = {
 *   connectionId: 'tenant-42',
 *   credentials: { client_id: process.env.SNOV_CLIENT_ID, client_secret: process.env.SNOV_CLIENT_SECRET },
 *   store: new FileTokenStore('.tokens.json', { encryptionKey: process.env.TOKEN_KEY }),
 *   onEvent: (event) => logger.info(event),
 * };
 * const connection = connector.connect(options);
 */
export interface ConnectOptions {
  /** Key of the connection's tokens and cookies in the store. */
  connectionId: string;
  credentials: Record<string, unknown>;
  environment?: Environment;
  /** Default: a new MemoryTokenStore. Share one store between connections and processes to share tokens. */
  store?: TokenStore;
  onEvent?: EventListener;
  /** An undici dispatcher for every request of the connection (proxies, tests). */
  dispatcher?: Dispatcher;
  clock?: Clock;
  /**
   * Allow requests to loopback, link-local and private addresses. Off by default (SSRF
   * guard); local sandboxes and tests turn it on.
   */
  allowPrivateNetwork?: boolean;
  /**
   * Let the standard OAuth grants send credentials to a plain-http token URL. Off by default
   * (they are refused with a typed error); local sandboxes and tests turn it on.
   */
  allowInsecureHttp?: boolean;
  /**
   * Send the W3C `traceparent` of the active OpenTelemetry span on every request (actions and
   * token requests), so the API's traces join the host's. Off by default: it tells the API
   * about the host's tracing. Spans themselves are made whenever @opentelemetry/api is installed
   * and the host registered a provider.
   */
  propagateTraceContext?: boolean;
}

/**
 * Options of `loadConnector()`.
 *
 * @example
 * const options: LoadOptions = { file: 'connectors/snov-io.json' };
 * const connector = await loadConnector(JSON.parse(await readFile('connectors/snov-io.json', 'utf8')), options);
 */
export interface LoadOptions {
  /** Name used in diagnostics when a parsed object is given. */
  file?: string;
}

const systemClock: Clock = { now: () => Date.now() };

/** A clock with its own sleep drives the budget (virtual time); any other waits in real, monotonic time. */
function timerOf(clock: Clock): BudgetTimer {
  const sleep = clock.sleep?.bind(clock);
  return sleep ? { now: () => clock.now(), sleep } : MONOTONIC_TIMER;
}

/** Persistent stores without an encryption key that a connection already warned about (once per store). */
const warnedStores = new WeakSet<TokenStore>();

interface EnvironmentParts {
  baseUrl: CompiledTemplate;
  basePointer: string;
  /** The base URL is built from the token record (auth.extras.<name>): rendered per record, not at connect. */
  baseUsesAuth: boolean;
  credentials: DataValidator;
}

/**
 * A compiled manifest. `T` is the connector's generated types (`connector generate`); without
 * them, action ids, inputs and outputs are untyped. Load it once (loadConnector), connect it per
 * user, and `close()` it at shutdown.
 *
 * @example
 * const connector = await loadConnector('connectors/docuware.json');
 * console.log(connector.id, connector.actions); // 'docuware', ['list-organizations', 'list-file-cabinets', …]
 * const connection = connector.connect({ connectionId: 'tenant-42', credentials: { host: 'acme.docuware.cloud', username, password } });
 * const { data } = await connection.execute('list-file-cabinets');
 * await connector.close();
 */
export class Connector<T extends ConnectorTypes | Untyped = Untyped> {
  readonly manifest: Readonly<ConnectorManifest>;
  readonly #actions: ReadonlyMap<string, CompiledAction>;
  readonly #strategy: AuthStrategy;
  readonly #environments: Record<Environment, EnvironmentParts>;
  readonly #headers: TemplateMap;
  readonly #certificate?: { cert: CompiledTemplate; key: CompiledTemplate; ca?: CompiledTemplate; passphrase?: CompiledTemplate };
  readonly #allowedHosts: ReadonlySet<string>;
  readonly #allowedHostPatterns: (scope: TemplateScope) => readonly HostPattern[];
  readonly #sharedClients = new Map<string, HttpClient>();
  /** Clients of connections with a client certificate or their own dispatcher, closed with the connector. */
  readonly #ownClients = new Set<HttpClient>();
  /** Rate budgets: the store's (one per store that has one), else one in-process budget per clock. */
  readonly #budgets = new WeakMap<object, RateBudget>();
  readonly #rateKey: CompiledTemplate | undefined;

  constructor(manifest: ConnectorManifest) {
    this.manifest = manifest;
    this.#strategy = createAuthStrategy(manifest.auth);
    this.#actions = new Map(
      Object.entries(manifest.actions)
        .filter((entry): entry is [string, NonNullable<(typeof entry)[1]>] => entry[1] !== undefined)
        .map(([id, spec]) => [id, compileAction(id, spec)]),
    );
    const environment = (name: Environment): EnvironmentParts => {
      const override = manifest.environments?.[name];
      const source = override?.base_url ?? manifest.base_url;
      const basePointer = override?.base_url ? `/environments/${name}/base_url` : '/base_url';
      return {
        baseUrl: compileTemplate(source, basePointer),
        basePointer,
        baseUsesAuth: source.includes('{') && templateVariables(source).some(([root]) => root === 'auth'),
        credentials: compileDataSchema(credentialSchema(override?.credentials ?? manifest.credentials)),
      };
    };
    this.#environments = { live: environment('live'), dev: environment('dev') };
    this.#headers = compileTemplateMap(manifest.headers, '/headers');
    const certificate = manifest.client_certificate;
    if (certificate) {
      this.#certificate = {
        cert: compileTemplate(certificate.cert, '/client_certificate/cert'),
        key: compileTemplate(certificate.key, '/client_certificate/key'),
        ca: certificate.ca === undefined ? undefined : compileTemplate(certificate.ca, '/client_certificate/ca'),
        passphrase:
          certificate.passphrase === undefined ? undefined : compileTemplate(certificate.passphrase, '/client_certificate/passphrase'),
      };
    }
    this.#allowedHosts = new Set(manifest.allowed_hosts ?? []);
    this.#allowedHostPatterns = compileHostPatterns(manifest.allowed_host_patterns ?? [], '/allowed_host_patterns');
    const rateKey = manifest.rate_limit?.key;
    this.#rateKey = rateKey === undefined ? undefined : compileTemplate(rateKey, '/rate_limit/key');
  }

  get id(): string {
    return this.manifest.id;
  }

  /** Action ids, in manifest order. */
  get actions(): string[] {
    return [...this.#actions.keys()];
  }

  connect(typed: ConnectOptionsOf<T>): ConnectionOf<T> {
    // The generated types only narrow what the compiler accepts: at run time the options are these.
    const options = typed as ConnectOptions;
    const environment = options.environment ?? 'live';
    const parts = this.#environments[environment];
    if (!parts) throw new CredentialsError('environment', `unknown environment "${String(environment)}": use live or dev`);
    if (typeof options.connectionId !== 'string' || options.connectionId === '') {
      throw new CredentialsError('connectionId', 'connectionId must be a non-empty string');
    }
    const credentials = checkCredentials(parts.credentials, options.credentials);
    const redactor = new Redactor();
    for (const name of parts.credentials.secrets) redactor.add(credentials[name]);
    const clock = options.clock ?? systemClock;
    const scope: TemplateScope = Object.freeze({ credentials, env: environment });
    const base = parts.baseUsesAuth ? this.#baseFromRecord(parts.baseUrl, parts.basePointer, scope, redactor) : baseTarget(parseBaseUrl(parts.baseUrl.render(scope), redactor));
    for (const secret of this.#strategy.derivedSecrets(scope)) redactor.add(secret);
    const sharedHeaders = renderHeaders(this.#headers, scope);
    const http = this.#httpClient(scope, redactor, options);
    const events = createEventSink(options.onEvent, options.connectionId, redactor, () => clock.now());
    const ctx: AuthContext = {
      http,
      redactor,
      sharedHeaders,
      scope,
      ...limitsOf(this.manifest),
      allowInsecureHttp: options.allowInsecureHttp ?? false,
      propagateTraceContext: options.propagateTraceContext ?? false,
      now: () => clock.now(),
      emit: events.emit,
    };
    const lifecycle = tokenLifecycle(this.#strategy.tokens, options, ctx);
    const connection = new Connection({
      connectionId: options.connectionId,
      close: this.#ownClients.has(http) ? () => this.#release(http) : undefined,
      rateLimiter: this.#rateLimiter(options, scope),
      retry: retryPolicyOf(this.manifest),
      actions: this.#actions,
      strategy: this.#strategy,
      ...lifecycle,
      http,
      ctx,
      base,
      allowedHosts: this.#allowedHosts,
      redactor,
      events,
    });
    return connection as ConnectionOf<T>;
  }

  /**
   * A base URL built from the token record (a Salesforce instance_url): rendered once per record
   * (records are replaced, never mutated), and refused unless its host matches
   * allowed_host_patterns, before any request goes there. Manifests whose base URL does not use
   * auth never come here: theirs is rendered once, at connect.
   */
  #baseFromRecord(template: CompiledTemplate, pointer: string, scope: TemplateScope, redactor: Redactor): (record: TokenRecord | undefined) => BaseTarget {
    const patterns = this.#allowedHostPatterns(scope);
    const targets = new WeakMap<TokenRecord, BaseTarget>();
    return (record) => {
      const known = record && targets.get(record);
      if (known) return known;
      const rendered = template.render({ ...scope, auth: authView(record) });
      const url = URL.canParse(rendered) ? new URL(rendered) : undefined;
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
        throw new ConfigurationError(pointer, `the base URL built from the token record ("${redactor.redact(rendered)}") is not an http(s) URL: check the token values ${pointer} uses`);
      }
      if (!patterns.some((pattern) => pattern.matches(url.host))) {
        throw new FieldHostNotAllowedError('/allowed_host_patterns', `the base URL built from the token record (${pointer})`, url.host, patterns.map((p) => p.source));
      }
      const target = baseTarget(url);
      if (record) targets.set(record, target);
      return target;
    };
  }

  /**
   * The connection's place in the rate budget: the store's budget when it has one (shared by
   * every process on that store), else this connector's in-process one on the connection's clock;
   * keyed by the scope, so connecting the same id twice, or two ids of one account, shares the
   * API's limit instead of doubling it.
   */
  #rateLimiter(options: ConnectOptions, scope: TemplateScope): RateLimiter | undefined {
    const limit = this.manifest.rate_limit;
    if (!limit) return undefined;
    const store = options.store?.rateBudget ? options.store : undefined;
    const clock = options.clock?.sleep ? options.clock : systemClock;
    const owner: object = store ?? clock;
    let budget = this.#budgets.get(owner);
    if (!budget) {
      budget = store?.rateBudget?.() ?? new MemoryRateBudget(timerOf(clock));
      this.#budgets.set(owner, budget);
    }
    return new RateLimiter(limit, { budget, key: rateBudgetKey(this.#budgetScope(limit.scope ?? 'connection', options.connectionId, scope)) });
  }

  /** What names the budget of a scope (hashed before use: an account key may be a credential). */
  #budgetScope(kind: 'connection' | 'account' | 'connector', connectionId: string, scope: TemplateScope): string[] {
    if (kind === 'connector') return ['connector', this.id];
    if (kind === 'connection') return ['connection', this.id, connectionId];
    const key = this.#rateKey?.render(scope) ?? '';
    if (key === '') {
      throw new ConfigurationError('/rate_limit/key', 'the rate limit\'s account key rendered empty: give the credentials it is built from');
    }
    return ['account', this.id, key];
  }

  /** Closes the HTTP agents shared by this connector's connections. */
  async close(): Promise<void> {
    const clients = [...this.#sharedClients.values(), ...this.#ownClients];
    this.#sharedClients.clear();
    this.#ownClients.clear();
    await Promise.all(clients.map((client) => client.close()));
  }

  /**
   * Connections share one keep-alive agent, except those with a client certificate: each of
   * those gets its own, so two tenants' certificates never share a socket.
   */
  async #release(client: HttpClient): Promise<void> {
    this.#ownClients.delete(client);
    await client.close();
  }

  #own(client: HttpClient): HttpClient {
    this.#ownClients.add(client);
    return client;
  }

  #httpClient(scope: TemplateScope, redactor: Redactor, options: ConnectOptions): HttpClient {
    const allowPrivateNetwork = options.allowPrivateNetwork ?? false;
    if (this.#certificate) {
      const { cert, key, ca, passphrase } = this.#certificate;
      const tls = { cert: cert.render(scope), key: key.render(scope), ca: ca?.render(scope), passphrase: passphrase?.render(scope) };
      redactor.add(tls.key);
      redactor.add(tls.passphrase);
      // With a host dispatcher too, HttpClient throws RequestRefusedError: the dispatcher would drop the certificate.
      return this.#own(new HttpClient({ tls, allowPrivateNetwork, dispatcher: options.dispatcher, redact: (text: string) => redactor.redact(text) }));
    }
    if (options.dispatcher) {
      return this.#own(new HttpClient({ allowPrivateNetwork, dispatcher: options.dispatcher, redact: (text: string) => redactor.redact(text) }));
    }
    const key = allowPrivateNetwork ? 'private' : 'public';
    let client = this.#sharedClients.get(key);
    if (!client) {
      client = new HttpClient({ allowPrivateNetwork });
      this.#sharedClients.set(key, client);
    }
    return client;
  }
}

/**
 * Loads a manifest from a path or a parsed object, validates it (ManifestError lists every problem) and compiles it.
 * A path that cannot be read is a ManifestUnreadableError.
 *
 * @example
 * const connector = await loadConnector('connectors/snov-io.json');
 * const connection = connector.connect({ connectionId: 'tenant-42', credentials: { client_id, client_secret } });
 * const { data } = await connection.execute('get-balance');
 */
export async function loadConnector<T extends ConnectorTypes | Untyped = Untyped>(pathOrObject: string | URL | object, options: LoadOptions = {}): Promise<Connector<T>> {
  let input: unknown = pathOrObject;
  let file = options.file;
  if (typeof pathOrObject === 'string' || pathOrObject instanceof URL) {
    file = file ?? String(pathOrObject);
    input = await readFile(pathOrObject, 'utf8').catch((error: unknown) => {
      throw new ManifestUnreadableError(String(pathOrObject), error);
    });
  }
  const { valid, diagnostics, manifest } = validateManifest(input, { file });
  if (!valid || !manifest) throw new ManifestError(diagnostics, file);
  return new Connector(structuredClone(manifest));
}

/**
 * The token lifecycle of a connection whose auth type obtains tokens: the renewal core and the
 * user's part in the grant, on one stored record. A store that keeps tokens in plain text is
 * reported once.
 */
function tokenLifecycle(source: TokenSource | undefined, options: ConnectOptions, ctx: AuthContext): Pick<ConnectionParts, 'tokens' | 'session'> {
  if (!source) return {};
  const store: TokenStore = options.store ?? new MemoryTokenStore();
  if (store.atRest && !store.atRest.encrypted && !warnedStores.has(store)) {
    warnedStores.add(store);
    ctx.emit({ type: 'store.unencrypted', store: store.atRest.store });
  }
  const stored = new StoredRecord({ connectionId: options.connectionId, store, ctx });
  const tokens = new TokenManager({ stored, source, ctx });
  return { tokens, session: new AuthorizationSession({ stored, source, ctx, holder: tokens }) };
}

function credentialSchema(schema: CredentialsSchema | undefined): CredentialsSchema {
  return schema ?? { type: 'object', properties: {} };
}

function checkCredentials(validator: DataValidator, given: unknown): Readonly<Record<string, unknown>> {
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new CredentialsError('', 'credentials must be an object of the fields the connector declares');
  }
  const credentials: Record<string, unknown> = { ...(given as Record<string, unknown>) };
  const problems = validator.validate(credentials);
  const first = problems[0];
  if (first) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new CredentialsError(first.field, `credentials: ${first.message}${more}`);
  }
  for (const name of validator.declared) if (!Object.hasOwn(credentials, name)) credentials[name] = null;
  return Object.freeze(credentials);
}

/** The shared headers for a connection's scope; one that renders empty is not sent. */
function renderHeaders(headers: TemplateMap, scope: TemplateScope): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const [name, template] of headers) {
    const value = template.render(scope);
    if (value !== '') rendered[name] = value;
  }
  return rendered;
}

/** The manifest's timeouts and response size cap, with the defaults. */
function limitsOf(manifest: ConnectorManifest): Pick<AuthContext, 'timeouts' | 'maxResponseBytes'> {
  const timeouts = manifest.timeouts;
  return {
    timeouts: {
      connectMs: timeouts?.connect_ms ?? DEFAULT_LIMITS.connectMs,
      headersMs: timeouts?.headers_ms ?? DEFAULT_LIMITS.headersMs,
      bodyMs: timeouts?.body_ms ?? DEFAULT_LIMITS.bodyMs,
    },
    maxResponseBytes: timeouts?.max_response_bytes ?? DEFAULT_LIMITS.maxResponseBytes,
  };
}

function retryPolicyOf(manifest: ConnectorManifest): ConnectionParts['retry'] {
  const retry = manifest.retry;
  return { maxAttempts: retry?.max_attempts ?? 3, maxElapsedMs: (retry?.max_elapsed_seconds ?? 60) * 1000, baseDelayMs: retry?.base_delay_ms ?? 250 };
}

/** The base URL, the href relative action paths are appended to (no trailing slash), and what checkTarget compares, computed once. */
function baseTarget(url: URL): BaseTarget {
  const pathPrefix = url.pathname.replace(/\/+$/, '');
  return { url, href: `${url.origin}${pathPrefix}`, host: url.host, pathPrefix };
}

function parseBaseUrl(rendered: string, redactor: Redactor): URL {
  try {
    const url = new URL(rendered);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('not http(s)');
    return url;
  } catch {
    throw new CredentialsError('base_url', `the base URL "${redactor.redact(rendered)}" is not an http(s) URL: check the credentials it is built from`);
  }
}
