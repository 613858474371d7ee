/**
 * The write-ahead refresh marker: stored in the record before a refresh request is sent, gone
 * once its answer is stored. A record found still carrying it means the answer was lost and the
 * refresh token may be spent, so it is never presented again: with rotating refresh tokens a
 * replay can revoke the whole grant. Only a manifest that says the provider does not rotate them
 * (`refresh_token_rotation: false`) lets that refresh be sent again (mayResendLostRefresh).
 */
import { createHash } from 'node:crypto';
import type { TokenRecord } from '../store/token-store.js';
import type { StoredRecord, Written } from './stored-record.js';

/** Marks `record`'s refresh as under way (`kept: false`: another worker renewed first, see StoredRecord.write). */
export function markRefreshPending(stored: StoredRecord, record: TokenRecord, now: number): Promise<Written> {
  const pendingRefresh = { startedAt: now, refreshTokenFingerprint: fingerprint(record.refreshToken ?? '') };
  return stored.write(record, (current) => ({ ...(current ?? record), pendingRefresh }));
}

/** Takes the marker off again: the server did not act on the refresh, so its refresh token is still good. */
export function clearRefreshMarker(stored: StoredRecord, marked: TokenRecord): Promise<Written> {
  return stored.write(marked, (current) => {
    const { pendingRefresh: _marker, ...rest } = current ?? marked;
    return rest;
  });
}

/**
 * Whether the refresh `record`'s marker stands for may simply be sent again: only when the manifest says the provider
 * keeps refresh tokens valid (`false`; true and undefined, unknown, never), and the record still holds the refresh
 * token the marker was written for. The new refresh is marked afresh (markRefreshPending replaces this marker).
 */
export function mayResendLostRefresh(record: TokenRecord, refreshTokenRotation: boolean | undefined): boolean {
  const marker = record.pendingRefresh;
  if (refreshTokenRotation !== false || marker === undefined || record.refreshToken === undefined) return false;
  return marker.refreshTokenFingerprint === fingerprint(record.refreshToken);
}

/** Names the refresh token the marker is about without storing it twice. */
function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 16);
}
