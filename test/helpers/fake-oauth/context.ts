/** What every endpoint of the fake shares: its options, its public records and what it issued. */
import { CLIENT_SECRET } from '../manifests.js';
import type { JwksKeys } from './jws.js';
import type { Grant, TokenBook } from './tokens.js';
import type { FakeOAuth, FakeOAuthOptions, OAuthClient } from './types.js';

export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  scope?: string;
  challenge?: string;
  used: boolean;
}

export interface Context {
  options: FakeOAuthOptions;
  state: FakeOAuth;
  book: TokenBook;
  codes: Map<string, CodeGrant>;
  seenJti: Set<string>;
  jwks: JwksKeys;
  now(): number;
}

/** The client the refreshable-token manifests of test/helpers/manifests.ts log in with. */
export const DEFAULT_CLIENTS: OAuthClient[] = [{ id: 'client-1', secret: CLIENT_SECRET }];

export function clientsOf(options: FakeOAuthOptions): Map<string, OAuthClient> {
  return new Map((options.clients ?? DEFAULT_CLIENTS).map((client) => [client.id, client]));
}

/** expires_in as a number of seconds; null: none. */
export function expiresInSeconds(options: FakeOAuthOptions): number | null {
  return options.expiresIn === null ? null : Number(options.expiresIn ?? 3600);
}

/** An OAuth access token (`at-…`) of the grant, honoured for expires_in; a refresh token too when asked. */
export function issueOAuth(context: Context, grant: Grant, refresh = false): { accessToken: string; refreshToken?: string; expiresIn: number | null } {
  const expiresIn = expiresInSeconds(context.options);
  const accessToken = context.book.issueAccess(grant, 'at', expiresIn === null ? undefined : context.now() + expiresIn * 1000);
  const refreshToken = refresh ? context.book.issueRefresh(grant) : undefined;
  return { accessToken, refreshToken, expiresIn };
}
