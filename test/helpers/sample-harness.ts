/**
 * The set-up every sample test (test/samples/) shares: a fake provider on 127.0.0.1 started
 * before each test, a fixture dispatcher that sends the connector's real hosts to it, the
 * connector, an event log and an injected clock; after each test everything closes (connectors,
 * dispatcher, server, in that order) and the server's `problems` (what it received that the API
 * would refuse) must be empty. One place for it, so the sample files hold only what differs.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { loadConnector, type Clock, type Connection, type ConnectOptions, type Connector, type ConnectorManifest } from '../../sdk/index.js';
import { createFixtureDispatcher, type FixtureDispatcher } from '../../sdk/http/fixture-dispatcher.js';
import { eventLog } from './secret-scan.js';

/** What a fake provider offers the harness; `problems`, when it keeps them, must be empty after each test. */
export interface SampleProvider {
  readonly origin: string;
  readonly problems?: readonly string[];
  close(): Promise<void>;
}

/** One event log (see secret-scan.ts): its events are recorded for the secret scan. */
export type EventLog = ReturnType<typeof eventLog>;

/**
 * A clock a test moves by hand; the harness puts it back at `startMs` before each test.
 *
 * @example
 * const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));
 * clock.ms += 600_000; // ten minutes later, for the connection and the fake server alike
 */
export class SampleClock implements Clock {
  ms: number;

  constructor(readonly startMs: number) {
    this.ms = startMs;
  }

  /** Epoch milliseconds; an arrow so it may be handed around unbound (`{ now: clock.now }`). */
  readonly now = (): number => this.ms;
}

/** What the sample's connections have in common; `connect` merges a test's overrides into it. */
export interface SampleOptions {
  connectionId: string;
  credentials?: Record<string, unknown>;
  /** Passed to every connection (leave it out where the sample runs on the system clock). */
  clock?: SampleClock;
  /** Load the manifest before each test (default) or only when the test calls `load()`. */
  lazy?: boolean;
  /** Default true: the fixture server speaks plain http; false where the sample never needed it. */
  allowInsecureHttp?: boolean;
}

/** A test's connection options: the sample's own, any field replaced; `credentials` merged into the sample's. */
export type ConnectOverrides = Partial<ConnectOptions>;

/** The harness of one sample test file; the getters answer for the running test. */
export interface SampleHarness<S extends SampleProvider> {
  readonly server: S;
  readonly dispatcher: FixtureDispatcher;
  /** The connector last loaded (throws before one is). */
  readonly connector: Connector;
  /** This test's event log, the `onEvent` of every connection unless overridden. */
  readonly log: EventLog;
  /** The sample's clock (throws when it runs without one). */
  readonly clock: SampleClock;
  /** Loads a manifest (default: the sample's); closed after the test. */
  load(manifest?: string | ConnectorManifest): Promise<Connector>;
  /** A connection of the connector last loaded, through the fixture dispatcher. */
  connect(overrides?: ConnectOverrides): Connection;
  /** The same with a fresh event log of its own. */
  connectWithLog(overrides?: ConnectOverrides): { connection: Connection; log: EventLog };
}

/**
 * Registers the sample's beforeEach/afterEach and returns its harness.
 *
 * @example
 * const clock = new SampleClock(Date.UTC(2026, 10, 23, 9, 0, 0));
 * const sample = useSampleProvider(() => new FakeKeycloak().start(), 'connectors/keycloak-admin.json', {
 *   connectionId: 'kc-tenant', credentials: { client_id: CLIENT_ID, client_secret: CLIENT_SECRET }, clock,
 * });
 * it('lists users', async () => {
 *   await sample.connect().execute('list-users');
 *   expect(sample.server.count('token')).toBe(1);
 * });
 */
export function useSampleProvider<S extends SampleProvider>(start: () => Promise<S>, manifest: string, options: SampleOptions): SampleHarness<S> {
  let server: S | undefined;
  let dispatcher: FixtureDispatcher | undefined;
  let log = eventLog();
  let loaded: Connector[] = [];
  const { clock } = options;

  beforeEach(async () => {
    if (clock) clock.ms = clock.startMs;
    log = eventLog();
    server = await start();
    dispatcher = createFixtureDispatcher(server.origin);
    if (!options.lazy) await harness.load();
  });

  afterEach(async () => {
    // Taken and cleared first: a later beforeEach that fails half-way must not close these twice.
    const [connectors, closing, ended] = [loaded, dispatcher, server];
    [loaded, dispatcher, server] = [[], undefined, undefined];
    for (const connector of connectors) await connector.close();
    await closing?.close();
    await ended?.close();
    if (ended?.problems) expect(ended.problems).toEqual([]);
  });

  const harness: SampleHarness<S> = {
    get server() {
      return present(server, 'server');
    },
    get dispatcher() {
      return present(dispatcher, 'dispatcher');
    },
    get connector() {
      return present(loaded.at(-1), 'connector');
    },
    get log() {
      return log;
    },
    get clock() {
      return present(clock, 'clock');
    },
    async load(which = manifest) {
      const connector = await loadConnector(which);
      loaded.push(connector);
      return connector;
    },
    connect(overrides = {}) {
      return harness.connector.connect(connectOptions(options, log, harness.dispatcher, overrides));
    },
    connectWithLog(overrides = {}) {
      const own = eventLog();
      return { connection: harness.connect({ onEvent: own.listener, ...overrides }), log: own };
    },
  };
  return harness;
}

/** The sample's connection options with a test's overrides; loopback and the fixture dispatcher allowed. */
function connectOptions(options: SampleOptions, log: EventLog, dispatcher: FixtureDispatcher, overrides: ConnectOverrides): ConnectOptions {
  return {
    connectionId: options.connectionId,
    clock: options.clock,
    onEvent: log.listener,
    dispatcher: dispatcher.dispatcher,
    allowPrivateNetwork: true,
    allowInsecureHttp: options.allowInsecureHttp ?? true,
    ...overrides,
    credentials: { ...options.credentials, ...overrides.credentials },
  };
}

/** A harness part the running test has not got: a set-up mistake, said plainly. */
function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`sample harness: no ${what} (outside a test, before load(), or not configured)`);
  return value;
}
