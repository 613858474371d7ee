/**
 * importOpenApi on a large real document: GitHub's published api.github.com description
 * (@octokit/openapi, MIT; 1 000+ operations). It imports to one manifest that validates, the
 * import and the validation are timed (and printed, not asserted: a loaded machine is slow),
 * --tag / --operation import a subset, and a handful of its actions run against Prism mocking
 * the same document with 0 request failures and exact request counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { validateManifest, type Connection, type Connector, type ConnectorManifest } from '../../sdk/index.js';
import { startPrism, type PrismMock } from '../helpers/prism.js';
import { connectToPrism, imported, run } from '../helpers/openapi-import.js';

const GITHUB = join(dirname(createRequire(import.meta.url).resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head']);

interface Operation {
  operationId: string;
  tags?: string[];
}

/** The document's operations, read here independently of the importer. */
async function operationsOf(file: string): Promise<Operation[]> {
  const document = JSON.parse(await readFile(file, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
  return Object.values(document.paths).flatMap((item) => Object.entries(item).flatMap(([method, operation]) => (METHODS.has(method) ? [operation] : [])));
}

describe("GitHub's api.github.com OpenAPI document", () => {
  let operations: Operation[];
  let manifest: ConnectorManifest;
  let text: string;

  beforeAll(async () => {
    operations = await operationsOf(GITHUB);
    const started = performance.now();
    ({ manifest, text } = (await imported(GITHUB, { id: 'github' })) as { manifest: ConnectorManifest; text: string });
    const importMs = performance.now() - started;
    const validation = performance.now();
    expect(validateManifest(text).valid).toBe(true);
    const validateMs = performance.now() - validation;
    console.info(`api.github.com: ${operations.length} operations imported in ${importMs.toFixed(0)} ms, ${(text.length / 1e6).toFixed(1)} MB manifest validated in ${validateMs.toFixed(0)} ms`);
  }, 120_000);

  it('imports every operation as an action, ids from the operationIds, the server as the base URL', () => {
    expect(operations.length).toBeGreaterThan(1000);
    expect(Object.keys(manifest.actions)).toHaveLength(operations.length);
    expect(manifest.base_url).toBe('https://api.github.com');
    expect(manifest.auth).toEqual({ type: 'none' });
    expect(manifest.actions['issues-list-for-repo']).toMatchObject({
      method: 'GET',
      path: '/repos/{{ input.owner | uri_encode }}/{{ input.repo | uri_encode }}/issues',
      pagination: { type: 'link_header' },
    });
    expect(manifest.actions['issues-list-for-repo']?.input?.properties?.state).toMatchObject({ type: 'string', enum: ['open', 'closed', 'all'], default: 'open' });
  });

  it('--tag and --operation import a subset', async () => {
    const issues = operations.filter((operation) => operation.tags?.includes('issues'));
    const byTag = await imported(GITHUB, { id: 'github-issues', tags: ['issues'] });
    expect(Object.keys(byTag.manifest.actions)).toHaveLength(issues.length);
    const byOperation = await imported(GITHUB, { id: 'github-two', operations: ['repos/get', 'issues-create'] });
    expect(Object.keys(byOperation.manifest.actions)).toEqual(['repos-get', 'issues-create']);
  }, 60_000);

  describe('against Prism', () => {
    let prism: PrismMock;
    let connector: Connector;
    let connection: Connection;

    beforeAll(async () => {
      prism = await startPrism(GITHUB);
      ({ connector, connection } = await connectToPrism(manifest, prism, {}));
    }, 240_000);

    afterAll(async () => {
      await connector?.close();
      await prism?.close();
    });

    it('runs GETs with path and query parameters, JSON bodies, a text answer and a 204 with 0 request failures', async () => {
      const calls: [string, Record<string, unknown>][] = [
        ['repos-list-tags', { owner: 'octocat', repo: 'Hello-World', per_page: 5 }],
        ['issues-list-for-repo', { owner: 'octocat', repo: 'Hello-World', state: 'closed', labels: 'bug,ui', sort: 'updated', per_page: 50, page: 2 }],
        ['search-repos', { q: 'tetris language:assembly', sort: 'stars', order: 'desc', per_page: 10 }],
        ['repos-list-for-org', { org: 'github', type: 'public', direction: 'asc' }],
        ['issues-create', { owner: 'octocat', repo: 'Hello-World', title: 'Found a bug', body: "I'm having a problem with this.", labels: ['bug'], assignees: ['octocat'] }],
        ['issues-update', { owner: 'octocat', repo: 'Hello-World', issue_number: 42, state: 'closed', state_reason: 'completed' }],
        ['gists-create', { description: 'Example', public: false, files: { 'README.md': { content: 'Hello' } } }],
        ['markdown-render', { text: 'Hello **world**', mode: 'markdown' }],
        ['activity-star-repo-for-authenticated-user', { owner: 'octocat', repo: 'Hello-World' }],
        ['rate-limit-get', {}],
      ];
      const answers: { status: number; data?: unknown }[] = [];
      for (const [action, input] of calls) answers.push(await run(connection, prism, action, input));
      expect(prism.requestFailures()).toEqual([]);
      expect(prism.exchanges).toHaveLength(calls.length);
      expect(prism.received()).toBe(calls.length);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 201, 200, 201, 200, 204, 200]);
      expect(prism.exchanges.map((e) => `${e.method} ${e.url}`)).toEqual([
        // Parameters left out that have a default in the document are sent with it (the input schema keeps defaults).
        'GET /repos/octocat/Hello-World/tags?per_page=5&page=1',
        'GET /repos/octocat/Hello-World/issues?state=closed&labels=bug%2Cui&sort=updated&direction=desc&per_page=50&page=2',
        'GET /search/repositories?q=tetris%20language%3Aassembly&sort=stars&order=desc&per_page=10&page=1',
        'GET /orgs/github/repos?type=public&sort=created&direction=asc&per_page=30&page=1',
        'POST /repos/octocat/Hello-World/issues',
        'PATCH /repos/octocat/Hello-World/issues/42',
        'POST /gists',
        'POST /markdown',
        'PUT /user/starred/octocat/Hello-World',
        'GET /rate_limit',
      ]);
      expect(JSON.parse(prism.exchanges[4]?.body.toString() ?? '')).toEqual({ title: 'Found a bug', body: "I'm having a problem with this.", labels: ['bug'], assignees: ['octocat'] });
      expect(JSON.parse(prism.exchanges[6]?.body.toString() ?? '')).toEqual(calls[6]?.[1]);
      expect(typeof answers[7]?.data).toBe('string');
    });
  });
});
