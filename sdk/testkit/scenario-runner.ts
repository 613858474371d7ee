/**
 * Runs a manifest's test scenarios offline through the real runtime, the way a host would use
 * it: `loadConnector`, then per scenario a fresh `connect` with a memory token store, a virtual
 * clock the steps advance, and a dispatcher that sends every request to a local fixture server
 * (whatever its host). Steps run in order; then the requests the server saw, the token requests
 * by kind and the connection's events are compared with the scenario's `expect`.
 */
import type { Readable } from 'node:stream';
import { ManifestError, ManifestUnreadableError, type Diagnostic } from '../errors.js';
import type { ConnectorEvent } from '../events.js';
import { createFixtureDispatcher, type FixtureDispatcher } from '../http/fixture-dispatcher.js';
import type { ConnectorManifest, TestExpectations, TestResponse, TestRoutes, TestScenario, TestStep } from '../manifest/types.gen.js';
import { plural } from '../manifest/message-text.js';
import { Redactor } from '../redact.js';
import { loadConnector, type Connector } from '../runtime/connector.js';
import { MemoryTokenStore } from '../store/memory-token-store.js';
import { compileTemplate } from '../template/liquid.js';
import { fixturePathFor, fixtureRoutes, readFixtureFile, type FixtureFile } from './fixtures.js';
import { startFixtureServer, type FixtureServer, type ServedRequest } from './fixture-server.js';
import { runPaginateStep } from './paginate-step.js';
import { issuesTokens } from './placeholders.js';
import { compileRoute, routeOf } from './routes.js';
import { credentialsSchemaOf, secretCredentials } from './secrets.js';
import { failureOf, judgeOutcome, messageOf, type StepFailure } from './step-outcome.js';

/** Where every scenario's virtual clock starts: 2026-01-01T00:00:00Z. */
export const TEST_EPOCH_MS = Date.UTC(2026, 0, 1);

const DEFAULT_EXPIRED_RESPONSE: TestResponse = { status: 401, json: { error: 'invalid_token' } };

/**
 * Options of runManifestTests: which scenario, which fixtures, how reports name the manifest.
 *
 * @example
 * const options: RunOptions = { scenario: 'token expiry: a new token before the next call' };
 * const report = await runManifestTests('connectors/snov-io.json', options);
 */
export interface RunOptions {
  /** Only the scenario of this name. */
  scenario?: string;
  /** Recorded fixtures; default: `<manifest>.fixtures.json` next to a manifest given by path. */
  fixtures?: FixtureFile;
  /** Name used in reports when a parsed manifest is given. */
  file?: string;
  /**
   * Learns every scenario's secrets (its x-secret credentials, every token and cookie its server
   * issued), which reports show masked; a caller printing reports masks with it too.
   */
  redactor?: Redactor;
}

/** An event as the report shows it: its type and what it says (statuses, reasons — never a secret). */
export interface EventSummary {
  type: ConnectorEvent['type'];
  detail?: string;
}

/**
 * The outcome of one test scenario of a manifest: passed or not, what differed, and what its
 * local server saw. Secrets in it are masked.
 *
 * @example
 * const [scenario]: ScenarioReport[] = (await runManifestTests('connectors/snov-io.json', { scenario: 'token expiry: a new token before the next call' })).scenarios;
 * console.log(scenario.passed, scenario.failures, scenario.requests.map((r) => `${r.method} ${r.path} → ${r.status}`), scenario.events.map((e) => e.type));
 */
export interface ScenarioReport {
  name: string;
  /** `/tests/<i>` in the manifest. */
  pointer: string;
  passed: boolean;
  /** What differed, one line each; empty when passed. */
  failures: string[];
  requests: ServedRequest[];
  events: EventSummary[];
  durationMs: number;
  /** Virtual time the scenario spent, in ms: its `advance` steps and the rate budget's waits (which move the clock, never wait). */
  virtualMs: number;
}

/**
 * What runManifestTests found: whether the manifest is valid (with its diagnostics), and the
 * report of each scenario it ran.
 *
 * @example
 * const report: ManifestReport = await runManifestTests('connectors/snov-io.json');
 * for (const d of report.diagnostics) console.error(`${d.file}:${d.line}:${d.column} ${d.message}`);
 * for (const s of report.scenarios) if (!s.passed) console.error(`${s.name} (${s.pointer}):\n  ${s.failures.join('\n  ')}`);
 * process.exitCode = report.valid && report.scenarios.every((s) => s.passed) ? 0 : 1;
 */
export interface ManifestReport {
  file: string;
  connector?: string;
  valid: boolean;
  /** False when the file could not be read (a wrong path, not an invalid manifest). */
  readable?: boolean;
  /** Validation problems (errors and warnings). */
  diagnostics: readonly Diagnostic[];
  scenarios: ScenarioReport[];
}

/**
 * Validates and loads the manifest, then runs its scenarios one after the other.
 *
 * @example
 * const report = await runManifestTests('connectors/snov-io.json');
 * report.scenarios.every((s) => s.passed);
 */
export async function runManifestTests(manifest: string | object, options: RunOptions = {}): Promise<ManifestReport> {
  const file = options.file ?? (typeof manifest === 'string' ? manifest : 'manifest');
  let connector: Connector;
  try {
    connector = await loadConnector(manifest, { file });
  } catch (error) {
    if (error instanceof ManifestError) return { file, valid: false, diagnostics: error.diagnostics, scenarios: [] };
    if (error instanceof ManifestUnreadableError) {
      return { file, valid: false, readable: false, diagnostics: [{ file, line: 0, column: 0, pointer: '', message: `cannot read the file (${error.reason})`, severity: 'error' }], scenarios: [] };
    }
    throw error;
  }
  const report: ManifestReport = { file, connector: connector.id, valid: true, diagnostics: [], scenarios: [] };
  let fixtures: Promise<FixtureFile | undefined> | undefined;
  const loadFixtures = (): Promise<FixtureFile | undefined> => {
    if (options.fixtures) return Promise.resolve(options.fixtures);
    if (typeof manifest !== 'string') return Promise.resolve(undefined);
    return (fixtures ??= readFixtureFile(fixturePathFor(manifest)));
  };
  const fixtureFile = typeof manifest === 'string' ? fixturePathFor(manifest) : 'the fixtures given';
  const redactor = options.redactor ?? new Redactor();
  try {
    const scenarios = connector.manifest.tests ?? [];
    for (const [index, scenario] of scenarios.entries()) {
      if (options.scenario !== undefined && scenario.name !== options.scenario) continue;
      report.scenarios.push(await runScenario(connector, scenario, index, { load: loadFixtures, where: fixtureFile }, redactor));
    }
  } finally {
    await connector.close();
  }
  return report;
}

interface FixtureSource {
  load(): Promise<FixtureFile | undefined>;
  /** How messages name the fixture file. */
  where: string;
}

/** Runs one scenario of a loaded connector; the report comes masked by `redactor`, which learns the scenario's secrets. */
export async function runScenario(
  connector: Connector,
  scenario: TestScenario,
  index: number,
  fixtures: FixtureSource,
  redactor = new Redactor(),
): Promise<ScenarioReport> {
  const started = performance.now();
  const pointer = `/tests/${index}`;
  const report: ScenarioReport = { name: scenario.name, pointer, passed: false, failures: [], requests: [], events: [], durationMs: 0, virtualMs: 0 };
  for (const [, value] of secretCredentials(connector.manifest, scenario.environment ?? 'live', scenario.credentials ?? {})) redactor.add(value);
  let routes: TestRoutes | undefined;
  try {
    routes = await scenarioRoutes(scenario, fixtures);
  } catch (error) {
    report.failures.push(`${pointer}/fixtures: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (routes) await playScenario(connector, scenario, routes, report, redactor);
  report.passed = report.failures.length === 0;
  report.durationMs = Math.round(performance.now() - started);
  return redactor.redactValue(report) as ScenarioReport;
}

/**
 * Plays the scenario against its local server on a virtual clock: connects, runs the steps, and
 * fills the report with the requests served, the events and every failure; `redactor` learns what the server issued.
 */
async function playScenario(connector: Connector, scenario: TestScenario, routes: TestRoutes, report: ScenarioReport, redactor: Redactor): Promise<void> {
  let clockMs = TEST_EPOCH_MS;
  // The rate budget waits on this clock: a wait moves it forward at once.
  const clock = { now: () => clockMs, sleep: async (ms: number) => void (clockMs += ms) };
  const server = await scenarioServer(connector.manifest, scenario, routes, clock.now);
  const redirect = createFixtureDispatcher(server.origin);
  const events: ConnectorEvent[] = [];
  let stepsPassed = false;
  try {
    const connection = scenarioConnection(connector, scenario, { clock, dispatcher: redirect.dispatcher, events }, report);
    if (connection) {
      const ctx = { connection, server, actions: connector.manifest.actions, advance: (seconds: number) => (clockMs += seconds * 1000) };
      stepsPassed = await runSteps(scenario.steps, report.pointer, ctx, report.failures);
    }
  } finally {
    await redirect.close();
    await server.close();
  }
  for (const value of server.issued) redactor.add(value);
  report.virtualMs = clockMs - TEST_EPOCH_MS;
  report.requests = [...server.requests];
  report.events = events.map(summarize);
  report.failures.push(...server.violations);
  if (stepsPassed && scenario.expect) report.failures.push(...compare(scenario.expect, server.requests, events));
}

interface ScenarioWiring {
  clock: { now(): number; sleep(ms: number): Promise<void> };
  dispatcher: FixtureDispatcher['dispatcher'];
  /** Where the connection's events are collected. */
  events: ConnectorEvent[];
}

/** A fresh connection with the scenario's credentials, a memory store and the virtual clock; undefined (a failure in the report) when the credentials are refused. */
function scenarioConnection(connector: Connector, scenario: TestScenario, wiring: ScenarioWiring, report: ScenarioReport): StepContext['connection'] | undefined {
  try {
    return connector.connect({
      connectionId: 'test',
      credentials: scenario.credentials as Record<string, unknown>,
      environment: scenario.environment ?? 'live',
      store: new MemoryTokenStore(),
      clock: wiring.clock,
      dispatcher: wiring.dispatcher,
      allowPrivateNetwork: true,
      // Every request goes to the scenario's local server, never to the network: plain http is that server.
      allowInsecureHttp: true,
      onEvent: (event) => wiring.events.push(event),
    });
  } catch (error) {
    report.failures.push(`${report.pointer}/credentials: ${messageOf(error)}`);
    return undefined;
  }
}

/** The scenario's local server: its routes, which of them issue tokens, and what it answers without a live one. */
function scenarioServer(manifest: ConnectorManifest, scenario: TestScenario, routes: TestRoutes, now: () => number): Promise<FixtureServer> {
  const credentials = scenario.credentials as Record<string, unknown>;
  return startFixtureServer({
    routes,
    tokenRoutes: tokenRoutesOf([routes, ...scenario.steps.map((step) => step.respond ?? {})]),
    refreshRoute: refreshRouteOf(manifest, credentials, scenario.environment ?? 'live'),
    expiredResponse: scenario.expired_response ?? DEFAULT_EXPIRED_RESPONSE,
    publicRoutes: new Set(scenario.public_routes ?? []),
    now,
    credentials,
  });
}

/** Runs the steps in order until one fails (its failure added to `failures`); whether all passed. */
async function runSteps(steps: readonly TestStep[], pointer: string, ctx: StepContext, failures: string[]): Promise<boolean> {
  for (const [j, step] of steps.entries()) {
    const failure = await runStep(step, ctx);
    if (failure !== undefined) {
      failures.push(`step ${j + 1} (${pointer}/steps/${j}) ${describeStep(step)}: ${failure}`);
      return false;
    }
  }
  return true;
}

interface StepContext {
  connection: ReturnType<Connector['connect']>;
  server: FixtureServer;
  /** The manifest's actions: a paginate step counts items where the action's pagination says. */
  actions: ConnectorManifest['actions'];
  advance(seconds: number): void;
}

/** Runs one step; returns what went wrong, or undefined. */
async function runStep(step: TestStep, ctx: StepContext): Promise<string | undefined> {
  if (step.call !== undefined) {
    const callers = step.concurrent ?? 1;
    const outcomes = await Promise.all(Array.from({ length: callers }, () => call(ctx.connection, step.call as string, step.input as Record<string, unknown> | undefined)));
    for (const [k, outcome] of outcomes.entries()) {
      const who = callers > 1 ? `caller ${k + 1}: ` : '';
      if (step.expect_error === undefined) {
        if (outcome.error) return `${who}failed with ${outcome.error}`;
      } else if (!outcome.error) {
        return `${who}expected ${step.expect_error}, but it succeeded (status ${outcome.status})`;
      } else if (outcome.code !== step.expect_error) {
        return `${who}expected ${step.expect_error}, but it failed with ${outcome.error}`;
      }
    }
  } else if (step.authorize !== undefined) {
    return authorize(ctx.connection, step.authorize);
  } else if (step.advance !== undefined) {
    ctx.advance(step.advance);
  } else if (step.respond !== undefined) {
    ctx.server.respond(step.respond);
  } else if (step.expire_tokens) {
    ctx.server.expireTokens();
  } else if (step.paginate !== undefined) {
    const action = Object.hasOwn(ctx.actions, step.paginate.action) ? ctx.actions[step.paginate.action] : undefined;
    return runPaginateStep(step.paginate, ctx.connection, action, ctx.server.requests);
  }
  return undefined;
}

/** The user's part of the authorization code grant: the callback of the URL the connection built. */
async function authorize(connection: StepContext['connection'], step: NonNullable<TestStep['authorize']>): Promise<string | undefined> {
  let failure: StepFailure | undefined;
  try {
    const url = new URL(await connection.authorizationUrl());
    const oauthToken = url.searchParams.get('oauth_token');
    // OAuth 1.0a (RFC 5849 §2.2): the callback carries the temporary token and a verifier instead.
    const grant: Record<string, string> = oauthToken !== null && !url.searchParams.has('state')
      ? { oauth_token: oauthToken, oauth_verifier: TEST_AUTHORIZATION_CODE }
      : { code: TEST_AUTHORIZATION_CODE, state: url.searchParams.get('state') ?? '' };
    await connection.completeAuthorization({ ...(step.callback as Record<string, string> | undefined), ...grant });
  } catch (error) {
    failure = failureOf(error);
  }
  return judgeOutcome(step.expect_error, failure);
}

/** The code the made-up callback carries: the server gives it no meaning. */
const TEST_AUTHORIZATION_CODE = 'connector-test-authorization-code';

async function call(
  connection: StepContext['connection'],
  action: string,
  input: Record<string, unknown> | undefined,
): Promise<{ status?: number; error?: string; code?: string }> {
  try {
    const result = await connection.execute(action, input);
    if (isStream(result.data)) for await (const _chunk of result.data) { /* drained: the body must arrive whole */ }
    return { status: result.status };
  } catch (error) {
    return failureOf(error);
  }
}

function compare(expect: TestExpectations, requests: readonly ServedRequest[], events: readonly ConnectorEvent[]): string[] {
  const failures: string[] = [];
  for (const [key, expected] of Object.entries(expect.requests ?? {})) {
    if (expected === undefined) continue;
    const route = compileRoute(key);
    const seen = requests.filter((request) => route.matches(request.method, request.path)).length;
    if (seen !== expected) failures.push(`expected ${plural(expected, `request`)} to ${key}, saw ${seen}`);
  }
  const tokens = expect.tokens ?? {};
  for (const [kind, noun] of [['authorizations', 'authorization'], ['refreshes', 'refresh']] as const) {
    const expected = tokens[kind];
    if (expected === undefined) continue;
    const seen = requests.filter((request) => request.kind === noun).length;
    if (seen !== expected) failures.push(`expected ${plural(expected, `${noun} request`)} (token endpoint), saw ${seen}`);
  }
  const expectedEvents = expect.events;
  if (Array.isArray(expectedEvents)) {
    const types = new Set<string>(expectedEvents);
    const seen = events.map((event) => event.type).filter((type) => types.has(type));
    if (seen.join() !== expectedEvents.join()) {
      failures.push(`expected the events [${expectedEvents.join(', ')}], saw [${seen.join(', ')}]`);
    }
  } else if (expectedEvents) {
    for (const [type, expected] of Object.entries(expectedEvents)) {
      if (expected === undefined) continue;
      const seen = events.filter((event) => event.type === type).length;
      if (seen !== expected) failures.push(`expected ${plural(expected, `${type} event`)}, saw ${seen}`);
    }
  }
  return failures;
}

/** The fixture set's routes (if the scenario names one), with the scenario's own responses replacing them. */
async function scenarioRoutes(scenario: TestScenario, fixtures: FixtureSource): Promise<TestRoutes> {
  if (scenario.fixtures === undefined) return { ...scenario.responses };
  const file = await fixtures.load();
  if (!file) throw new Error(`no fixture file ${fixtures.where}: record the set with connector record --name ${scenario.fixtures}`);
  const set = Object.hasOwn(file.fixtures, scenario.fixtures) ? file.fixtures[scenario.fixtures] : undefined;
  if (!set) {
    const names = Object.keys(file.fixtures);
    throw new Error(`no fixture set "${scenario.fixtures}" in ${fixtures.where} (it has: ${names.join(', ') || 'none'})`);
  }
  return { ...fixtureRoutes(set), ...scenario.responses };
}

function tokenRoutesOf(routeSets: readonly TestRoutes[]): Set<string> {
  const keys = new Set<string>();
  for (const routes of routeSets) {
    for (const [key, responses] of Object.entries(routes)) if (responses?.some(issuesTokens)) keys.add(key);
  }
  return keys;
}

/**
 * A refreshable_token's separate refresh endpoint as a route, when it is not the authorization
 * endpoint: the server refuses a refresh that carries no refresh token there, as an OAuth server would.
 */
function refreshRouteOf(manifest: ConnectorManifest, credentials: Record<string, unknown>, environment: 'live' | 'dev'): string | undefined {
  const auth = manifest.auth;
  if (auth.type !== 'refreshable_token' || !auth.refresh_request_url) return undefined;
  const withDefaults: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(credentialsSchemaOf(manifest, environment)?.properties ?? {})) {
    if (property && 'default' in property) withDefaults[name] = property.default;
  }
  Object.assign(withDefaults, credentials);
  try {
    const scope = { credentials: withDefaults, env: environment, now: Math.floor(TEST_EPOCH_MS / 1000), auth: {} };
    const refresh = routeOf(auth.refresh_request_method ?? 'POST', new URL(compileTemplate(auth.refresh_request_url, '/auth/refresh_request_url').render(scope)).pathname);
    const authorization = routeOf(
      auth.authorization_request_method ?? 'POST',
      new URL(compileTemplate(auth.authorization_request_url, '/auth/authorization_request_url').render(scope)).pathname,
    );
    return refresh === authorization ? undefined : refresh;
  } catch {
    // A URL that needs more than the credentials to render: the server cannot tell, and does not check.
    return undefined;
  }
}

function describeStep(step: TestStep): string {
  if (step.call !== undefined) return `call ${step.call}${(step.concurrent ?? 1) > 1 ? ` ×${step.concurrent}` : ''}`;
  if (step.authorize !== undefined) return 'authorize';
  if (step.advance !== undefined) return `advance ${step.advance} s`;
  if (step.respond !== undefined) return 'respond';
  if (step.paginate !== undefined) return `paginate ${step.paginate.action}${step.paginate.max_pages === undefined ? '' : ` (max ${step.paginate.max_pages} pages)`}`;
  return 'expire_tokens';
}

function summarize(event: ConnectorEvent): EventSummary {
  switch (event.type) {
    case 'token.refresh_failed':
    case 'auth.reauthorization_required':
    case 'token.expiry_warning':
      return { type: event.type, detail: event.reason };
    case 'auth.token_rejected':
      return { type: event.type, detail: `${event.action} answered ${event.status}` };
    case 'response':
      return { type: event.type, detail: `${event.method} ${event.url} ${event.status}` };
    case 'request.retry':
    case 'token.request_retry':
      return { type: event.type, detail: event.reason };
    default:
      return { type: event.type };
  }
}

function isStream(value: unknown): value is Readable {
  return typeof value === 'object' && value !== null && typeof (value as Readable).pipe === 'function';
}
