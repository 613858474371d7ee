/**
 * The Platform's Account endpoints of the cookie era: `POST Account/Logon` (form fields matched
 * case-insensitively, since clients write both UserName and Username), the login page the 401
 * body points to, and `GET Account/Logoff`. Logon is throttled (DocuWare Cloud: 60 calls a
 * minute, KBA-36385); a throttled logon is refused with 429 and not processed.
 */
import { readRequestBody } from '../request-body.js';
import type { RateDecision } from '../rate-limit.js';
import { reply } from '../reply.js';
import type { CookieSessions } from './cookie-sessions.js';
import { PLATFORM_VERSION } from './platform.js';
import { LOGIN_PAGE, PLATFORM_PATH, replyError, replyResource, type PlatformCall } from './representation.js';

const LICENSE_TYPES = ['platformservice', 'mobile', 'emailarchivingserver'];

export interface AccountOptions {
  sessions: CookieSessions;
  userName: string;
  password: string;
  organization: string;
  /** Counts one logon against the throttle. */
  takeLogon: () => RateDecision;
}

/** The Account handlers of one sandbox. */
export interface Account {
  loginPage(call: PlatformCall): void;
  logon(call: PlatformCall): Promise<void>;
  logoff(call: PlatformCall): void;
}

/**
 * @example
 * const account = createAccount({ sessions, userName, password, organization, takeLogon: () => ({ allowed: true }) });
 */
export function createAccount(options: AccountOptions): Account {
  return {
    loginPage({ res }) {
      reply(
        res,
        200,
        'text/html; charset=utf-8',
        `<!DOCTYPE html><html><head><title>DocuWare Platform - Log on</title></head><body>` +
          `<form method="post" action="${LOGIN_PAGE}"><input name="UserName" /><input name="Password" type="password" />` +
          `<input name="Organization" /><button type="submit">Log on</button></form></body></html>`,
      );
    },

    async logon(call) {
      const budget = options.takeLogon();
      if (!budget.allowed) {
        return replyError(call, 429, 'Too many logon requests. Try again later.', {
          'Retry-After': String(budget.retryAfterSeconds),
        });
      }
      const body = await readRequestBody(call.req);
      if (body.type !== 'form') return replyError(call, 415, 'The logon model must be sent as form fields.');
      const field = (name: string): string => {
        for (const [key, value] of body.fields) {
          if (key.toLowerCase() === name.toLowerCase() && typeof value === 'string') return value;
        }
        return '';
      };
      const licenseType = field('LicenseType');
      if (licenseType !== '' && !LICENSE_TYPES.includes(licenseType.toLowerCase())) {
        return replyError(call, 400, `Unknown LicenseType '${licenseType}'.`);
      }
      const organization = field('Organization');
      if (
        field('UserName').toLowerCase() !== options.userName.toLowerCase() ||
        field('Password') !== options.password ||
        (organization !== '' && organization.toLowerCase() !== options.organization.toLowerCase())
      ) {
        return replyError(call, 401, 'Logon failed: the user name, password or organization is not correct.');
      }
      call.res.appendHeader('Set-Cookie', options.sessions.open(call.req));
      replyResource(call.req, call.res, 200, 'LogonResponse', {
        Links: [
          { rel: 'organizations', href: `${PLATFORM_PATH}/Organizations`, type: 'Organizations' },
          { rel: 'filecabinets', href: `${PLATFORM_PATH}/FileCabinets`, type: 'FileCabinets' },
          { rel: 'logoff', href: `${PLATFORM_PATH}/Account/Logoff` },
        ],
        Version: PLATFORM_VERSION,
        Documentation: { Links: [{ rel: 'documentation', href: `${PLATFORM_PATH}/Documentation` }] },
      });
    },

    logoff({ req, res }) {
      res.appendHeader('Set-Cookie', options.sessions.close(req));
      reply(res, 200, 'text/plain; charset=utf-8', '');
    },
  };
}
