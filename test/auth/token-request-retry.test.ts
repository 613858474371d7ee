/**
 * Retries of one token request (on the shared backoff) and the cooldown between renewals, on
 * plain operations: attempts, events, and which failures start a cooldown.
 */
import { describe, expect, it } from 'vitest';
import { CredentialsRefusedError, HttpError, ResponseError } from '../../sdk/errors.js';
import { isTransient } from '../../sdk/auth/token-failure.js';
import { RENEWAL_COOLDOWN_MS, RenewalCooldown, retryTokenRequest } from '../../sdk/auth/token-request-retry.js';
import { rejection } from '../helpers/secret-scan.js';

const unavailable = () => new HttpError(503, 'POST', 'https://auth.vendor.com/token');
const fast = { attempts: 3, baseDelayMs: 1 };

function failing(times: number, error: () => Error) {
  const operation = async () => {
    operation.calls++;
    if (operation.calls <= times) throw error();
    return 'token';
  };
  operation.calls = 0;
  return operation;
}

describe('retryTokenRequest', () => {
  it('retries a transient failure and reports each retry as token.request_retry', async () => {
    const events: unknown[] = [];
    const operation = failing(2, unavailable);
    expect(await retryTokenRequest(operation, isTransient, fast, { emit: (event) => events.push(event) })).toBe('token');
    expect(operation.calls).toBe(3);
    expect(events).toEqual([
      { type: 'token.request_retry', attempt: 1, delayMs: expect.any(Number), reason: 'CONNECTOR_HTTP_STATUS' },
      { type: 'token.request_retry', attempt: 2, delayMs: expect.any(Number), reason: 'CONNECTOR_HTTP_STATUS' },
    ]);
  });

  it('gives up after the attempts with the last error', async () => {
    const operation = failing(5, unavailable);
    const error = await rejection(retryTokenRequest(operation, isTransient, fast, { emit: () => undefined }));
    expect(error).toBeInstanceOf(HttpError);
    expect(operation.calls).toBe(3);
  });

  it('throws a failure the predicate does not accept at once', async () => {
    const operation = failing(1, () => new CredentialsRefusedError('refused', { oauthError: 'invalid_grant' }));
    const error = await rejection(retryTokenRequest(operation, isTransient, fast, { emit: () => undefined }));
    expect(error).toBeInstanceOf(CredentialsRefusedError);
    expect(operation.calls).toBe(1);
  });
});

describe('RenewalCooldown', () => {
  function cooldown() {
    const clock = { ms: 0 };
    return { clock, cooldown: new RenewalCooldown(() => clock.ms) };
  }

  it('after a transient failure the renewal is not run again until the cooldown is over', async () => {
    const { clock, cooldown: gate } = cooldown();
    const renewal = failing(1, unavailable);
    const first = await rejection(gate.run(renewal));
    clock.ms += RENEWAL_COOLDOWN_MS - 1;
    expect(await rejection(gate.run(renewal))).toBe(first);
    expect(renewal.calls).toBe(1);
    clock.ms += 1;
    expect(await gate.run(renewal)).toBe('token');
    expect(renewal.calls).toBe(2);
  });

  it('an answer that is no token answer cools down too', async () => {
    const { clock, cooldown: gate } = cooldown();
    const first = await rejection(gate.run(failing(1, () => new ResponseError('an HTML page'))));
    const renewal = failing(0, unavailable);
    expect(await rejection(gate.run(renewal))).toBe(first);
    expect(renewal.calls).toBe(0);
    clock.ms += RENEWAL_COOLDOWN_MS;
    expect(await gate.run(renewal)).toBe('token');
  });

  it('a refusal starts no cooldown: the next renewal runs at once', async () => {
    const { cooldown: gate } = cooldown();
    await rejection(gate.run(failing(1, () => new CredentialsRefusedError('refused'))));
    const renewal = failing(0, unavailable);
    expect(await gate.run(renewal)).toBe('token');
  });
});
