/**
 * The `auth` variable of templates: what a token record exposes to a manifest. Built once per
 * record (records are replaced, never mutated), so the hot path allocates nothing.
 */
import type { TokenRecord } from '../store/token-store.js';

export type AuthView = {
  access_token: string | null;
  refresh_token: string | null;
  token_type: string | null;
  /** Epoch seconds, or null when unknown. */
  expires_at: number | null;
  cookies: Record<string, string>;
  extras: Record<string, unknown>;
};

const views = new WeakMap<TokenRecord, AuthView>();

export function authView(record: TokenRecord | undefined): AuthView {
  if (!record) return EMPTY;
  let view = views.get(record);
  if (!view) {
    const cookies: Record<string, string> = Object.create(null);
    for (const cookie of record.cookies) cookies[cookie.name] = cookie.value;
    view = Object.freeze({
      access_token: record.accessToken ?? null,
      refresh_token: record.refreshToken ?? null,
      token_type: record.tokenType ?? null,
      expires_at: record.expiresAt === undefined ? null : Math.floor(record.expiresAt / 1000),
      cookies,
      extras: record.extras,
    });
    views.set(record, view);
  }
  return view;
}

const EMPTY: AuthView = Object.freeze({
  access_token: null,
  refresh_token: null,
  token_type: null,
  expires_at: null,
  cookies: {},
  extras: {},
});
