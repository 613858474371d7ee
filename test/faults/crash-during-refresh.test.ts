/**
 * The host process dies (SIGKILL) at each point of a rotating refresh, and starts again on the
 * same FileTokenStore. A child process runs the public API; a store wrapper in the fixture (not
 * the SDK) stops it at the chosen point and tells the test, which kills it there. The token
 * server rotates refresh tokens and revokes the whole family when a spent one is presented
 * again (RFC 9700 §4.14), so any silent reuse shows up as an invalid_grant.
 *
 * The promise under test (DESIGN.md, token lifecycle 5): after a crash the next start either holds
 * the new token or authorizes afresh; it never presents a refresh token that may be spent.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../sdk/index.js';
import type { ConnectorManifest } from '../../sdk/manifest/types.gen.js';
import { record, registerSecret } from '../helpers/secret-scan.js';
import { sendJson, startRouted, until, type RoutedServer } from '../security/support/servers.js';

const CHILD = 'test/faults/fixtures/refresh-child.ts';
const CLIENT_SECRET = 'SECRET-canary-crash-client-secret-8e';
const CONNECTION = 'crash-tenant';
registerSecret(CLIENT_SECRET);

interface TokenServerState {
  server: RoutedServer;
  validAccess: Set<string>;
  validRefresh: Set<string>;
  /** Refresh tokens presented to /refresh, in order. */
  presented: string[];
  invalidGrants: number;
  latestRefresh?: string;
  /** When set, /refresh rotates, calls this, and never answers (the answer is lost). */
  onRefreshHeld?: () => void;
  issue(): { access: string; refresh: string };
}

let state: TokenServerState;
let dir: string;
let counter = 0;

async function startTokenServer(): Promise<TokenServerState> {
  const s = { validAccess: new Set<string>(), validRefresh: new Set<string>(), presented: [] as string[], invalidGrants: 0 } as TokenServerState;
  s.issue = () => {
    const n = ++counter;
    const pair = { access: `tok-canary-crash-${n}-${process.pid}`, refresh: `rt-canary-crash-${n}-${process.pid}` };
    registerSecret(pair.access, pair.refresh);
    s.validAccess.add(pair.access);
    s.validRefresh.add(pair.refresh);
    s.latestRefresh = pair.refresh;
    return pair;
  };
  const grant = (res: ServerResponse) => {
    const pair = s.issue();
    sendJson(res, 200, { access_token: pair.access, refresh_token: pair.refresh, token_type: 'Bearer', expires_in: 600 });
  };
  s.server = await startRouted({
    '/token': (_req, res, body) => {
      if (new URLSearchParams(body).get('client_secret') !== CLIENT_SECRET) return sendJson(res, 401, { error: 'invalid_client' });
      grant(res);
    },
    '/refresh': (_req, res, body) => {
      const token = new URLSearchParams(body).get('refresh_token') ?? '';
      s.presented.push(token);
      if (!s.validRefresh.has(token)) {
        // Reuse of a spent token: the whole family is revoked.
        s.invalidGrants++;
        s.validRefresh.clear();
        return sendJson(res, 400, { error: 'invalid_grant' });
      }
      s.validRefresh.delete(token);
      if (s.onRefreshHeld) {
        s.issue();
        s.onRefreshHeld();
        return; // rotated, but the answer never leaves
      }
      grant(res);
    },
    '/api/items': (req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !s.validAccess.has(token)) return sendJson(res, 401, { error: 'invalid_token' });
      sendJson(res, 200, { data: ['item'] });
    },
  });
  return s;
}

function crashManifest(origin: string): ConnectorManifest {
  return {
    id: 'crash-test',
    name: 'Crash test',
    version: '1.0.0',
    base_url: origin,
    credentials: {
      type: 'object',
      required: ['client_id', 'client_secret'],
      properties: { client_id: { type: 'string' }, client_secret: { type: 'string', 'x-secret': true } },
    },
    auth: {
      type: 'refreshable_token',
      authorization_request_url: `${origin}/token`,
      authorization_request_body_template:
        'grant_type=client_credentials&client_id={{ credentials.client_id | url_encode }}&client_secret={{ credentials.client_secret | url_encode }}',
      authorization_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      response_access_token_path: 'access_token',
      response_refresh_token_path: 'refresh_token',
      refresh_request_url: `${origin}/refresh`,
      refresh_request_body_template: 'refresh_token={{ auth.refresh_token | url_encode }}',
      refresh_request_headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    },
    actions: { 'get-items': { method: 'GET', path: '/api/items', output: '$.data' } },
  };
}

type ChildMessage = { type: 'hook'; hook: string } | { type: 'done'; status: number } | { type: 'failed'; name: string; code?: string; message: string };

interface Run {
  child: ChildProcess;
  messages: ChildMessage[];
  exited: Promise<number | null>;
}

function start(paths: { manifest: string; store: string }, hook: string, clockOffsetMs = 0): Run {
  const child = fork(CHILD, [paths.manifest, paths.store, hook, String(clockOffsetMs)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, CRASH_CLIENT_SECRET: CLIENT_SECRET },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const messages: ChildMessage[] = [];
  child.on('message', (message) => messages.push(message as ChildMessage));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, messages, exited };
}

/** Runs a child to its end and returns what it reported. */
async function runToEnd(paths: { manifest: string; store: string }, clockOffsetMs = 0): Promise<ChildMessage | undefined> {
  const run = start(paths, 'none', clockOffsetMs);
  await run.exited;
  for (const message of run.messages) record(message);
  return run.messages.at(-1);
}

/** Kills a child with SIGKILL as soon as `ready` holds; resolves when it is gone. */
async function killWhen(run: Run, ready: () => boolean): Promise<void> {
  await until(ready, 20_000);
  run.child.kill('SIGKILL');
  await run.exited;
}

async function setup(): Promise<{ manifest: string; store: string; seeded: { access: string; refresh: string } }> {
  const manifest = join(dir, `manifest-${++counter}.json`);
  const store = join(dir, `tokens-${counter}.json`);
  await writeFile(manifest, JSON.stringify(crashManifest(state.server.origin)));
  // An expired access token and a valid refresh token: the next execute refreshes.
  const seeded = state.issue();
  const now = Date.now();
  await new FileTokenStore(store).compareAndSet(CONNECTION, 0, {
    version: 1,
    accessToken: seeded.access,
    refreshToken: seeded.refresh,
    tokenType: 'Bearer',
    obtainedAt: now - 700_000,
    expiresAt: now - 100_000,
    cookies: [],
    extras: {},
  });
  return { manifest, store, seeded };
}

beforeAll(async () => {
  state = await startTokenServer();
  dir = await mkdtemp(join(tmpdir(), 'connector-crash-'));
});

beforeEach(() => {
  state.server.reset();
  state.presented.length = 0;
  state.invalidGrants = 0;
  state.onRefreshHeld = undefined;
});

afterAll(async () => {
  await state.server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('SIGKILL during a rotating refresh, then a restart on the same FileTokenStore', () => {
  it('killed after the rotated tokens arrived, before they were stored: the restart authorizes afresh and never presents the spent token', async () => {
    const paths = await setup();
    const run = start(paths, 'before-store');
    await killWhen(run, () => run.messages.some((m) => m.type === 'hook'));
    // The server rotated: the seeded refresh token is spent, its successor known only to the dead process.
    expect(state.presented).toEqual([paths.seeded.refresh]);
    expect((await new FileTokenStore(paths.store).get(CONNECTION))?.pendingRefresh).toBeDefined();

    expect(await runToEnd(paths)).toEqual({ type: 'done', status: 200 });
    expect(state.server.hits('/refresh')).toBe(1);
    expect(state.server.hits('/token')).toBe(1);
    expect(state.presented).toEqual([paths.seeded.refresh]);
    expect(state.invalidGrants).toBe(0);
    const record = await new FileTokenStore(paths.store).get(CONNECTION);
    expect(record?.pendingRefresh).toBeUndefined();
    expect(record?.refreshToken).toBe(state.latestRefresh);
  });

  it('killed just after storing the rotated tokens: the restart uses them, and the next refresh presents the new refresh token', async () => {
    const paths = await setup();
    const run = start(paths, 'after-store');
    await killWhen(run, () => run.messages.some((m) => m.type === 'hook'));
    const stored = await new FileTokenStore(paths.store).get(CONNECTION);
    expect(stored?.pendingRefresh).toBeUndefined();
    expect(stored?.refreshToken).toBe(state.latestRefresh);

    expect(await runToEnd(paths)).toEqual({ type: 'done', status: 200 });
    expect(state.server.hits('/token')).toBe(0);
    expect(state.server.hits('/refresh')).toBe(1);

    // Ten minutes later (the child's clock) the stored refresh token is the one presented, and it is valid.
    expect(await runToEnd(paths, 601_000)).toEqual({ type: 'done', status: 200 });
    expect(state.server.hits('/refresh')).toBe(2);
    expect(state.server.hits('/token')).toBe(0);
    expect(state.presented).toEqual([paths.seeded.refresh, stored?.refreshToken]);
    expect(state.invalidGrants).toBe(0);
  });

  it('killed while the server holds its answer (sent, rotated, never received): the restart authorizes afresh', async () => {
    const paths = await setup();
    let held = false;
    state.onRefreshHeld = () => {
      held = true;
    };
    await killWhen(start(paths, 'none'), () => held);
    state.onRefreshHeld = undefined;
    expect((await new FileTokenStore(paths.store).get(CONNECTION))?.pendingRefresh).toBeDefined();

    expect(await runToEnd(paths)).toEqual({ type: 'done', status: 200 });
    expect(state.server.hits('/refresh')).toBe(1);
    expect(state.server.hits('/token')).toBe(1);
    expect(state.presented).toEqual([paths.seeded.refresh]);
    expect(state.invalidGrants).toBe(0);
  });

  it('killed after the write-ahead marker, before sending: the restart cannot know, so it authorizes afresh (no refresh at all)', async () => {
    const paths = await setup();
    const run = start(paths, 'after-mark');
    await killWhen(run, () => run.messages.some((m) => m.type === 'hook'));
    expect(state.server.hits('/refresh')).toBe(0);

    expect(await runToEnd(paths)).toEqual({ type: 'done', status: 200 });
    expect(state.server.hits('/refresh')).toBe(0);
    expect(state.server.hits('/token')).toBe(1);
    expect(state.invalidGrants).toBe(0);
  });
});

describe('two processes refresh the same connection at once (cases 2 and 6, file store)', () => {
  it('exactly one refresh across both; the other adopts the stored token; no invalid_grant', async () => {
    const paths = await setup();
    const [first, second] = await Promise.all([runToEnd(paths), runToEnd(paths)]);
    expect(first).toEqual({ type: 'done', status: 200 });
    expect(second).toEqual({ type: 'done', status: 200 });
    expect(state.server.hits('/refresh')).toBe(1);
    expect(state.server.hits('/token')).toBe(0);
    expect(state.presented).toEqual([paths.seeded.refresh]);
    expect(state.invalidGrants).toBe(0);
    expect((await new FileTokenStore(paths.store).get(CONNECTION))?.refreshToken).toBe(state.latestRefresh);
  });
});
