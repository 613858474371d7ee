/**
 * Legacy `GET|POST /v2/domain-emails-with-info`: a domain's emails, paged by cursor. A request
 * names the last email id it has seen (`lastId`, default 0) and a page size (`limit`, default and
 * maximum 100); the response's `lastId` is the id of its last email, or null on an empty page.
 *
 * Every domain has the same seven seeded emails (five personal, two generic), so `limit=3` gives
 * pages of 3, 3 and 1 emails, then an empty page with `lastId: null`.
 */
import type { ServerResponse } from 'node:http';
import { replyJson } from '../reply.js';
import { list, text, type Params } from './params.js';
import { failed } from './replies.js';

const MAX_LIMIT = 100;
const TYPES = ['all', 'personal', 'generic'] as const;
type EmailType = Exclude<(typeof TYPES)[number], 'all'>;

interface SeededEmail {
  id: number;
  local: string;
  type: EmailType;
  firstName?: string;
  lastName?: string;
  position?: string;
}

/** Ids start high, as real snov.io ids do, so a client never mistakes an id for a count. */
const SEED: readonly SeededEmail[] = [
  { id: 823168301, local: 'jane.doe', type: 'personal', firstName: 'Jane', lastName: 'Doe', position: 'CEO' },
  { id: 823168302, local: 'info', type: 'generic' },
  { id: 823168303, local: 'john.smith', type: 'personal', firstName: 'John', lastName: 'Smith', position: 'CTO' },
  { id: 823168304, local: 'maria.garcia', type: 'personal', firstName: 'Maria', lastName: 'Garcia', position: 'Head of Sales' },
  { id: 823168305, local: 'sales', type: 'generic' },
  { id: 823168306, local: 'wei.chen', type: 'personal', firstName: 'Wei', lastName: 'Chen', position: 'Software Engineer' },
  { id: 823168307, local: 'anna.berg', type: 'personal', firstName: 'Anna', lastName: 'Berg', position: 'Marketing Manager' },
];

/** What a domain search reports about the seeded data. */
export const SEEDED_COUNTS = {
  emails: SEED.length,
  prospects: SEED.filter((e) => e.type === 'personal').length,
};

/**
 * Answers one page.
 *
 * @example
 * domainEmailsWithInfo(res, { domain: 'acme.com', limit: '3', lastId: '0' });
 */
export function domainEmailsWithInfo(res: ServerResponse, params: Params): void {
  const domain = text(params, 'domain')?.toLowerCase();
  if (domain === undefined) return failed(res, 'The domain field is required.');
  const type = text(params, 'type') ?? 'all';
  if (!(TYPES as readonly string[]).includes(type)) return failed(res, 'The type field must be one of all, personal, generic.');
  const limit = Number(text(params, 'limit') ?? MAX_LIMIT);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return failed(res, `The limit field must be an integer from 1 to ${MAX_LIMIT}.`);
  }
  const lastId = Number(text(params, 'lastId') ?? 0);
  if (!Number.isInteger(lastId) || lastId < 0) return failed(res, 'The lastId field must be a non-negative integer.');
  const positions = list(params, 'positions').map((p) => p.toLowerCase());
  const matching = SEED.filter(
    (e) =>
      (type === 'all' || e.type === type) &&
      (positions.length === 0 || positions.some((p) => e.position?.toLowerCase().includes(p))),
  );
  const page = matching.filter((e) => e.id > lastId).slice(0, limit);
  replyJson(res, 200, {
    success: true,
    domain,
    webmail: false,
    result: matching.length,
    lastId: page.at(-1)?.id ?? null,
    limit,
    companyName: companyName(domain),
    emails: page.map((e) => render(e, domain)),
  });
}

/** "acme-corp.com" → "Acme-corp": good enough for a company name. */
export function companyName(domain: string): string {
  const label = domain.split('.')[0] ?? domain;
  return label.charAt(0).toUpperCase() + label.slice(1);
}

function render(email: SeededEmail, domain: string): Record<string, unknown> {
  const address = `${email.local}@${domain}`;
  if (email.type === 'generic') return { email: address, type: 'generic', status: 'verified' };
  return {
    email: address,
    firstName: email.firstName,
    lastName: email.lastName,
    position: email.position,
    sourcePage: `https://${domain}/team`,
    companyName: companyName(domain),
    type: 'personal',
    status: 'verified',
  };
}
