/** next_url pagination: the next page is the URL (or path) the body names, requested as it is. */
import { describe, expect, it } from 'vitest';
import { compilePagination } from '../../sdk/runtime/pagination.js';

const page = (json: unknown) => ({ json, headers: {}, url: new URL('https://acme.my.salesforce.com/services/data/v63.0/query?q=SELECT+Id+FROM+Account') });

describe('next_url pagination', () => {
  const pager = compilePagination({ type: 'next_url', next_url_path: '$.nextRecordsUrl', results_path: '$.records' })!;

  it('a path is resolved against the page URL; the query is the one it names', () => {
    const next = pager.next(page({ records: [{ Id: '1' }], nextRecordsUrl: '/services/data/v63.0/query/01gD0000002HU6KIAW-2000' }), pager.first());
    expect(next?.url?.href).toBe('https://acme.my.salesforce.com/services/data/v63.0/query/01gD0000002HU6KIAW-2000');
    expect(next?.query).toEqual([]);
  });

  it('no next URL, an empty page or a non-string ends the pages', () => {
    expect(pager.next(page({ records: [{ Id: '1' }], done: true }), pager.first())).toBeUndefined();
    expect(pager.next(page({ records: [], nextRecordsUrl: '/x' }), pager.first())).toBeUndefined();
    expect(pager.next(page({ records: [{ Id: '1' }], nextRecordsUrl: 42 }), pager.first())).toBeUndefined();
  });
});
