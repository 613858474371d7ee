/**
 * The test kit's `paginate` step, its ISO 8601 placeholders and `expires_at` in token answers,
 * each through the real runner (connections, the fixture server on 127.0.0.1, the validator):
 * what passes, and the exact report line when a scenario's expectation is not met.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { TestResponse, TestRoutes, TestScenario } from '../../sdk/manifest/types.gen.js';
import { validateManifest } from '../../sdk/manifest/validate.js';
import { PlaceholderFiller } from '../../sdk/testkit/placeholders.js';
import { runManifestTests, TEST_EPOCH_MS, type ScenarioReport } from '../../sdk/testkit/scenario-runner.js';
import { record, registerSecret } from '../helpers/secret-scan.js';

const CREDENTIALS = { client_id: 'test-client-id', client_secret: 'test-client-secret-42', api_base: 'https://api.snov.io' };
const TOKEN_ROUTE = 'POST /v1/oauth/access_token';
const PAGES_ROUTE = 'GET /v2/domain-emails-with-info';
const BALANCE = { status: 200, json: { success: true, data: { balance: '1.00' } } };
let snov: Record<string, unknown>;

beforeAll(async () => {
  registerSecret(CREDENTIALS.client_secret);
  snov = JSON.parse(await readFile('connectors/snov-io.json', 'utf8')) as Record<string, unknown>;
});

function page(emails: number, lastId: number | null): TestResponse {
  return { status: 200, json: { success: true, lastId, emails: Array.from({ length: emails }, (_, i) => ({ email: `e${i}@snov.io` })) } };
}

const THREE_PAGES: [TestResponse, ...TestResponse[]] = [page(2, 11), page(1, 12), page(0, null)];

/** Runs one scenario on snov-io.json (its own scenarios replaced); the report is scanned for secrets. */
async function play(scenario: Omit<TestScenario, 'credentials' | 'name'>): Promise<ScenarioReport> {
  const report = await runManifestTests({ ...snov, tests: [{ name: 'under test', credentials: CREDENTIALS, ...scenario }] }, { file: 'snov-io.json' });
  expect(report.diagnostics).toEqual([]);
  record(report, 'scenario report');
  const [played] = report.scenarios;
  if (!played) throw new Error('no scenario ran');
  return played;
}

const token = (fields: Record<string, unknown> = { expires_in: 3600 }): TestResponse => ({ status: 200, json: { access_token: '{{access_token}}', token_type: 'Bearer', ...fields } });

describe('the paginate step', () => {
  it('walks the cursor until an empty page, sending each lastId; pages, items and requests match', async () => {
    const report = await play({
      responses: { [TOKEN_ROUTE]: [token()], [PAGES_ROUTE]: THREE_PAGES },
      steps: [{ paginate: { action: 'domain-emails-with-info', input: { domain: 'snov.io', limit: 2 }, expect: { pages: 3, items: 3, requests: 4 } } }],
      expect: { requests: { [TOKEN_ROUTE]: 1, [PAGES_ROUTE]: 3 } },
    });
    expect(report.failures).toEqual([]);
    expect(report.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `${TOKEN_ROUTE}`,
      'GET /v2/domain-emails-with-info?domain=snov.io&type=all&limit=2',
      'GET /v2/domain-emails-with-info?domain=snov.io&type=all&limit=2&lastId=11',
      'GET /v2/domain-emails-with-info?domain=snov.io&type=all&limit=2&lastId=12',
    ]);
  });

  it('reports every expectation the walk missed, in one line naming the step', async () => {
    const report = await play({
      responses: { [TOKEN_ROUTE]: [token()], [PAGES_ROUTE]: THREE_PAGES },
      steps: [{ paginate: { action: 'domain-emails-with-info', input: { domain: 'snov.io' }, expect: { pages: 2, items: 4, requests: 3 } } }],
    });
    expect(report.failures).toEqual([
      'step 1 (/tests/0/steps/0) paginate domain-emails-with-info: expected 2 pages, saw 3; expected 4 items, saw 3; expected 3 requests during the walk, saw 4',
    ]);
  });

  it('stops at max_pages', async () => {
    const report = await play({
      responses: { [TOKEN_ROUTE]: [token()], [PAGES_ROUTE]: THREE_PAGES },
      steps: [{ paginate: { action: 'domain-emails-with-info', input: { domain: 'snov.io' }, max_pages: 2, expect: { pages: 2, items: 3, requests: 3 } } }],
      expect: { requests: { [PAGES_ROUTE]: 2 } },
    });
    expect(report.failures).toEqual([]);
  });

  it('counts the renewal and the replay of a page refused mid-walk as requests of the walk', async () => {
    const report = await play({
      responses: { [TOKEN_ROUTE]: [token()], [PAGES_ROUTE]: [page(2, 11), { status: 401, json: { error: 'invalid_token' } }, page(1, 12), page(0, null)] },
      steps: [{ paginate: { action: 'domain-emails-with-info', input: { domain: 'snov.io' }, expect: { pages: 3, items: 3, requests: 6 } } }],
      expect: { tokens: { authorizations: 2 }, events: ['token.acquired', 'auth.token_rejected', 'token.acquired'] },
    });
    expect(report.failures).toEqual([]);
  });

  it('expect_error: the walk must fail with that code; without it, a failing page fails the step', async () => {
    const responses: TestRoutes = { [TOKEN_ROUTE]: [token()], [PAGES_ROUTE]: [page(2, 11), { status: 404, json: { errors: { code: 404 } } }] };
    const expected = await play({
      responses,
      steps: [{ paginate: { action: 'domain-emails-with-info', input: { domain: 'snov.io' }, expect_error: 'CONNECTOR_HTTP_STATUS', expect: { pages: 1, items: 2, requests: 3 } } }],
    });
    expect(expected.failures).toEqual([]);
    const unexpected = await play({ responses, steps: [{ paginate: { action: 'domain-emails-with-info', input: { domain: 'snov.io' } } }] });
    expect(unexpected.failures).toHaveLength(1);
    expect(unexpected.failures[0]).toMatch(/^step 1 \(\/tests\/0\/steps\/0\) paginate domain-emails-with-info: failed with CONNECTOR_HTTP_STATUS: /);
    const wrongCode = await play({ responses, steps: [{ paginate: { action: 'domain-emails-with-info', input: { domain: 'snov.io' }, expect_error: 'CONNECTOR_TIMEOUT' } }] });
    expect(wrongCode.failures[0]).toMatch(/: expected CONNECTOR_TIMEOUT, but it failed with CONNECTOR_HTTP_STATUS: /);
  });

  it('says which page held no array of items at results_path', async () => {
    const report = await play({
      responses: { [TOKEN_ROUTE]: [token()], [PAGES_ROUTE]: [page(2, 11), { status: 200, json: { success: true, lastId: null, emails: { count: 0 } } }] },
      steps: [{ paginate: { action: 'domain-emails-with-info', input: { domain: 'snov.io' }, max_pages: 2, expect: { items: 2 } } }],
    });
    expect(report.failures).toEqual(['step 1 (/tests/0/steps/0) paginate domain-emails-with-info (max 2 pages): expected 2 items, but page 2 has no array of items at $.emails']);
  });

  it('is checked by the validator: a known action, one thing per step, the schema of its fields', () => {
    const manifest = (steps: unknown[]) => JSON.stringify({ ...snov, tests: [{ name: 'v', credentials: CREDENTIALS, responses: {}, steps }] });
    const found = (steps: unknown[]) => validateManifest(manifest(steps)).diagnostics.map((d) => [d.pointer, d.message]);
    expect(found([{ paginate: { action: 'domain-emails-with-info', expect: { pages: 1 } } }])).toEqual([]);
    expect(found([{ paginate: { action: 'domain-email-with-info' } }])).toEqual([['/tests/0/steps/0/paginate/action', 'action "domain-email-with-info" is not declared in actions']]);
    expect(found([{ paginate: { action: 'get-balance' }, call: 'get-balance' }])).toEqual([['/tests/0/steps/0', 'a step does one thing, this one call and paginate']]);
    const schema = found([{ paginate: { max_pages: 0, expect: { page: 1 } } }]);
    expect(schema.map(([pointer]) => pointer).sort()).toEqual(['/tests/0/steps/0/paginate', '/tests/0/steps/0/paginate/expect/page', '/tests/0/steps/0/paginate/max_pages']);
  });
});

describe('ISO 8601 placeholders', () => {
  it('{{now_iso}} and {{now_iso±N}} are whole-second UTC instants on the virtual clock', () => {
    const filler = new PlaceholderFiller(TEST_EPOCH_MS + 999, {}, 1);
    expect(filler.text('{{now_iso}}|{{ now_iso + 3600 }}|{{now_iso-60}}|{{now}}')).toBe('2026-01-01T00:00:00Z|2026-01-01T01:00:00Z|2025-12-31T23:59:00Z|1767225600');
    expect(filler.json({ at: '{{now_iso+86400}}', [`{{now_iso}}`]: 1 })).toEqual({ at: '2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z': 1 });
    // Not a placeholder: left as written.
    expect(filler.text('{{now_isox}} {{now_iso*2}}')).toBe('{{now_isox}} {{now_iso*2}}');
  });
});

describe('expires_at in a token answer', () => {
  // 600 s after the token was issued, in each form a token endpoint writes it; a fixed instant
  // ends the renewed token too, so the second answer of the literal forms is an hour later.
  it.each([
    ['an ISO 8601 placeholder', '{{now_iso+600}}', '{{now_iso+600}}'],
    ['an HTTP date', '{{http_date+600}}', '{{http_date+600}}'],
    ['epoch seconds as a string', '{{now+600}}', '{{now+600}}'],
    ['epoch seconds as a number', TEST_EPOCH_MS / 1000 + 600, TEST_EPOCH_MS / 1000 + 4200],
    ['epoch milliseconds', TEST_EPOCH_MS + 600_000, TEST_EPOCH_MS + 4_200_000],
  ])('ends the token at that instant on the server (%s), as expires_in does', async (_form, first, second) => {
    const report = await play({
      responses: { [TOKEN_ROUTE]: [token({ expires_at: first }), token({ expires_at: second })], 'GET /v1/get-balance': [BALANCE] },
      // snov-io.json reads no expires_at: the client learns of the end from the server's 401.
      steps: [{ call: 'get-balance' }, { advance: 599 }, { call: 'get-balance' }, { advance: 1 }, { call: 'get-balance' }],
      expect: { requests: { [TOKEN_ROUTE]: 2, 'GET /v1/get-balance': 4 }, events: ['token.acquired', 'auth.token_rejected', 'token.acquired'] },
    });
    expect(report.failures).toEqual([]);
    expect(report.requests.map((r) => [r.path.split('?')[0], r.status, r.note ?? ''])).toEqual([
      ['/v1/oauth/access_token', 200, ''],
      ['/v1/get-balance', 200, ''],
      ['/v1/get-balance', 200, ''],
      ['/v1/get-balance', 401, 'expired token'],
      ['/v1/oauth/access_token', 200, ''],
      ['/v1/get-balance', 200, ''],
    ]);
  });

  it('expires_in wins when both are given (as the client reads them)', async () => {
    const report = await play({
      responses: { [TOKEN_ROUTE]: [token({ expires_in: 3600, expires_at: '{{now_iso+600}}' })], 'GET /v1/get-balance': [BALANCE] },
      steps: [{ call: 'get-balance' }, { advance: 1200 }, { call: 'get-balance' }],
      expect: { requests: { [TOKEN_ROUTE]: 1, 'GET /v1/get-balance': 2 } },
    });
    expect(report.failures).toEqual([]);
  });
});
