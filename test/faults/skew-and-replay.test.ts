/**
 * Case 20: the host's clock is 120 s ahead of or behind the provider's; lifetimes arrive as
 * expires_in (relative), so the proactive refresh still comes before the provider expires the
 * token and no request is refused. Case 21: an upload given as a stream, refused with a 401:
 * the SDK read it once up front, so the one replay after the refresh carries the same bytes.
 */
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConnector, MemoryTokenStore } from '../../sdk/index.js';
import { credentials, refreshableManifest } from '../helpers/manifests.js';
import { registerSecret } from '../helpers/secret-scan.js';
import { startFakeOAuth, type FakeOAuth } from '../helpers/fake-oauth/index.js';
import { sendJson, startRouted, type RoutedServer } from '../security/support/servers.js';

describe('clock skew of ±120 s between host and provider (case 20)', () => {
  let server: FakeOAuth | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it.each([120_000, -120_000])('provider clock %i ms off: every call goes through with a live token, the refresh comes before expiry', async (skew) => {
    let hostMs = Date.UTC(2026, 10, 23, 12, 0, 0);
    const clock = { now: () => hostMs };
    // The provider runs on its own clock and refuses tokens older than 600 s by it.
    server = await startFakeOAuth({ now: () => hostMs + skew, expiresIn: 600, login: { sessionLifetimeMs: 600_000 } });
    const connector = await loadConnector(refreshableManifest(server.url));
    const connection = connector.connect({ connectionId: 'skew', credentials, store: new MemoryTokenStore(), clock, allowPrivateNetwork: true });
    for (let minute = 0; minute <= 30; minute++) {
      hostMs = Date.UTC(2026, 10, 23, 12, 0, 0) + minute * 59_000;
      expect((await connection.execute('get-items')).status).toBe(200);
    }
    // One API request per call: not one was refused (a refusal would have cost a replay).
    expect(server.counts['/api/items']).toBe(31);
    // 30 × 59 s = 29.5 minutes with 10-minute tokens renewed a minute early: 4 tokens.
    expect(server.counts['/token']).toBe(4);
    await connector.close();
  });
});

describe('a streamed upload refused with 401 (case 21)', () => {
  let api: RoutedServer;
  const uploads: string[] = [];
  let refuseNext = true;
  let issued = 0;

  beforeAll(async () => {
    api = await startRouted({
      '/token': (_req, res) => {
        const token = `tok-canary-upload-${++issued}`;
        registerSecret(token);
        sendJson(res, 200, { access_token: token, expires_in: 600 });
      },
      '/api/upload': (_req, res, body) => {
        uploads.push(body);
        if (refuseNext) {
          refuseNext = false;
          return sendJson(res, 401, { error: 'invalid_token' });
        }
        sendJson(res, 200, { data: { bytes: body.length } });
      },
    });
  });
  afterAll(async () => {
    await api.close();
  });

  it('is read once, refreshed once, replayed once with identical bytes', async () => {
    const connector = await loadConnector(
      refreshableManifest(api.origin, {}, {
        actions: {
          upload: {
            method: 'POST',
            path: '/api/upload',
            body_format: 'raw',
            // The schema takes any JSON body; the generated type only knows objects.
            body: '{{ input.file }}' as unknown as Record<string, unknown>,
            output: '$.data',
            input: { type: 'object', required: ['file'], properties: { file: { 'x-binary': true } } },
          },
        },
      }),
    );
    const connection = connector.connect({ connectionId: 'upload', credentials, allowPrivateNetwork: true });
    const content = Buffer.from('x'.repeat(64 * 1024) + 'end-of-upload');
    let reads = 0;
    const stream = Readable.from(
      (function* () {
        reads++;
        for (let i = 0; i < content.length; i += 8192) yield content.subarray(i, i + 8192);
      })(),
    );
    const result = await connection.execute('upload', { file: stream });
    expect(result.data).toEqual({ bytes: content.length });
    expect(reads).toBe(1);
    expect(issued).toBe(2);
    expect(uploads).toHaveLength(2);
    expect(uploads[0]).toBe(content.toString());
    expect(uploads[1]).toBe(uploads[0]);
    await connector.close();
  });
});
