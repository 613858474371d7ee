/**
 * snov.io's asynchronous searches: a task is started, then polled until done. The sandbox makes
 * the outcome deterministic: the first poll of a task finds it in progress, every later poll finds
 * it complete (real timing varies, so clients must poll; tests need exact request counts).
 *
 * - legacy `POST /v1/get-emails-from-names`: the same request both starts and polls;
 * - `POST /v2/email-verification/start` + `GET /v2/email-verification/result?task_hash=`;
 * - `POST /v2/domain-search/start` + `GET /v2/domain-search/result/{task_hash}`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { replyJson } from '../reply.js';
import { companyName, SEEDED_COUNTS } from './domain-emails.js';
import { list, text, type Params } from './params.js';
import { failed, notFound } from './replies.js';

/** Free-mail domains: `is_webmail` in verification results. */
const WEBMAIL = new Set(['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'gmx.de', 'web.de']);

/** The most emails one verification task takes (snov.io's documented limit). */
const MAX_VERIFICATION_EMAILS = 10;

/** Tasks started and how often each was polled. */
class PolledTasks<T> {
  private readonly tasks = new Map<string, { payload: T; polls: number }>();

  /** Registers a task under `hash` (a random one by default) unless it exists; returns the hash. */
  start(payload: T, hash = randomBytes(16).toString('hex')): string {
    if (!this.tasks.has(hash)) this.tasks.set(hash, { payload, polls: 0 });
    return hash;
  }

  /** Counts one poll: the first finds the task in progress, later ones complete. */
  poll(hash: string): { payload: T; complete: boolean } | undefined {
    const task = this.tasks.get(hash);
    if (!task) return undefined;
    task.polls += 1;
    return { payload: task.payload, complete: task.polls > 1 };
  }
}

/** The search endpoints of one sandbox. */
export interface Searches {
  getEmailsFromNames(res: ServerResponse, params: Params): void;
  startEmailVerification(res: ServerResponse, params: Params): void;
  emailVerificationResult(res: ServerResponse, params: Params): void;
  startDomainSearch(res: ServerResponse, params: Params, origin: string): void;
  domainSearchResult(res: ServerResponse, taskHash: string, origin: string): void;
}

/**
 * @example
 * const searches = createSearches();
 * searches.startDomainSearch(res, { domain: 'snov.io' }, 'http://127.0.0.1:4000');
 */
export function createSearches(): Searches {
  const nameSearches = new PolledTasks<{ firstName: string; lastName: string; domain: string }>();
  const verifications = new PolledTasks<string[]>();
  const domainSearches = new PolledTasks<string>();
  return {
    getEmailsFromNames(res, params) {
      const firstName = text(params, 'firstName');
      const lastName = text(params, 'lastName');
      const domain = text(params, 'domain');
      if (firstName === undefined || lastName === undefined || domain === undefined) {
        return failed(res, 'The firstName, lastName and domain fields are required.');
      }
      // The legacy endpoint has no task hash: repeating the request is the poll.
      const key = createHash('md5').update(`${firstName}\n${lastName}\n${domain}`.toLowerCase()).digest('hex');
      const { complete } = nameSearches.poll(nameSearches.start({ firstName, lastName, domain }, key)) ?? {};
      const email = `${firstName}.${lastName}@${domain}`.toLowerCase();
      replyJson(res, 200, {
        success: true,
        data: { firstName, lastName, emails: complete ? [{ email, emailStatus: 'valid' }] : [] },
        status: complete
          ? { identifier: 'complete', description: 'Emails search is completed' }
          : { identifier: 'in_progress', description: 'Emails search is in progress' },
      });
    },
    startEmailVerification(res, params) {
      const emails = list(params, 'emails');
      if (emails.length === 0) return failed(res, 'The emails field is required.');
      if (emails.length > MAX_VERIFICATION_EMAILS) {
        return failed(res, `The emails field must not have more than ${MAX_VERIFICATION_EMAILS} items.`);
      }
      replyJson(res, 200, { data: { task_hash: verifications.start(emails) }, meta: { emails } });
    },
    emailVerificationResult(res, params) {
      const taskHash = text(params, 'task_hash');
      if (taskHash === undefined) return failed(res, 'The task_hash field is required.');
      const task = verifications.poll(taskHash);
      if (!task) return notFound(res);
      replyJson(res, 200, {
        status: task.complete ? 'completed' : 'in_progress',
        data: task.complete ? task.payload.map((email) => ({ email, result: verdict(email) })) : [],
        meta: { emails: task.payload, task_hash: taskHash },
      });
    },
    startDomainSearch(res, params, origin) {
      const domain = text(params, 'domain')?.toLowerCase();
      if (domain === undefined) return failed(res, 'The domain field is required.');
      const taskHash = domainSearches.start(domain);
      replyJson(res, 200, {
        data: [],
        meta: { domain, task_hash: taskHash },
        links: { result: `${origin}/v2/domain-search/result/${taskHash}` },
      });
    },
    domainSearchResult(res, taskHash, origin) {
      const task = domainSearches.poll(taskHash);
      if (!task) return notFound(res);
      const domain = task.payload;
      const meta = { domain, task_hash: taskHash };
      if (!task.complete) {
        replyJson(res, 200, { data: [], meta, links: {}, status: 'in_progress' });
        return;
      }
      replyJson(res, 200, {
        data: {
          company_name: companyName(domain),
          city: 'Tallinn',
          websites: [`https://${domain}`],
          related_domains: [],
          industry: 'Computer Software',
          size: '51-200',
          founded: '2017',
          company_type: 'Privately Held',
          revenue: null,
        },
        meta: { ...meta, prospects_count: SEEDED_COUNTS.prospects, emails_count: SEEDED_COUNTS.emails },
        links: {
          prospects: `${origin}/v2/domain-search/prospects/start?domain=${encodeURIComponent(domain)}`,
          domain_emails: `${origin}/v2/domain-search/domain-emails/start?domain=${encodeURIComponent(domain)}`,
          generic_contacts: `${origin}/v2/domain-search/generic-contacts/start?domain=${encodeURIComponent(domain)}`,
        },
        status: 'completed',
      });
    },
  };
}

/**
 * A stable verdict per address, so tests can ask for each outcome: a local part containing
 * "invalid" is not_valid, one containing "unknown" is unknown (catchall), the rest valid.
 */
function verdict(email: string): Record<string, unknown> {
  const [local = '', domain = ''] = email.toLowerCase().split('@');
  const isValidFormat = /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email);
  const smtpStatus = !isValidFormat || local.includes('invalid') ? 'not_valid' : local.includes('unknown') ? 'unknown' : 'valid';
  return {
    is_webmail: WEBMAIL.has(domain),
    smtp_status: smtpStatus,
    ...(smtpStatus === 'unknown' ? { unknown_status_reason: 'catchall' } : {}),
    is_gibberish: false,
    is_disposable: false,
    is_valid_format: isValidFormat,
  };
}
