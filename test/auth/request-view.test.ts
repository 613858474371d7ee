/**
 * The `request` view of signing templates: only the fields the templates read, each computed
 * as the signature schemes canonicalise them; every field when a template reads `request` whole.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requestFieldsRead, requestViewOf } from '../../sdk/auth/request-view.js';
import { templateVariables } from '../../sdk/template/liquid.js';
import { REQUEST_VIEW_FIELDS } from '../../sdk/template/request-fields.js';

const form = new TextEncoder().encode('z=1&a=two+words&a=%21');
const hop = {
  method: 'post',
  url: new URL("https://API.Example.com:8443/v1/items?b=2&a=it's&a=1"),
  headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body: form,
  now: 1_700_000_000_123,
};

describe('request view', () => {
  // The texts are made once per second: each hop still gets the text of its own second.
  it('date and iso8601 follow the clock second by second, whatever the order of the hops', () => {
    const view = requestViewOf(['date', 'iso8601']);
    const at = (now: number) => view({ ...hop, now });
    const expected = (now: number) => ({ date: new Date(now).toUTCString(), iso8601: `${new Date(now).toISOString().slice(0, 19)}Z` });
    for (const now of [1_700_000_000_000, 1_700_000_000_999, 1_700_000_001_000, 1_699_999_999_999, 1_700_000_000_500, -1, 0, 1_700_000_001_000]) {
      expect(at(now)).toEqual(expected(now));
    }
    expect(at(1_700_000_000_999).date).toBe('Tue, 14 Nov 2023 22:13:20 GMT');
    expect(at(1_700_000_001_000).iso8601).toBe('2023-11-14T22:13:21Z');
  });

  it('holds exactly the fields the templates read', () => {
    const variables = [
      ...templateVariables('{% capture c %}{{ request.method }}\n{{ request.canonical_query }}{% endcapture %}{{ c | hmac: credentials.secret }}'),
      ...templateVariables('{{ request.date }}'),
    ];
    const fields = requestFieldsRead(variables);
    expect(fields.sort()).toEqual(['canonical_query', 'date', 'method']);
    expect(requestViewOf(fields)(hop)).toEqual({ method: 'POST', canonical_query: 'a=1&a=it%27s&b=2', date: 'Tue, 14 Nov 2023 22:13:20 GMT' });
  });

  it('reading `request` whole, or by a computed name, gives every field', () => {
    expect(requestFieldsRead(templateVariables('{{ request | json }}'))).toEqual([...REQUEST_VIEW_FIELDS]);
    expect(requestFieldsRead(templateVariables('{{ request[credentials.field] }}'))).toEqual([...REQUEST_VIEW_FIELDS]);
    expect(requestFieldsRead(templateVariables('{{ credentials.key }}'))).toEqual([]);
  });

  it('computes every field as the schemes canonicalise the hop', () => {
    const view = requestViewOf()(hop);
    expect(Object.keys(view).sort()).toEqual([...REQUEST_VIEW_FIELDS].sort());
    expect(view).toMatchObject({
      method: 'POST',
      scheme: 'https',
      host: 'api.example.com:8443',
      hostname: 'api.example.com',
      path: '/v1/items',
      // As it goes out: the URL parser escapes ' in a query.
      query: 'b=2&a=it%27s&a=1',
      canonical_form: 'a=%21&a=two%20words&z=1',
      body: 'z=1&a=two+words&a=%21',
      body_sha256: createHash('sha256').update(form).digest('hex'),
      body_sha512: createHash('sha512').update(form).digest('hex'),
      timestamp: 1_700_000_000,
      timestamp_ms: 1_700_000_000_123,
      iso8601: '2023-11-14T22:13:20Z',
    });
    expect(view.nonce).toMatch(/^[0-9a-f]{32}$/);
    // One view per hop: a new hop gets a new nonce.
    expect(requestViewOf(['nonce'])(hop).nonce).not.toBe(view.nonce);
    expect(requestViewOf(['canonical_form'])({ ...hop, headers: { 'content-type': 'application/json' } }).canonical_form).toBe('');
  });
});
