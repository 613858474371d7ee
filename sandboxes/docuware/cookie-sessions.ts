/**
 * The Platform's cookie sessions (DocuWare 7.10 and older): Logon opens one and sets
 * `.DWPLATFORMAUTH` (the session) and `DWPLATFORMBROWSERID` (the client); Logoff or expiry closes
 * it. Cookies are never marked Secure: the sandbox speaks plain http on loopback, and a correct
 * client would not send a Secure cookie back over http.
 *
 * Our strictness choice, not a documented DocuWare rule: a session is bound to the User-Agent that
 * logged on, and a request with another User-Agent is refused like one without a session.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const AUTH_COOKIE = '.DWPLATFORMAUTH';
export const BROWSER_COOKIE = 'DWPLATFORMBROWSERID';
/** DocuWare Cloud's load-balancer affinity cookie. */
export const INGRESS_COOKIE = 'dwingressplatform';

/** DWPLATFORMBROWSERID outlives sessions; KBA-36918 speaks of 20 years for Platform cookies. */
const BROWSER_COOKIE_SECONDS = 20 * 365 * 24 * 3600;

export interface CookieSessionsOptions {
  /** Undefined: a session cookie without expiry, valid until Logoff. */
  lifetimeSeconds: number | undefined;
  bindUserAgent: boolean;
  now: () => number;
}

interface Session {
  userAgent: string | undefined;
  expiresAt: number;
}

/** The open sessions of one sandbox. */
export interface CookieSessions {
  /** Opens a session for the logon request and returns the Set-Cookie lines of its response. */
  open(req: IncomingMessage): string[];
  /** Whether the request carries a live session cookie (with the logon's User-Agent, if bound). */
  isLive(req: IncomingMessage): boolean;
  /** Closes the request's session; returns the Set-Cookie line that clears the cookie. */
  close(req: IncomingMessage): string;
  /** Server-side invalidation of every session. */
  closeAll(): void;
}

/**
 * @example
 * const sessions = createCookieSessions({ lifetimeSeconds: undefined, bindUserAgent: true, now: Date.now });
 * res.appendHeader('Set-Cookie', sessions.open(req));
 */
export function createCookieSessions(options: CookieSessionsOptions): CookieSessions {
  const sessions = new Map<string, Session>();
  const sessionOf = (req: IncomingMessage): string | undefined => readCookies(req).get(AUTH_COOKIE);
  return {
    open(req) {
      // ASP.NET forms tickets are long upper-case hex.
      const ticket = randomBytes(96).toString('hex').toUpperCase();
      const lifetime = options.lifetimeSeconds;
      const at = options.now();
      sessions.set(ticket, {
        userAgent: req.headers['user-agent'],
        expiresAt: lifetime === undefined ? Infinity : at + lifetime * 1000,
      });
      const expiry = lifetime === undefined ? '' : `; expires=${httpDate(at + lifetime * 1000)}; max-age=${lifetime}`;
      const lines = [`${AUTH_COOKIE}=${ticket}${expiry}; path=/; HttpOnly`];
      if (!readCookies(req).has(BROWSER_COOKIE)) {
        lines.push(
          `${BROWSER_COOKIE}=${randomUUID()}; expires=${httpDate(at + BROWSER_COOKIE_SECONDS * 1000)}; path=/; HttpOnly`,
        );
      }
      return lines;
    },
    isLive(req) {
      const ticket = sessionOf(req);
      const session = ticket === undefined ? undefined : sessions.get(ticket);
      if (!session || options.now() >= session.expiresAt) return false;
      return !options.bindUserAgent || session.userAgent === req.headers['user-agent'];
    },
    close(req) {
      const ticket = sessionOf(req);
      if (ticket !== undefined) sessions.delete(ticket);
      return `${AUTH_COOKIE}=; expires=${httpDate(0)}; path=/; HttpOnly`;
    },
    closeAll() {
      sessions.clear();
    },
  };
}

/**
 * The load-balancer cookie, set on any response to a request that lacks it (DocuWare Cloud's
 * format: `<epoch seconds>.<ms>.<n>.<n>|<hex>`).
 */
export function ingressCookie(req: IncomingMessage, now: number): string | undefined {
  if (readCookies(req).has(INGRESS_COOKIE)) return undefined;
  const value = `${Math.floor(now / 1000)}.${String(now % 1000).padStart(3, '0')}.32.${randomBytes(2).readUInt16BE()}|${randomBytes(16).toString('hex')}`;
  return `${INGRESS_COOKIE}=${value}; Path=/; HttpOnly`;
}

/** The request's cookies by name; the first of duplicates wins, as ASP.NET reads them. */
function readCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, pair.slice(eq + 1).trim());
  }
  return cookies;
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
