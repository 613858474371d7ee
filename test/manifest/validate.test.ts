import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateTypes } from '../../scripts/generate-types.js';
import { MAX_MANIFEST_BYTES, validateManifest } from '../../sdk/manifest/validate.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const read = (path: string) => readFileSync(`${here}${path}`, 'utf8');
const errorsOf = (text: unknown) => validateManifest(text).diagnostics.filter((d) => d.severity === 'error');

const AUTH_TYPES = 'none, api_key, basic, bearer, request_signature, aws_sigv4, oauth1, refreshable_token, oauth2_password, oauth2_client_credentials, oauth2_authorization_code, oauth2_custom_token, jwt_bearer, jwt, token_chain';

/** file → the first diagnostic (pointer, line, column, message or `~substring`) and how many errors in all. */
const BROKEN: [file: string, pointer: string, line: number, column: number, message: string, errors: number][] = [
  ['auth-type-not-string', '/auth/type', 6, 21, `auth.type must be a string, one of: ${AUTH_TYPES}`, 1],
  ['auth-type-typo', '/auth/type', 15, 13, `auth.type "oauth2_client_credential" is not one of: ${AUTH_TYPES}`, 1],
  ['auth-variable-in-base-url', '/base_url', 5, 15, 'variable auth.access_token is not available here: this field may use credentials, env', 1],
  ['bad-action-id', '/actions/Get Item', 8, 5, '"Get Item" is not a valid name in actions: it must match ^[a-z0-9][a-z0-9_-]{0,99}$', 1],
  ['bad-docs-url', '/docs_url', 6, 15, 'docs_url "see the wiki" is not a valid absolute URI', 1],
  ['bad-id-pattern', '/id', 2, 9, 'id "My Connector" does not match ^[a-z0-9][a-z0-9-]{0,62}$', 1],
  ['bad-input-type', '/actions/get-item/input/properties/id/type', 11, 68, 'type "strng" is not one of: string, number, integer, boolean, object, array, null', 1],
  ['bad-method', '/actions/get-item/method', 8, 29, 'method "FETCH" is not one of: GET, POST, PUT, PATCH, DELETE, HEAD', 1],
  ['bad-pagination-type', '/actions/get-items/pagination/type', 11, 31, 'pagination.type "cursr" is not one of: cursor, offset, page, link_header, next_url', 1],
  ['bad-version', '/version', 4, 14, 'version "1.0" does not match ^\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?$', 1],
  ['body-and-body-template', '/actions/create-item/body_template', 12, 7, 'body and body_template are mutually exclusive', 1],
  ['comment', '', 6, 3, 'invalid JSON: comments are not allowed', 1],
  ['credentials-required-undeclared', '/credentials/required/2', 8, 37, 'required field "secret" is not declared in properties', 1],
  ['dependent-required', '/auth/expired_when', 17, 5, '"body_path" needs "body_values" as well', 1],
  ['duplicate-status', '/actions/get-item/expected_status/2', 8, 84, 'expected_status lists the same value twice (items 0 and 2)', 1],
  ['empty-actions', '/actions', 7, 14, 'actions must not be empty', 1],
  ['empty-file', '', 1, 1, '~the file ends too early', 1],
  ['env-property', '/actions/get-item/query/env', 8, 72, 'env is a plain value and has no property "name"', 1],
  ['input-without-schema', '/actions/get-item/path', 8, 44, 'input.id is not declared in the input schema of action "get-item"', 1],
  ['jsonpath-script', '/actions/get-books/output', 8, 65, '~script and filter expressions', 1],
  ['jsonpath-unbalanced', '/actions/get-items/pagination/results_path', 11, 77, '"$.items[0" has unbalanced brackets', 1],
  ['locoia-headers-not-json', '/auth/authorization_request_headers', 18, 38, 'authorization_request_headers is a string but not the JSON text of an object', 1],
  ['locoia-headers-wrong-type', '/auth/authorization_request_headers', 18, 38, 'authorization_request_headers must be an object, a string or null, not an integer', 1],
  ['missing-auth-type', '/auth', 6, 3, `auth.type is missing: set it to one of: ${AUTH_TYPES}`, 1],
  ['missing-comma', '', 4, 3, 'invalid JSON: unexpected string', 1],
  ['missing-required', '', 1, 1, 'missing required property "version"', 1],
  ['multipart-without-body', '/actions/upload/body_format', 11, 22, 'body_format "multipart" needs body: an object of form fields', 1],
  ['no-credentials-declared', '/base_url', 5, 15, 'credentials.host is not declared', 1],
  ['not-an-object', '', 1, 1, 'the manifest must be an object, not an array', 1],
  ['pagination-missing-field', '/actions/get-items/pagination', 11, 7, 'missing required property "param"', 1],
  ['path-without-slash', '/actions/get-item/path', 8, 44, 'path "v1/items" must start with "/" or be an absolute http(s) URL', 1],
  ['refresh-auth-in-login', '/auth/authorization_request_body_template', 17, 44, 'variable auth.refresh_token is not available here: this field may use credentials, env, now', 1],
  ['refresh-incomplete', '/auth/refresh_request_url', 20, 5, 'refresh_request_url needs refresh_request_body_template as well', 3],
  ['refreshable-no-token-source', '/auth', 14, 3, '~refreshable_token needs response_access_token_path, response_access_token_path_in_header or', 1],
  ['single-quotes', '', 3, 3, 'invalid JSON: single quotes are not allowed', 1],
  ['too-deep', '', 8, 127, 'nesting deeper than 64 levels', 1],
  ['trailing-comma', '', 8, 54, 'invalid JSON: trailing comma before "}"', 1],
  ['truncated', '', 7, 15, '~the file ends too early', 1],
  ['undeclared-auth-extra', '/actions/get-item/headers/X-Instance', 22, 81, 'auth.extras.instance is not declared in auth.extras', 1],
  ['undeclared-credential', '/base_url', 5, 15, 'credentials.hots is not declared', 1],
  ['undeclared-input', '/actions/get-user/path', 10, 15, 'input.user_id is not declared in the input schema of action "get-user"', 1],
  ['undeclared-nested-input', '/actions/search/body/status', 11, 27, 'input.filter.stauts is not declared in the input schema of action "search"', 1],
  ['unknown-action-property', '/actions/get-item', 8, 5, 'missing required property "method"', 2],
  ['unknown-auth-property', '/auth/prefix', 19, 5, 'unknown property "prefix"', 1],
  ['unknown-auth-value', '/actions/get-item/headers/X-Token', 16, 78, '~auth.acces_token does not exist', 1],
  ['unknown-filter', '/actions/get-item/path', 10, 15, '~does not parse: undefined filter: shout', 1],
  ['unknown-property', '/descripton', 6, 3, 'unknown property "descripton"', 1],
  ['unknown-variable-root', '/actions/get-item/path', 8, 44, 'variable customer.id is not available here: this field may use credentials, input, auth, env, now', 1],
  ['unparseable-liquid', '/base_url', 5, 15, '~does not parse: output "{{ credentials.host /api" not closed', 1],
  ['wrong-auth-type', '/auth/type', 6, 21, `auth.type "oauth3" is not one of: ${AUTH_TYPES}`, 1],
  ['wrong-type', '/name', 3, 11, 'name must be a string, not an integer', 1],
];

describe('broken manifests', () => {
  it('has a table row for every file in broken/', () => {
    const files = readdirSync(`${here}broken`).map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual(BROKEN.map(([file]) => file).sort());
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(BROKEN)('%s', (file, pointer, line, column, message, errors) => {
    const result = validateManifest(read(`broken/${file}.json`), { file: `${file}.json` });
    expect(result.valid).toBe(false);
    expect(result.manifest).toBeUndefined();
    const [first] = result.diagnostics;
    expect(first).toMatchObject({ file: `${file}.json`, pointer, line, column, severity: 'error' });
    if (message.startsWith('~')) expect(first?.message).toContain(message.slice(1));
    else expect(first?.message).toBe(message);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toHaveLength(errors);
  });

  it('gives hints: the closest name, or the schema description', () => {
    const hintOf = (file: string) => validateManifest(read(`broken/${file}.json`)).diagnostics[0]?.hint;
    expect(hintOf('unknown-property')).toBe('did you mean "description"?');
    expect(hintOf('auth-type-typo')).toBe('did you mean "oauth2_client_credentials"?');
    expect(hintOf('bad-pagination-type')).toBe('did you mean "cursor"?');
    expect(hintOf('undeclared-credential')).toBe('did you mean "host"?');
    expect(hintOf('undeclared-input')).toBe('did you mean "userId"?');
    expect(hintOf('unknown-auth-property')).toBe('known properties: type, in, name, value');
    expect(hintOf('bad-id-pattern')).toBe('Stable machine name of the connector: lower-case letters, digits and dashes.');
    expect(hintOf('missing-required')).toBe('Semantic version of this manifest (not of the API).');
    expect(hintOf('trailing-comma')).toContain('remove it');
  });

  it('reports every problem at once, sorted by position and without duplicates', () => {
    const text = JSON.stringify(
      {
        id: 'Bad Id',
        name: 'x',
        version: '1',
        base_url: 'https://{{ credentials.nope }}',
        auth: { type: 'oauth3' },
        actions: { a: { method: 'GET', path: 'no-slash', output: '$[?(@.x)]' }, b: { method: 'GET', path: '/{{ input.q }}' } },
      },
      null,
      2,
    );
    const { diagnostics } = validateManifest(text);
    expect(diagnostics.map((d) => d.pointer)).toEqual(['/id', '/version', '/base_url', '/auth/type', '/actions/a/path', '/actions/a/output', '/actions/b/path']);
    const positions = diagnostics.map((d) => d.line * 1000 + d.column);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('never echoes a long manifest value in full', () => {
    const long = `x${'y'.repeat(500)}`;
    const [diagnostic] = errorsOf({ ...JSON.parse(read('valid/none.json')), id: long });
    expect(diagnostic?.message.length).toBeLessThan(200);
    expect(diagnostic?.message).not.toContain(long);
  });
});

describe('valid manifests', () => {
  const files = readdirSync(`${here}valid`).filter((f) => f.endsWith('.json'));

  it('cover every auth type, client certificates and every pagination type', () => {
    const manifests = files.map((f) => JSON.parse(read(`valid/${f}`)) as Record<string, any>);
    const authTypes = new Set(manifests.map((m) => m.auth.type));
    expect([...authTypes].sort()).toEqual(AUTH_TYPES.split(', ').sort());
    const actions = manifests.flatMap((m) => Object.values(m.actions) as Record<string, any>[]);
    expect(new Set(actions.map((a) => a.pagination?.type).filter(Boolean))).toEqual(new Set(['cursor', 'offset', 'page', 'link_header']));
    expect(manifests.some((m) => m.client_certificate)).toBe(true);
    const tokenSources = manifests.filter((m) => m.auth.type === 'refreshable_token').map((m) => m.auth);
    expect(tokenSources.some((a) => a.response_access_token_path)).toBe(true);
    expect(tokenSources.some((a) => a.response_access_token_path_in_header)).toBe(true);
    expect(tokenSources.some((a) => a.response_access_token_path_in_cookie)).toBe(true);
    expect(tokenSources.some((a) => a.refresh_request_url)).toBe(true);
    expect(manifests.filter((m) => m.auth.type === 'api_key').map((m) => m.auth.in).sort()).toEqual(['header', 'header', 'query']);
  });

  it.each(files)('%s is valid', (file) => {
    const text = read(`valid/${file}`);
    const result = validateManifest(text, { file });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.manifest).toEqual(JSON.parse(text));
    expect(validateManifest(JSON.parse(text)).valid).toBe(true);
  });

  it('warns about the password grant without failing', () => {
    const result = validateManifest(read('valid/oauth2-password.json'));
    expect(result.valid).toBe(true);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ pointer: '/auth/type', line: 17, column: 13, severity: 'warning', message: expect.stringContaining('RFC 9700 §2.4') }),
    ]);
  });

  it('warns when a secret credential goes into an action URL', () => {
    const manifest = JSON.parse(read('valid/api-key-query.json'));
    manifest.actions.search.query.key = '{{ credentials.api_key }}';
    manifest.actions.search.path = '/search/{{ credentials.api_key }}';
    const result = validateManifest(manifest);
    expect(result.valid).toBe(true);
    expect(result.diagnostics.map((d) => [d.pointer, d.severity, d.message])).toEqual([
      ['/actions/search/path', 'warning', 'secret credentials.api_key is put in the URL, and URLs end up in logs'],
      ['/actions/search/query/key', 'warning', 'secret credentials.api_key is put in the URL, and URLs end up in logs'],
    ]);
  });

  it('warns when a JSON body written as text pastes a value without | json', () => {
    const manifest = JSON.parse(read('valid/refreshable-token-body.json'));
    manifest.auth.authorization_request_body_template = '{"user": "{{ credentials.client_id }}", "secret": {{ credentials.client_secret | json }}}';
    const result = validateManifest(manifest);
    expect(result.valid).toBe(true);
    expect(result.diagnostics.map((d) => [d.pointer, d.severity, d.message, d.hint])).toEqual([
      [
        '/auth/authorization_request_body_template',
        'warning',
        '{{ credentials.client_id }} is pasted into JSON as it is: a value with a quote or a backslash breaks the body or adds fields',
        'write {{ credentials.client_id | json }} without surrounding quotes; | json writes them',
      ],
    ]);
  });
});

describe('input forms and limits', () => {
  it('validates a parsed object with line and column 0', () => {
    const manifest = { ...JSON.parse(read('valid/none.json')), version: 'one' };
    expect(validateManifest(manifest).diagnostics).toEqual([
      expect.objectContaining({ pointer: '/version', line: 0, column: 0, severity: 'error' }),
    ]);
  });

  it('accepts a byte order mark', () => {
    expect(validateManifest(`\uFEFF${read('valid/none.json')}`).valid).toBe(true);
  });

  it('refuses text over 8 MB before parsing', () => {
    const text = `{"id": "${'x'.repeat(MAX_MANIFEST_BYTES)}"}`;
    expect(errorsOf(text)).toEqual([expect.objectContaining({ pointer: '', line: 1, column: 1, message: 'the file is larger than 8 MB' })]);
  });

  it('refuses deep nesting in text and in objects, cycles included, without crashing', () => {
    expect(errorsOf('['.repeat(100_000) + ']'.repeat(100_000))[0]?.message).toBe('nesting deeper than 64 levels');
    let deep: unknown = {};
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    expect(errorsOf(deep)[0]?.message).toContain('nesting deeper than 64 levels');
    const cyclic: Record<string, unknown> = { id: 'x' };
    cyclic.self = cyclic;
    expect(errorsOf(cyclic)[0]?.pointer).toMatch(/^(\/self){64}$/);
  });

  it('validates a manifest of 5 000 actions (~1 MB), valid and broken', () => {
    const actions: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) {
      actions[`action-${i}`] = {
        title: `Action number ${i}`,
        method: 'POST',
        path: `/v1/items/{{ input.id }}/part-${i}`,
        query: { q: '{{ input.q }}' },
        body: { name: '{{ input.name }}', note: `note ${i}` },
        input: { type: 'object', properties: { id: { type: 'string' }, q: { type: 'string' }, name: { type: 'string' } } },
        output: '$.data',
      };
    }
    const manifest = { ...JSON.parse(read('valid/none.json')), actions };
    const text = JSON.stringify(manifest, null, 2);
    expect(text.length).toBeGreaterThan(1_000_000);
    expect(validateManifest(text).valid).toBe(true);
    expect(validateManifest(manifest).valid).toBe(true);

    const broken = text.replaceAll('"method": "POST"', '"method": "POTS"');
    const result = validateManifest(broken);
    expect(result.diagnostics).toHaveLength(5000);
    expect(result.diagnostics[4999]).toMatchObject({ pointer: '/actions/action-4999/method', message: expect.stringContaining('"POTS"') });
  });
});

describe('generated types', () => {
  it('sdk/manifest/types.gen.ts matches a fresh generation from the schema', async () => {
    const committed = readFileSync(fileURLToPath(new URL('../../sdk/manifest/types.gen.ts', import.meta.url)), 'utf8');
    expect(await generateTypes()).toBe(committed);
  });
});
