/**
 * What the fake has issued: canary access and refresh tokens (registered with the secret
 * scanner), each bound to a grant. Refresh tokens rotate; a spent one presented again is a
 * replay and revokes the refresh tokens of its grant (RFC 9700 §4.14.2).
 */
import { randomBytes } from 'node:crypto';
import { registerSecret } from '../secret-scan.js';
import type { GrantFields } from './types.js';

export interface Grant extends GrantFields {
  /** The authorization every token of it descends from. */
  id: number;
}

export interface AccessToken {
  grant: Grant;
  /** Server clock, epoch ms; undefined: until revoked. */
  expiresAt?: number;
}

interface RefreshToken {
  grant: Grant;
  spent: boolean;
}

export class TokenBook {
  readonly #access = new Map<string, AccessToken>();
  readonly #refresh = new Map<string, RefreshToken>();
  #counter = 0;
  #grants = 0;
  #latestRefresh: string | undefined;

  /** A fresh canary value: `<prefix>-canary-<n>-<hex>`. */
  mint(prefix: string): string {
    const token = `${prefix}-canary-${++this.#counter}-${randomBytes(8).toString('hex')}`;
    registerSecret(token);
    return token;
  }

  grant(fields: GrantFields): Grant {
    return { ...fields, id: ++this.#grants };
  }

  issueAccess(grant: Grant, prefix: string, expiresAt: number | undefined): string {
    const token = this.mint(prefix);
    this.#access.set(token, { grant, expiresAt });
    return token;
  }

  issueRefresh(grant: Grant): string {
    const token = this.mint('rt');
    this.#refresh.set(token, { grant, spent: false });
    this.#latestRefresh = token;
    return token;
  }

  /** The access token's record while the server honours it. */
  live(token: string | undefined, now: number): AccessToken | undefined {
    const issued = token === undefined ? undefined : this.#access.get(token);
    return issued && (issued.expiresAt === undefined || now < issued.expiresAt) ? issued : undefined;
  }

  /**
   * Checks a presented refresh token and, when rotating, spends it. Returns its grant, or why it
   * was refused; a replayed or refused token revokes its grant's refresh tokens.
   */
  redeem(presented: string, options: { clientId?: string; rotate: boolean; refuse: boolean }): Grant | string {
    const token = this.#refresh.get(presented);
    if (!token) return 'the refresh token is invalid';
    if (token.spent || options.refuse) {
      this.revokeRefresh(token.grant.id);
      return 'the refresh token is invalid';
    }
    if (options.clientId !== undefined && token.grant.clientId !== options.clientId) return 'the refresh token is invalid';
    if (options.rotate) token.spent = true;
    return token.grant;
  }

  /** RFC 7009: the token (an access or refresh token) issued to this client; a refresh token takes its grant with it. */
  revoke(token: string, clientId: string): 'revoked' | 'unknown' | 'other client' {
    const refresh = this.#refresh.get(token);
    const access = this.#access.get(token);
    const grant = refresh?.grant ?? access?.grant;
    if (!grant) return 'unknown';
    if (grant.clientId !== clientId) return 'other client';
    if (refresh) {
      this.revokeRefresh(grant.id);
      for (const [value, issued] of this.#access) if (issued.grant.id === grant.id) this.#access.delete(value);
    }
    this.#access.delete(token);
    return 'revoked';
  }

  revokeRefresh(grantId: number): void {
    for (const token of this.#refresh.values()) if (token.grant.id === grantId) token.spent = true;
  }

  invalidateAccess(): void {
    this.#access.clear();
  }

  liveRefreshTokens(): string[] {
    return [...this.#refresh].filter(([, token]) => !token.spent).map(([value]) => value);
  }

  latestRefreshToken(): string | undefined {
    return this.#latestRefresh;
  }
}
