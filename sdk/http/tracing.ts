/**
 * OpenTelemetry spans, when the host has `@opentelemetry/api` installed (an optional peer):
 * one per execute, per token request, per hop sent (each retry and redirect hop), with the
 * semantic-convention attributes `http.request.method`, `server.address`, `server.port`,
 * `http.response.status_code`, `url.template` — never a URL with its query, a header or a
 * body, which may hold secrets. Without the package, or without a provider the host
 * registered, every span is a no-op. With `propagate`, a hop carries the W3C `traceparent` of
 * its span.
 *
 * The package is loaded with require(), not imported: a host without it must load the SDK all
 * the same, and a static import of a missing package fails. Only the few calls below are
 * typed, so the SDK's declarations never name the package's types.
 */
import { createRequire } from 'node:module';
import type { HttpRequest, HttpResponse } from './http-client.js';
import type { Send, Stage } from './pipeline.js';

export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

interface ProviderLike {
  getDelegate?(): unknown;
}

interface OtelApi {
  trace: {
    getTracer(name: string): { startActiveSpan<T>(name: string, options: { kind: number; attributes: SpanAttributes }, fn: (span: OtelSpan) => T): T };
    getTracerProvider(): ProviderLike;
  };
  ProxyTracerProvider: new () => ProviderLike;
  context: { active(): unknown };
  propagation: { inject(context: unknown, carrier: Record<string, string>): void };
}

const SPAN_KIND = { internal: 0, client: 2 } as const;
const STATUS_ERROR = 2;

function loadApi(): OtelApi | undefined {
  try {
    return createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
  } catch {
    return undefined;
  }
}

const api = loadApi();
const tracer = api?.trace.getTracer('connector-sdk');
/** The provider the API falls back to while the host has registered none. */
const NOOP_PROVIDER = api && new api.ProxyTracerProvider().getDelegate?.();

/**
 * Whether a host registered a provider: until one does, spans are skipped outright (the API's
 * own no-op spans would still cost a context switch per request on the hot path).
 */
function recording(): boolean {
  if (!api) return false;
  const provider = api.trace.getTracerProvider();
  return (provider.getDelegate?.() ?? provider) !== NOOP_PROVIDER;
}

/**
 * Runs `work` inside a span (its children: the hops and token requests it causes). A failure
 * marks the span as an error with the error's `code` only: messages may name what was sent.
 */
export function inSpan<T>(name: string, kind: keyof typeof SPAN_KIND, attributes: SpanAttributes, work: (span: OtelSpan | undefined) => Promise<T>): Promise<T> {
  if (!tracer || !recording()) return work(undefined);
  return tracer.startActiveSpan(name, { kind: SPAN_KIND[kind], attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      span.setStatus({ code: STATUS_ERROR, message: typeof code === 'string' ? code : ((error as Error | null)?.name ?? 'error') });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The span of one hop sent (a client span), with the W3C traceparent on it when the request asks. */
export function traceHops<R extends HttpRequest>(): Stage<R> | undefined {
  if (!tracer) return undefined;
  return (next: Send<R>) => (request) => (recording() ? inSpan(`HTTP ${request.method}`, 'client', hopAttributes(request), (span) => sendHop(next, request, span)) : next(request));
}

async function sendHop<R extends HttpRequest>(next: Send<R>, request: R, span: OtelSpan | undefined): Promise<HttpResponse> {
  if (request.propagateTrace && api) api.propagation.inject(api.context.active(), request.headers);
  const response = await next(request);
  span?.setAttribute('http.response.status_code', response.status);
  if (response.status >= 500) span?.setStatus({ code: STATUS_ERROR, message: String(response.status) });
  return response;
}

function hopAttributes(request: HttpRequest): SpanAttributes {
  const { url } = request;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return {
    'http.request.method': request.method,
    'server.address': url.hostname,
    'server.port': port,
    ...(request.urlTemplate ? { 'url.template': request.urlTemplate } : {}),
    ...(request.attempt !== undefined && request.attempt > 1 ? { 'http.request.resend_count': request.attempt - 1 } : {}),
  };
}
