/**
 * The path of one action request, in one place. The connection builds the request from the
 * action's templates (and, when the answer says the token expired, renews it once and builds and
 * sends the request again); then, outermost first:
 *
 *   auth → cookies → response event → retry → rate budget → request event → body → redirects → sign → dispatch
 *
 * auth puts the credentials on; the cookie stage keeps
 * cookies the answer sets; retry repeats 429/503/5xx/reset attempts, each of which waits for the
 * rate budget (a 429 without Retry-After waits for the budget's next slot); the transport's
 * stages read the body within limits and follow redirects by the credential policy; a signing auth type signs each hop as it goes out (sign-request.ts);
 * dispatch sends one hop through the SSRF guard. Stages a connection does not need (no rate
 * limit, no listener, no tokens, no signer) are left out when the pipeline is composed.
 */
import type { HttpClient } from '../http/http-client.js';
import { compose, type Send } from '../http/pipeline.js';
import { retry } from '../http/retry.js';
import type { AuthStrategy } from '../auth/auth-strategy.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { CompiledAction } from './action.js';
import type { ActionRequest } from './action-request.js';
import { applyAuth } from './apply-auth.js';
import type { EventSink } from './event-sink.js';
import { keepCookies } from './keep-cookies.js';
import { signRequest } from './sign-request.js';
import { rateBudget, type RateLimiter } from './rate-limiter.js';
import { announceAttempts, reportResponses, type PrintUrl } from './request-events.js';

export interface PipelineParts {
  strategy: AuthStrategy;
  tokens?: TokenManager;
  http: HttpClient;
  events: EventSink;
  rateLimiter?: RateLimiter;
  retry: { maxAttempts: number; maxElapsedMs: number; baseDelayMs: number };
  print: PrintUrl;
  now(): number;
}

/** The composed Send of one action (built once per action and connection). */
export function actionPipeline(parts: PipelineParts, action: CompiledAction): Send<ActionRequest> {
  const { events, print, rateLimiter } = parts;
  return compose<ActionRequest>(
    [
      applyAuth(parts.strategy, parts.now),
      keepCookies(parts.tokens),
      reportResponses(events, print, parts.now),
      retry({
        ...parts.retry,
        idempotent: action.idempotent,
        throttledDelayMs: rateLimiter && (() => rateLimiter.nextSlotMs()),
        onRetry: events.enabled ? ({ attempt, delayMs, reason }) => events.emit({ type: 'request.retry', action: action.id, attempt, delayMs, reason }) : undefined,
      }),
      rateBudget(rateLimiter),
      announceAttempts(events, print),
      ...parts.http.stages<ActionRequest>(),
      signRequest(parts.strategy.signer, parts.now),
    ],
    parts.http.dispatch,
  );
}
